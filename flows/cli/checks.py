"""Paths the command was given, checked before anything is written.

A ``--db`` or ``--archive`` (or ``ANQ_DB``/``ANQ_ARCHIVE``) that cannot be
used fails here with one line naming where it came from, before the run
lock, the Prefect API or the warehouse are touched: a bad path leaves no
trace behind.
"""

from __future__ import annotations

import os
from pathlib import Path

from flows.config import DEFAULT_DB, ConfigError, Option

#: DuckDB's magic bytes, at this offset of every database file.
_MAGIC, _MAGIC_AT = b"DUCK", 8
#: DuckDB's message when another process holds the file: busy, not broken.
_BUSY = "Could not set lock"


def origin(option: Option, given: object) -> str:
    """Where a value came from (its flag, its variable or the default), for the error line."""
    if given:
        return str(option.flag)
    return option.env if option.env and os.environ.get(option.env) else "default"


def check_db(db: Path, where: str, *, writing: bool) -> None:
    """Refuse a warehouse path that cannot be used; create nothing.

    A missing file is fine when it can be created (``writing``): its
    directory must exist, except the default ``data/`` which anq makes.
    """
    if db.is_dir():
        raise ConfigError(f"{where}: {db} is a directory, not a DuckDB file")
    if db.exists():
        _check_existing(db, where, writing=writing)
    elif writing:
        _check_creatable(db, where, make_parent=db == Path(DEFAULT_DB))


def check_archive(archive: Path, where: str) -> None:
    """Refuse a raw archive path that is not a directory anq can write in."""
    if archive.exists() and not archive.is_dir():
        raise ConfigError(f"{where}: {archive} is not a directory")
    if archive.is_dir():
        if not os.access(archive, os.W_OK | os.X_OK):
            raise ConfigError(f"{where}: {archive} is read-only")
        return
    _check_creatable(archive, where, make_parent=False)


def _check_existing(db: Path, where: str, *, writing: bool) -> None:
    if not os.access(db, os.R_OK):
        raise ConfigError(f"{where}: {db} cannot be read (permissions)")
    with db.open("rb") as file:
        head = file.read(_MAGIC_AT + len(_MAGIC))
    if head and head[_MAGIC_AT:] != _MAGIC:
        raise ConfigError(f"{where}: {db} is not a DuckDB file")
    if head:
        _check_opens(db, where)
    # The lock file and DuckDB's write-ahead log go beside it: the directory too.
    if writing and not (os.access(db, os.W_OK) and os.access(db.parent, os.W_OK)):
        raise ConfigError(f"{where}: {db} is read-only")


def _check_opens(db: Path, where: str) -> None:
    """Open it read-only once: a file from a newer DuckDB fails here, not mid-run."""
    import duckdb

    try:
        duckdb.connect(str(db), read_only=True).close()
    except duckdb.Error as err:
        if _BUSY in str(err):
            return  # held by a run or a session: the run lock or the backoff decide
        lines = [line.strip() for line in str(err).splitlines() if line.strip()]
        raise ConfigError(f"{where}: {db} cannot be opened: {' '.join(lines[:2])}") from None


def _check_creatable(path: Path, where: str, *, make_parent: bool) -> None:
    parent = path.parent
    if not parent.exists():
        if make_parent:
            return
        raise ConfigError(f"{where}: the directory {parent.absolute()} does not exist")
    if not parent.is_dir():
        raise ConfigError(f"{where}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"{where}: cannot create {path} ({parent} is read-only)")
