"""Readers never wait for a run: a run writes a private copy and publishes it whole.

DuckDB lets no process write a file that another process holds open, even
read-only, and analysts keep sessions open for hours. So a run never writes
the file they are told to open (``--db``): it works on a private copy beside
it (``.<name>.work``) and, when it ends, swaps that copy in with one
``rename``. A session open on the old file goes on reading the state it
opened (the previous run's), the next session sees the new one, and nobody
ever sees half of a batch.

What it costs: one sequential copy of the file at the start of each run, and
twice the file's size on disk while a run is going.

A copy left by a run that was killed is newer than the published file (its
batches were committed), so the next run resumes it instead of copying again;
delete it to throw that work away.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

log = logging.getLogger("anq.publish")


def working_path(db: Path) -> Path:
    """Where a run writes: ``data/.anq.duckdb.work`` for ``data/anq.duckdb``."""
    return db.with_name(f".{db.name}.work")


def _wal(path: Path) -> Path:
    return path.with_name(f"{path.name}.wal")


def prepare(db: Path) -> Path:
    """The run's private copy of ``db``: a killed run's leftover, else a fresh copy.

    Call with the run lock held. Returns the path to open; when ``db`` does
    not exist yet, nothing is copied and the run creates the file there.
    """
    work = working_path(db)
    if work.exists():
        log.warning("resuming %s, left by a run that did not finish", work)
        return work
    if db.exists():
        partial = work.with_name(work.name + ".partial")
        shutil.copyfile(db, partial)
        if _wal(db).exists():  # a file last written before runs worked on a copy
            shutil.copyfile(_wal(db), _wal(partial))
            os.replace(_wal(partial), _wal(work))
        os.replace(partial, work)
    return work


def publish(work: Path, db: Path) -> None:
    """Make the closed ``work`` file the published ``db``, in one rename.

    Every connection to ``work`` must be closed first (closing checkpoints
    it, so no write-ahead log is left behind).
    """
    _fsync(work)
    stale = _wal(db)
    if _wal(work).exists():
        os.replace(_wal(work), stale)
    elif stale.exists():
        stale.unlink()  # a log of the old file must never be replayed onto the new one
    os.replace(work, db)
    _fsync_dir(db.parent)


def discard(db: Path) -> None:
    """Remove the private copy (a run that must leave the published file as it was)."""
    for path in (working_path(db), _wal(working_path(db))):
        path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
