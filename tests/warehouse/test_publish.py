"""A run's private copy and its publication, on real DuckDB files."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from warehouse.compact import RewriteFailed, compact
from warehouse.db import DatabaseLocked
from warehouse.publish import (
    StaleWorkingCopy,
    WorkingCopy,
    discard,
    prepare,
    publish,
    published_path,
    working_path,
)
from warehouse.runlock import RunLock


def _write(path: Path, value: int) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE IF NOT EXISTS t (v INTEGER)")
    con.execute("INSERT INTO t VALUES (?)", [value])
    con.close()


def _values(path: Path) -> list[int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [row[0] for row in con.execute("SELECT v FROM t ORDER BY v").fetchall()]
    finally:
        con.close()


def _backdate(path: Path, seconds: int) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns - seconds * 1_000_000_000))


def test_the_working_copy_is_hidden_beside_the_file(tmp_path: Path) -> None:
    assert working_path(tmp_path / "anq.duckdb") == tmp_path / ".anq.duckdb.work"


@pytest.mark.parametrize(
    ("path", "published"),
    [
        (".anq.duckdb.work", "anq.duckdb"),
        ("anq.duckdb", "anq.duckdb"),
        (".anq.duckdb.work.rewrite", ".anq.duckdb.work.rewrite"),
        (".work", ".work"),
    ],
)
def test_published_path_undoes_working_path(tmp_path: Path, path: str, published: str) -> None:
    assert published_path(tmp_path / path) == tmp_path / published


def test_a_first_run_creates_its_file_from_nothing(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    work = prepare(db)
    _write(work, 1)
    publish(work, db)
    assert (_values(db), work.exists()) == ([1], False)


def test_the_copy_starts_from_the_published_state(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    work = prepare(db)
    _write(work, 2)
    assert _values(db) == [1]  # nothing published yet
    publish(work, db)
    assert _values(db) == [1, 2]


def test_a_reader_holding_the_file_keeps_its_state_and_never_blocks(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    reader = duckdb.connect(str(db), read_only=True)
    try:
        work = prepare(db)
        _write(work, 2)
        publish(work, db)
        seen = [row[0] for row in reader.execute("SELECT v FROM t ORDER BY v").fetchall()]
    finally:
        reader.close()
    assert (seen, _values(db)) == ([1], [1, 2])


#: Another process's session on the file, held until its stdin closes.
HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print("held", flush=True)
sys.stdin.read()
"""


def _held(db: Path, mode: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), mode], text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline() == "held\n"
    return proc


def _let_go(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=60)


def test_a_read_only_session_elsewhere_never_delays_the_copy(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    holder = _held(db, "ro")
    try:
        work = prepare(db, wait=0)
        _write(work, 2)
        publish(work, db)
    finally:
        _let_go(holder)
    assert _values(db) == [1, 2]


def test_a_read_write_session_elsewhere_is_not_copied_half_way(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    holder = _held(db, "rw")
    try:
        with pytest.raises(DatabaseLocked, match="read-write"):
            prepare(db, wait=0.2)
    finally:
        _let_go(holder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anq.duckdb"]


#: A writer killed before its checkpoint: its last insert is only in the file's log.
KILLED_WRITER = """
import os, sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("SET checkpoint_threshold = '1GB'")
con.execute("INSERT INTO t VALUES (99)")
os._exit(9)
"""


def test_a_log_left_without_its_copy_is_not_replayed(tmp_path: Path) -> None:
    """Deleting a killed run's copy throws its work away, even if its log stays behind."""
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    work = prepare(db)
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(work)], check=False, timeout=60)
    assert work.with_name(work.name + ".wal").exists()
    work.unlink()  # the user discards the killed run's work, and forgets its log
    _write(prepare(db), 2)
    publish(work, db)
    assert _values(db) == [1, 2]


def test_a_killed_runs_copy_is_resumed(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    _write(prepare(db), 2)  # the run is killed before publishing
    work = prepare(db)
    _write(work, 3)
    publish(work, db)
    assert _values(db) == [1, 2, 3]


def test_a_copy_older_than_the_published_file_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    _write(prepare(db), 2)  # killed; then something else writes the published file
    _backdate(working_path(db), 60)
    with pytest.raises(StaleWorkingCopy, match="delete"):
        prepare(db)
    assert (_values(db), _values(working_path(db))) == ([1], [1, 2])


def test_discard_leaves_the_published_file_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    _write(prepare(db), 2)
    discard(db)
    assert (_values(db), working_path(db).exists()) == ([1], False)


def test_a_stale_log_of_the_old_file_is_not_replayed(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    work = prepare(db)
    _write(work, 2)
    db.with_name("anq.duckdb.wal").write_bytes(b"not a log of the new file")
    publish(work, db)
    assert _values(db) == [1, 2]


def test_publishing_keeps_the_files_permissions(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    db.chmod(0o640)
    work = prepare(db)
    work.chmod(0o600)  # as a file rebuilt from scratch (compact, reparse) may come
    publish(work, db)
    assert stat.S_IMODE(db.stat().st_mode) == 0o640


def test_a_symlinked_file_is_published_through_its_link(tmp_path: Path) -> None:
    real = tmp_path / "disk" / "anq.duckdb"
    real.parent.mkdir()
    _write(real, 1)
    link = tmp_path / "anq.duckdb"
    link.symlink_to(real)
    with WorkingCopy(link) as copy:
        _write(copy.path, 2)
    assert (copy.path.parent, link.is_symlink(), _values(real)) == (real.parent, True, [1, 2])


def test_a_working_copy_is_published_when_its_body_fails(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    with pytest.raises(ZeroDivisionError), WorkingCopy(db) as copy:
        _write(copy.path, 2)  # a committed batch, then the run fails
        raise ZeroDivisionError
    assert (_values(db), copy.path.exists()) == ([1, 2], False)


def test_an_early_publish_is_not_repeated(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    with WorkingCopy(db) as copy:
        _write(copy.path, 2)
        copy.publish()  # a stopped run publishes before its process is ended
    assert (_values(db), copy.path.exists()) == ([1, 2], False)


def test_compact_works_on_the_copy_under_the_files_lock(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    reader = duckdb.connect(str(db), read_only=True)
    try:
        with RunLock(db), WorkingCopy(db) as copy:
            compact(copy.path)
    finally:
        reader.close()
    assert _values(db) == [1]


def test_compact_of_a_copy_is_refused_without_the_files_lock(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    with pytest.raises(RewriteFailed, match="run lock"), WorkingCopy(db) as copy:
        compact(copy.path)
