"""connect(): migrations, patience with a busy file; RunLock: one run at a time."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from warehouse.db import (
    DatabaseLocked,
    RunLock,
    RunLocked,
    Writer,
    available_migrations,
    connect,
    migrate,
    session,
)

_HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("ready", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def _hold(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process holding the DuckDB file, as a user's SQL session would."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_connect_creates_parent_dirs_and_applies_every_migration(db_path: Path) -> None:
    with session(db_path) as con:
        versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()]
    assert db_path.exists()
    assert versions == [v for v, _, _ in available_migrations()]
    assert versions[0] == 1


def test_migrations_are_applied_once(db_path: Path) -> None:
    with session(db_path) as con:
        first = con.execute("SELECT version, applied_at FROM schema_migrations").fetchall()
    with session(db_path) as con:
        assert migrate(con) == []
        again = con.execute("SELECT version, applied_at FROM schema_migrations").fetchall()
    assert again == first


def test_schema_has_the_contract_tables(con: duckdb.DuckDBPyConnection) -> None:
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    expected = {"questions", "question_versions", "runs", "fetch_state", "raw_pages", "failures"}
    assert expected <= tables


def test_read_only_connection_does_not_migrate(db_path: Path) -> None:
    with session(db_path):
        pass
    with session(db_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM questions").fetchall() == [(0,)]


def test_connect_waits_while_another_process_holds_the_file(db_path: Path) -> None:
    with session(db_path):
        pass
    holder = _hold(db_path, 2.0)
    try:
        started = time.monotonic()
        con = connect(db_path, wait=60)
        waited = time.monotonic() - started
        con.close()
    finally:
        holder.wait(timeout=30)
    assert waited >= 1.0


def test_connect_gives_up_with_database_locked(db_path: Path) -> None:
    with session(db_path):
        pass
    holder = _hold(db_path, 3.0)
    try:
        with pytest.raises(DatabaseLocked, match="held by another process"):
            connect(db_path, wait=0.3)
    finally:
        holder.wait(timeout=30)


def test_run_lock_refuses_a_second_holder_and_names_the_first(db_path: Path) -> None:
    first = RunLock(db_path)
    first.acquire()
    try:
        with pytest.raises(RunLocked) as refused:
            RunLock(db_path).acquire()
        assert refused.value.pid is not None
        assert str(refused.value.pid) in str(refused.value)
    finally:
        first.release()
    with RunLock(db_path) as again:
        assert again.held


@pytest.mark.parametrize("via", ["symlinked file", "symlinked directory"])
def test_run_lock_meets_the_same_file_through_a_symlink(db_path: Path, via: str) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db_path.touch()
    if via == "symlinked file":
        other = db_path.parent / "alias.duckdb"
        other.symlink_to(db_path)
    else:
        (db_path.parent.parent / "alias-dir").symlink_to(db_path.parent)
        other = db_path.parent.parent / "alias-dir" / db_path.name
    with RunLock(db_path), pytest.raises(RunLocked):
        RunLock(other).acquire()


def test_run_lock_refuses_a_second_process(db_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from warehouse.db import RunLock, RunLocked\n"
        "try:\n    RunLock(Path(sys.argv[1])).acquire()\nexcept RunLocked as e:\n"
        "    print(e.pid); sys.exit(3)\n"
    )
    with RunLock(db_path):
        done = subprocess.run(
            [sys.executable, "-c", code, str(db_path)], capture_output=True, text=True
        )
    assert done.returncode == 3, done.stderr
    assert int(done.stdout) > 0


def test_run_lock_is_released_when_its_process_dies(db_path: Path) -> None:
    code = (
        "import sys, os; from pathlib import Path; from warehouse.db import RunLock\n"
        "RunLock(Path(sys.argv[1])).acquire(); os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(db_path)], check=True)
    with RunLock(db_path) as lock:
        assert lock.held


def test_run_lock_file_is_removed_on_release(db_path: Path) -> None:
    with RunLock(db_path) as lock:
        assert lock.path.exists()
    assert not lock.path.exists()


def test_run_lock_left_by_a_killed_run_is_taken(db_path: Path) -> None:
    code = (
        "import sys, os; from pathlib import Path; from warehouse.db import RunLock\n"
        "RunLock(Path(sys.argv[1])).acquire(); os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(db_path)], check=True)
    with RunLock(db_path) as lock:
        assert lock.path.read_text().strip() == str(os.getpid())


def test_writer_reuses_its_connection_and_lets_go_when_idle(db_path: Path) -> None:
    with Writer(db_path, linger=0.3) as writer:
        with writer.connection() as first:
            first.execute("CREATE TABLE t (x INTEGER)")
        with writer.connection() as second:
            assert second is first
        assert writer.is_open
        time.sleep(1.0)
        assert not writer.is_open
        holder = _hold(db_path, 0.1)  # another process can open the file now
        holder.wait(timeout=30)
        with writer.connection() as third:
            assert third.execute("SELECT count(*) FROM t").fetchall() == [(0,)]
    assert not writer.is_open


def test_writer_with_no_linger_closes_after_each_batch(db_path: Path) -> None:
    writer = Writer(db_path, linger=0)
    with writer.connection():
        assert writer.is_open
    assert not writer.is_open
