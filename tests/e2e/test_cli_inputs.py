"""A warehouse or archive path that cannot be used: one line, exit 2, nothing written.

Each bad value is given as a flag and as its environment variable; the
command must refuse it before it takes the run lock, starts Prefect or
touches the site, so the directory it names is left exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import Done, anq

#: A closed loopback port: a command that got as far as the site would exit 4, not 2.
NOWHERE = "http://127.0.0.1:9"


def _duckdb_file(path: Path) -> None:
    """A DuckDB file in the storage format anq writes (that of DuckDB 1.4)."""
    config: dict[str, str | bool | int | float | list[str]] = {
        "storage_compatibility_version": "v1.4.0"
    }
    duckdb.connect(str(path), config=config).execute("CREATE TABLE t (a INTEGER)").close()


def _newer_duckdb(path: Path) -> None:
    """A DuckDB file whose header claims a storage version no DuckDB reads yet."""
    _duckdb_file(path)
    data = bytearray(path.read_bytes())
    data[12:20] = struct.pack("<Q", 99)
    checksum = 5381  # DuckDB's header checksum: xor of each word times a constant
    for (word,) in struct.iter_unpack("<Q", bytes(data[8:4096])):
        checksum ^= (word * 0xBF58476D1CE4E5B9) % 2**64
    data[0:8] = struct.pack("<Q", checksum)
    path.write_bytes(bytes(data))


def _read_only_file(path: Path) -> None:
    _duckdb_file(path)
    path.chmod(0o444)
    path.parent.chmod(0o555)


#: (name, how to make the bad path under a directory, the word the error says)
BAD_DBS: list[tuple[str, Callable[[Path], Path], str]] = [
    ("directory", lambda d: _mkdir(d / "w.duckdb"), "directory"),
    ("not duckdb", lambda d: _write(d / "w.duckdb", b"id,name\n1,x\n" * 10), "not a DuckDB"),
    ("missing parent", lambda d: d / "nope" / "w.duckdb", "does not exist"),
    ("newer duckdb", lambda d: _made(d / "w.duckdb", _newer_duckdb), "newer"),
    ("read-only", lambda d: _made(d / "ro" / "w.duckdb", _read_only_file), "read-only"),
]


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _made(path: Path, make: Callable[[Path], None]) -> Path:
    path.parent.mkdir(exist_ok=True)
    make(path)
    return path


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A directory the unprivileged user can reach (pytest's tmp is root's own)."""
    path = Path(tempfile.mkdtemp(prefix="anq-inputs-"))
    path.chmod(0o777)
    try:
        yield path
    finally:
        for sub in path.rglob("*"):
            if sub.is_dir():
                sub.chmod(0o755)
        shutil.rmtree(path)


def _as_user(*args: str, env: dict[str, str] | None = None) -> Done:
    """Run anq as an unprivileged user when root (root may write a read-only file)."""
    if os.geteuid() != 0:
        return anq(*args, env=env)
    if shutil.which("setpriv") is None:
        pytest.skip("root without setpriv cannot test read-only paths")
    return anq(*args, env=env, prefix=["setpriv", "--reuid=65534", "--regid=65534",
                                       "--clear-groups"])  # fmt: skip


def _tree(root: Path) -> dict[str, tuple[int, float]]:
    return {
        str(p.relative_to(root)): (p.stat().st_mode, p.stat().st_mtime)
        for p in sorted(root.rglob("*"))
    }


#: (command, how the path is given, bad path): a read-only command has no parent
#: to make and nothing to write, so "missing parent" and "read-only" are sync's.
CASES = [
    (command, via, bad)
    for command, via in (("sync", "flag"), ("sync", "env"), ("stats", "flag"))
    for bad in BAD_DBS
    if command == "sync" or bad[0] not in ("missing parent", "read-only")
]


@pytest.mark.parametrize(("command", "via", "bad"), CASES,
                         ids=[f"{c}-{v}-{b[0]}" for c, v, b in CASES])  # fmt: skip
def test_a_bad_db_is_one_line_exit_2_and_nothing_written(
    workdir: Path, command: str, via: str, bad: tuple[str, Callable[[Path], Path], str]
) -> None:
    kind, make, word = bad
    db = make(workdir)
    before = _tree(workdir)
    extra = ["--base-url", NOWHERE] if command == "sync" else []
    args = [command, *extra, *(["--db", str(db)] if via == "flag" else [])]
    env = {"ANQ_DB": str(db)} if via == "env" else None
    done = _as_user(*args, env=env) if kind == "read-only" else anq(*args, env=env)
    lines = done.err.strip().splitlines()
    assert (done.code, len(lines)) == (2, 1), done.err
    assert word in lines[0] and ("ANQ_DB" if via == "env" else "--db") in lines[0]
    assert _tree(workdir) == before


@pytest.mark.parametrize("via", ["flag", "env"])
def test_an_archive_that_is_a_file_is_refused(workdir: Path, via: str) -> None:
    archive = _write(workdir / "raw", b"x")
    db = workdir / "w.duckdb"
    flag = ["--archive", str(archive)] if via == "flag" else []
    env = {"ANQ_ARCHIVE": str(archive)} if via == "env" else None
    done = anq("sync", "--db", str(db), "--base-url", NOWHERE, *flag, env=env)
    assert (done.code, done.err.count("\n"), db.exists()) == (2, 1, False), done.err


def test_an_archive_in_a_missing_directory_is_refused(workdir: Path) -> None:
    done = anq("sync", "--db", str(workdir / "w.duckdb"), "--base-url", NOWHERE,
               "--archive", str(workdir / "nope" / "raw"))  # fmt: skip
    assert (done.code, "does not exist" in done.err) == (2, True), done.err


@pytest.mark.parametrize(
    ("variable", "value"),
    [("ANQ_RATE", "fast"), ("ANQ_TYPES", "QX"), ("ANQ_LEGISLATURES", "x"), ("ANQ_BATCH", "0")],
)
def test_a_bad_environment_value_names_its_variable(
    workdir: Path, variable: str, value: str
) -> None:
    done = anq("sync", "--db", str(workdir / "w.duckdb"), env={variable: value})
    assert (done.code, done.err.startswith(f"anq: {variable}: ")) == (2, True), done.err
    assert list(workdir.iterdir()) == []


def test_no_traceback_on_any_refusal(workdir: Path) -> None:
    done = anq("sync", "--db", str(workdir), "--base-url", NOWHERE)
    assert done.code == 2 and "Traceback" not in done.err
