"""Rewriting the warehouse into a fresh file and swapping it in: ``anq compact``, ``anq reparse``.

DuckDB does not give space back: rows deleted or rewritten leave free blocks
that a later write may or may not reuse, so a file whose tables are rewritten
again and again keeps growing. A copy into a new file holds only live rows.

:class:`FreshFile` builds ``<db>.rewrite`` beside the warehouse, in the same
storage version (:func:`warehouse.db.connect`'s setting), with the old file
attached read-only as ``previous``. ``COPY FROM DATABASE ... (SCHEMA)`` copies
every table, view, macro and sequence (sequences at their current value),
``schema_migrations`` included, so migrations see the new file exactly as
the old one; then the rows of every table except the ones the caller
rebuilds itself. :meth:`FreshFile.commit` checkpoints and closes the new
file, checks it against the old one (the same catalog; the same row count
in every table copied), and renames it over the old file with
``os.replace``, under the run lock. Until that rename the old file is not
touched: a crash, a failed check or an exception leaves it whole, and the
next rewrite removes the stale ``<db>.rewrite``. ``db`` is a run's working
copy (``warehouse.publish``): the swap happens there, and readers of the
published file see the result when the run publishes it.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import duckdb

from warehouse.db import _CONFIG, WRITER_MEMORY, connect, use_pipeline_schema
from warehouse.publish import fsync_dir, fsync_file, published_path, wal_path
from warehouse.runlock import RunLock, RunLocked
from warehouse.staging import q

#: The name the old file is attached under while the new one is built.
SOURCE = "previous"


class RewriteFailed(RuntimeError):
    """The new file did not check out against the old one; the old file is kept."""


@dataclass(frozen=True)
class Sizes:
    """The warehouse file before and after a rewrite, in bytes (``.wal`` included)."""

    before: int
    after: int


def file_size(db: Path) -> int:
    """The file and its write-ahead log, if any."""
    wal = wal_path(db)
    return db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


class FreshFile:
    """A new warehouse file built from ``db``; ``con`` writes it, ``previous`` is the old one."""

    def __init__(
        self, db: Path, *, rebuilt: Collection[str] = (), memory: str = WRITER_MEMORY
    ) -> None:
        self.db = Path(db)
        self.memory = memory
        self.path = self.db.with_name(self.db.name + ".rewrite")
        self.rebuilt = frozenset(rebuilt)
        self.con: duckdb.DuckDBPyConnection | None = None
        self._stamp: tuple[int, int] = (0, 0)

    def __enter__(self) -> FreshFile:
        _require_lock(self.db)
        connect(self.db).close()  # migrated, and its WAL checkpointed into the file
        _remove(self.path)
        self._stamp = _stamp(self.db)
        con = self.con = duckdb.connect(str(self.path), config=_CONFIG)
        con.execute(f"SET memory_limit = '{self.memory}'")
        name = str(_scalar(con, "SELECT current_database()"))
        if name == SOURCE:
            raise RewriteFailed(f"{self.path} would be attached under the name {SOURCE!r}")
        con.execute(f"ATTACH {sql_path(self.db)} AS {SOURCE} (READ_ONLY)")
        con.execute(f"COPY FROM DATABASE {SOURCE} TO {q(name)} (SCHEMA)")
        use_pipeline_schema(con)
        for schema, table in tables(con, SOURCE):
            if table not in self.rebuilt:
                con.execute(
                    f"INSERT INTO {q(schema)}.{q(table)} BY NAME "
                    f"SELECT * FROM {SOURCE}.{q(schema)}.{q(table)}"
                )
        return self

    def commit(self) -> Sizes:
        """Close, check and swap in the new file; the old one stays if anything is wrong."""
        con, self.con = self.con, None
        if con is None:
            raise RuntimeError("FreshFile.commit() outside its with block, or twice")
        con.execute("CHECKPOINT")
        con.close()
        self._check()
        before = file_size(self.db)
        _swap(self.path, self.db, self._stamp)
        return Sizes(before, file_size(self.db))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None
        _remove(self.path)

    def _check(self) -> None:
        with duckdb.connect() as con:
            con.execute(f"ATTACH {sql_path(self.db)} AS old (READ_ONLY)")
            con.execute(f"ATTACH {sql_path(self.path)} AS new (READ_ONLY)")
            if _catalog(con, "old") != _catalog(con, "new"):
                missing = _catalog(con, "old") ^ _catalog(con, "new")
                raise RewriteFailed(f"{self.path}: catalog differs from {self.db}: {missing}")
            for schema, table in tables(con, "old"):
                if table in self.rebuilt:
                    continue
                old, new = (
                    _scalar(con, f"SELECT count(*) FROM {db}.{q(schema)}.{q(table)}")
                    for db in ("old", "new")
                )
                if old != new:
                    raise RewriteFailed(f"{self.path}: {table} has {new} rows, {old} in {self.db}")


def compact(db: Path) -> Sizes:
    """Copy the whole warehouse into a fresh file and swap it in (the caller holds the run lock)."""
    with FreshFile(db) as fresh:
        return fresh.commit()


def tables(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str]]:
    """``(schema, table)`` of every base table of ``database``, the pipeline's included."""
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
        "ORDER BY schema_name, table_name",
        [database],
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def _catalog(con: duckdb.DuckDBPyConnection, database: str) -> set[tuple[str, str]]:
    """What the schema copy must carry over: tables, views, sequences, macros."""
    sql = """
    SELECT 'table', schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = $1
    UNION ALL SELECT 'view', view_name FROM duckdb_views() WHERE database_name = $1 AND NOT internal
    UNION ALL SELECT 'sequence', sequence_name FROM duckdb_sequences() WHERE database_name = $1
    UNION ALL SELECT 'macro', function_name FROM duckdb_functions()
        WHERE database_name = $1 AND function_type LIKE '%macro' AND NOT internal
    """
    return {(row[0], row[1]) for row in con.execute(sql, [database]).fetchall()}


def _swap(new: Path, db: Path, stamp: tuple[int, int]) -> None:
    """Rename ``new`` over ``db``, refusing if the old file moved on or the lock is not held."""
    _require_lock(db)
    if wal_path(db).exists() or _stamp(db) != stamp:
        raise RewriteFailed(f"{db} was written while it was being rewritten; it is kept as it was")
    fsync_file(new)
    os.replace(new, db)
    fsync_dir(db.parent)


def _require_lock(db: Path) -> None:
    """The run lock must be held (by the caller): no run may write the file being replaced.

    A run's working copy (``warehouse.publish``) is guarded by its published file's lock.
    """
    probe = RunLock(published_path(db))
    try:
        probe.acquire()  # flock refuses a second descriptor, even in the process holding it
    except RunLocked:
        return
    probe.release()
    raise RewriteFailed(f"refusing to rewrite {db} without holding its run lock")


def _stamp(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns


def _remove(path: Path) -> None:
    for stale in (path, wal_path(path)):
        stale.unlink(missing_ok=True)


def sql_path(path: Path) -> str:
    """``path`` as a SQL string literal (for statements that take no parameter there)."""
    return "'" + str(path).replace("'", "''") + "'"


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.execute(sql).fetchone()
    return None if row is None else row[0]
