"""Where a run writes, and how its work reaches the file analysts open.

DuckDB lets no process write a file that another process holds open, even
read-only, and analysts keep sessions open for hours. So a run never writes
the file they are told to open (``--db``): under the run lock it works on a
private copy beside it, ``.<name>.work``, and when it ends (completed, failed
or stopped alike) it closes every connection and swaps that copy in with one
``rename``. A session open on the old file goes on reading the state it
opened (the previous run's), the next session sees the new one, and nobody
ever sees half of a batch.

What it costs: one sequential copy of the file at the start of each run, and
twice the file's size on disk while a run is going.

A copy left by a run that was killed holds batches it committed, so the next
run resumes it instead of copying again; delete it to throw that work away.
One that is older than the published file (written since by something else)
is refused rather than published over it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
from pathlib import Path
from types import TracebackType

from warehouse.db import retry_while_busy

log = logging.getLogger("anq.publish")

_PREFIX, _SUFFIX = ".", ".work"


class StaleWorkingCopy(RuntimeError):
    """A killed run's copy is older than the published file: which one wins is not ours to guess."""


def working_path(db: Path) -> Path:
    """Where a run writes: ``data/.anq.duckdb.work`` for ``data/anq.duckdb``."""
    db = _real(db)
    return db.with_name(f"{_PREFIX}{db.name}{_SUFFIX}")


def published_path(path: Path) -> Path:
    """The file a working copy is published as (any other path is its own)."""
    name = Path(path).name
    if name.startswith(_PREFIX) and name.endswith(_SUFFIX) and len(name) > len(_PREFIX + _SUFFIX):
        return Path(path).with_name(name[len(_PREFIX) : -len(_SUFFIX)])
    return Path(path)


def prepare(db: Path, *, wait: float = 600.0) -> Path:
    """The run's private copy of ``db``: a killed run's leftover, else a fresh copy.

    Call with the run lock held. Returns the path to open; when ``db`` does
    not exist yet, nothing is copied and the run creates the file there. A
    read-write session on ``db`` (which may be writing it) delays the copy,
    up to ``wait`` seconds; read-only ones never do.
    """
    db, work = _real(db), working_path(db)
    if work.exists():
        if db.exists() and db.stat().st_mtime_ns > work.stat().st_mtime_ns:
            raise StaleWorkingCopy(
                f"{work}, left by a run that did not finish, is older than {db}, which was "
                f"written since: delete {work} to keep {db}, or move it over {db} to keep it"
            )
        log.warning("resuming %s, left by a run that did not finish", work)
        return work
    wal_path(work).unlink(missing_ok=True)  # a log without its file must never be replayed
    if db.exists():
        partial = work.with_name(work.name + ".partial")
        try:
            _copy_held(db, partial, wait)
            os.replace(partial, work)
        finally:
            for left in (partial, wal_path(partial)):
                left.unlink(missing_ok=True)
    return work


def publish(work: Path, db: Path) -> None:
    """Make the closed ``work`` file the published ``db``, in one rename.

    Every connection to ``work`` must be closed first (closing checkpoints
    it, so no write-ahead log is left behind). ``db`` keeps its permissions.
    """
    db = _real(db)
    if db.exists():
        shutil.copymode(db, work)  # analysts' access must not change with each run
    fsync_file(work)
    stale = wal_path(db)
    if wal_path(work).exists():
        os.replace(wal_path(work), stale)
    elif stale.exists():
        stale.unlink()  # a log of the old file must never be replayed onto the new one
    os.replace(work, db)
    fsync_dir(db.parent)


def discard(db: Path) -> None:
    """Remove the private copy (a run that must leave the published file as it was)."""
    work = working_path(db)
    for path in (work, wal_path(work)):
        path.unlink(missing_ok=True)


class WorkingCopy:
    """A run's private copy of ``db``, prepared on entry and published on exit.

    :meth:`publish` may come earlier (a stopped run has seconds left to
    live); once done it does nothing more.
    """

    def __init__(self, db: Path) -> None:
        self.db = _real(db)
        self.path = working_path(db)
        self._published = False

    def __enter__(self) -> WorkingCopy:
        prepare(self.db)
        return self

    def publish(self) -> None:
        """Swap the copy in (its connections closed); nothing when already done."""
        if self._published:
            return
        self._published = True
        if self.path.exists():
            publish(self.path, self.db)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.publish()


def _real(db: Path) -> Path:
    # Beside the real file: a rename over a symlink would replace the link, not the file.
    return Path(os.path.realpath(db))


def wal_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.wal")


def _copy_held(db: Path, target: Path, wait: float) -> None:
    """Copy ``db`` (and its log) under a shared lock on it, the one read-only DuckDB
    sessions take: no read-write session can be writing it meanwhile.

    The copy goes through the locked descriptor itself: closing any other
    descriptor of the file would drop this process's lock on it.
    """
    with db.open("rb") as source:
        _lock_shared(source.fileno(), db, wait)
        with target.open("wb") as copy:
            offset, size = 0, os.fstat(source.fileno()).st_size
            while offset < size:
                offset += os.sendfile(copy.fileno(), source.fileno(), offset, size - offset)
        shutil.copymode(db, target)
        if wal_path(db).exists():  # a file last closed uncleanly: its log goes with it
            shutil.copyfile(wal_path(db), wal_path(target))
            os.replace(wal_path(target), wal_path(working_path(db)))


def _lock_shared(fd: int, db: Path, wait: float) -> None:
    retry_while_busy(
        lambda: fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB),
        busy=lambda exc: isinstance(exc, OSError),
        holder=f"{db} is held read-write by another process (a SQL session not read_only?)",
        wait=wait,
    )


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
