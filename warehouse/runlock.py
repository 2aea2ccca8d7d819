"""The run lock: an ``flock`` on ``<db>.lock`` held for a whole run.

Two runs on one warehouse never interleave their batches or their copies:
the second is refused at once and told the first one's pid. This lock is
anq's own, apart from DuckDB's file lock (:mod:`warehouse.db`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType


class RunLocked(RuntimeError):
    """Another run holds the run lock; ``pid`` is its process id (None if unreadable)."""

    def __init__(self, lock_path: Path, pid: int | None) -> None:
        holder = f"process {pid}" if pid is not None else "another process"
        super().__init__(f"another anq run ({holder}) is using {lock_path.with_suffix('')}")
        self.lock_path = lock_path
        self.pid = pid


class RunLock:
    """An exclusive ``flock`` on ``<db>.lock`` for the length of one run.

    The lock file holds the pid of its holder so that the refusal can say who
    it is. Its holder deletes it on release, still holding the lock; a taker
    that locked a file meanwhile deleted checks that the path still names the
    inode it locked, and starts over if not, so two processes never hold two
    different files. The kernel drops the lock if the process dies, so a
    killed run leaves at worst an unlocked file, which the next run takes.
    """

    def __init__(self, db_path: Path) -> None:
        # Keyed on the file itself: the same database through a symlink or
        # another relative path must meet the same lock.
        db_path = Path(os.path.realpath(db_path))
        self.path = db_path.with_name(db_path.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`RunLocked` at once (never waits)."""
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pid = _read_pid(fd)
                os.close(fd)
                raise RunLocked(self.path, pid) from None
            if _same_file(fd, self.path):
                break
            os.close(fd)  # its holder deleted it as we locked it: lock the new one
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Let go of the lock (idempotent)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)  # while still held: see the class docstring
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


_held: dict[Path, int] = {}
_locks: dict[Path, RunLock] = {}
_held_guard = threading.Lock()


@contextmanager
def hold_run_lock(db: Path) -> Iterator[None]:
    """Hold the run lock of ``db``; re-entrant within this process.

    The command takes the lock before anything else (a second run fails fast)
    and the run takes it again (deployed flows have no command): flock would
    refuse the second taker in the same process, so count.
    """
    key = db.resolve()
    with _held_guard:
        if key in _held:
            _held[key] += 1
        else:
            lock = RunLock(db)
            lock.acquire()
            _locks[key], _held[key] = lock, 1
    try:
        yield
    finally:
        with _held_guard:
            _held[key] -= 1
            if _held[key] == 0:
                del _held[key]
                _locks.pop(key).release()
