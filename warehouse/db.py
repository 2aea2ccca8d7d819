"""Opening the warehouse: connect with patience and migrate forward.

While *any* process holds the DuckDB file (a user's SQL session included), no
other process can write it. A run therefore never writes the file users open:
it writes a private copy and publishes it whole (:mod:`warehouse.publish`), and
holds the run lock meanwhile (:mod:`warehouse.runlock`). Whoever still finds a
file busy waits with exponential backoff instead of failing
(:func:`retry_while_busy`).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TypeVar

import duckdb

log = logging.getLogger(__name__)
T = TypeVar("T")

_MIGRATION_NAME = re.compile(r"(?P<version>[0-9]{4})_(?P<name>[a-z0-9_]+)\.sql")
_LOCK_MESSAGE = "Could not set lock"
_FIRST_DELAY = 0.05
_MAX_DELAY = 2.0


class DatabaseLocked(RuntimeError):
    """The DuckDB file stayed held by another process for longer than allowed."""


def utcnow() -> datetime:
    """Naive UTC, the only kind of timestamp the warehouse stores."""
    return datetime.now(UTC).replace(tzinfo=None)


#: DuckDB buffer pool of a connection unless its user sets another. DuckDB's
#: default, 80% of the machine, lets every scan grow the process with the
#: warehouse (an export of 400,000 questions: gigabytes). A scan costs about its
#: limit, so a run's connections, sharing the process with Prefect's runtime and
#: the writer's pool, get less than a read-only command that has it to itself.
READER_MEMORY, RUN_MEMORY = "160MB", "64MB"


def connect(
    path: Path,
    *,
    read_only: bool = False,
    wait: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting up to ``wait`` seconds for another process to let go.

    A user's SQL session holding the file must delay a run, not fail it; after
    ``wait`` seconds :class:`DatabaseLocked` says who to close. Pending
    migrations are applied on a writable connection. Its memory is capped
    (:data:`READER_MEMORY`, :data:`RUN_MEMORY`).
    """
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = retry_while_busy(
        lambda: duckdb.connect(str(path), read_only=read_only, config=_CONFIG),
        busy=_duckdb_lock,
        holder=f"{path} is held by another process (a SQL session?)",
        wait=wait,
        sleep=sleep,
    )
    try:
        con.execute(f"SET memory_limit = '{READER_MEMORY if read_only else RUN_MEMORY}'")
        if not read_only:
            migrate(con)
        use_pipeline_schema(con)
    except BaseException:
        con.close()
        raise
    return con


#: Where the pipeline's bookkeeping tables live, out of the analysts' way.
PIPELINE = "pipeline"


def use_pipeline_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Name the bookkeeping tables plainly on this connection, as ``main``'s are.

    A file not yet migrated (opened read-only) has no such schema: nothing to add.
    """
    found = con.execute(
        "SELECT count(*) FROM duckdb_schemas() "
        "WHERE database_name = current_database() AND schema_name = ?",
        [PIPELINE],
    ).fetchone()
    if found is not None and found[0]:
        con.execute(f"SET search_path = 'main,{PIPELINE}'")


#: Files are created in the storage format of DuckDB 1.4, so the DuckDB 1.4/1.5
#: CLIs users are likely to have can open them; it binds only at creation and is
#: harmless on files that already exist (README, "DuckDB 1.x").
_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "storage_compatibility_version": "v1.4.0"
}


def retry_while_busy(
    attempt: Callable[[], T],
    *,
    busy: Callable[[Exception], bool],
    holder: str,
    wait: float,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``attempt()``, again while it fails ``busy``, backing off from 0.05 to 2 s.

    After ``wait`` seconds :class:`DatabaseLocked` names ``holder`` (who to close).
    """
    deadline = time.monotonic() + wait
    delay = _FIRST_DELAY
    while True:
        try:
            return attempt()
        except Exception as exc:
            if not busy(exc):
                raise
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DatabaseLocked(
                    f"{holder} and was not released within {wait:g} s: {exc}"
                ) from exc
            log.info("%s; retrying in %.2f s", holder, delay)
            sleep(min(delay, remaining))
            delay = min(delay * 2, _MAX_DELAY)


def _duckdb_lock(exc: Exception) -> bool:
    return isinstance(exc, duckdb.IOException) and _LOCK_MESSAGE in str(exc)


@contextmanager
def session(
    path: Path, *, read_only: bool = False, wait: float = 600.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection: hold the file only as long as the block runs."""
    con = connect(path, read_only=read_only, wait=wait)
    try:
        yield con
    finally:
        con.close()


#: DuckDB buffer pool of the statements that copy whole tables and build their
#: indexes at once (compact, reparse's fresh file). A run's batch loads get
#: RUN_MEMORY, as its other connections do.
WRITER_MEMORY = "128MB"


def available_migrations() -> list[tuple[int, str, str]]:
    """``(version, name, sql)`` of every ``migrations/NNNN_name.sql``, in order."""
    found: list[tuple[int, str, str]] = []
    for entry in resources.files("warehouse").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.fullmatch(entry.name)
        if match is not None:
            found.append((int(match["version"]), match["name"], entry.read_text("utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations, each in its own transaction; return the versions applied.

    Forward-only: a migration is recorded in ``pipeline.schema_migrations`` in the
    same transaction that applies it, so a crash leaves it either fully applied or not at all.
    The connection then names the bookkeeping tables plainly (:func:`use_pipeline_schema`).
    """
    ledger = _migration_ledger(con)
    use_pipeline_schema(con)  # later migrations name the bookkeeping tables plainly too
    done = {row[0] for row in con.execute(f"SELECT version FROM {ledger}").fetchall()}
    applied: list[int] = []
    for version, name, sql in available_migrations():
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                f"INSERT INTO {ledger} (version, name, applied_at) VALUES (?, ?, ?)",
                [version, name, utcnow()],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        log.info("applied migration %04d_%s", version, name)
        applied.append(version)
    use_pipeline_schema(con)
    return applied


def _migration_ledger(con: duckdb.DuckDBPyConnection) -> str:
    """The ledger of applied migrations (moved into ``pipeline`` from an older file's main)."""
    ledger = f"{PIPELINE}.schema_migrations"
    con.execute("BEGIN TRANSACTION")
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {PIPELINE}")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {ledger} ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    old = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = 'schema_migrations'"
    ).fetchone()
    if old is not None and old[0]:
        con.execute(f"INSERT INTO {ledger} SELECT * FROM main.schema_migrations")
        con.execute("DROP TABLE main.schema_migrations")
    con.execute("COMMIT")
    return ledger
