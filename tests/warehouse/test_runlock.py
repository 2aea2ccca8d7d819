"""RunLock: one run at a time on a warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from warehouse.runlock import RunLock, RunLocked, hold_run_lock


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
        "import sys; from pathlib import Path; from warehouse.runlock import RunLock, RunLocked\n"
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
        "import sys, os; from pathlib import Path; from warehouse.runlock import RunLock\n"
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
        "import sys, os; from pathlib import Path; from warehouse.runlock import RunLock\n"
        "RunLock(Path(sys.argv[1])).acquire(); os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(db_path)], check=True)
    with RunLock(db_path) as lock:
        assert lock.path.read_text().strip() == str(os.getpid())


def test_the_lock_held_twice_in_one_process_is_let_go_with_the_outer_hold(db_path: Path) -> None:
    with hold_run_lock(db_path):
        with hold_run_lock(db_path):  # the command, then its run
            pass
        with pytest.raises(RunLocked):
            RunLock(db_path).acquire()  # the outer hold still has it
    with RunLock(db_path) as again:
        assert again.held
