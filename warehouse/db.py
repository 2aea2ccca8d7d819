"""Opening the warehouse: connect with patience, migrate forward, and lock runs.

Two different locks are at play, on purpose:

* DuckDB's own file lock: while *any* process holds the file (a user's SQL
  session included), no other process can write it. A run therefore never
  writes the file users open: it writes a private copy and publishes it whole
  (:mod:`warehouse.publish`). Whoever still finds a file busy waits with
  exponential backoff instead of failing (:func:`connect`).
* :class:`RunLock`: an ``flock`` on ``<db>.lock`` held for a whole run, so that
  two runs never interleave their batches or their copies.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from types import TracebackType

import duckdb

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"(?P<version>[0-9]{4})_(?P<name>[a-z0-9_]+)\.sql")
_LOCK_MESSAGE = "Could not set lock"
_FIRST_DELAY = 0.05
_MAX_DELAY = 2.0


class DatabaseLocked(RuntimeError):
    """The DuckDB file stayed held by another process for longer than allowed."""


class RunLocked(RuntimeError):
    """Another run holds the run lock; ``pid`` is its process id (None if unreadable)."""

    def __init__(self, lock_path: Path, pid: int | None) -> None:
        holder = f"process {pid}" if pid is not None else "another process"
        super().__init__(f"another anq run ({holder}) is using {lock_path.with_suffix('')}")
        self.lock_path = lock_path
        self.pid = pid


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
    con = _open_with_backoff(path, read_only=read_only, wait=wait, sleep=sleep)
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


def _open_with_backoff(
    path: Path, *, read_only: bool, wait: float, sleep: Callable[[float], None]
) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait
    delay = _FIRST_DELAY
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=_CONFIG)
        except duckdb.IOException as exc:
            if _LOCK_MESSAGE not in str(exc):
                raise
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DatabaseLocked(
                    f"{path} is held by another process (a SQL session?) "
                    f"and was not released within {wait:g} s: {exc}"
                ) from exc
            log.info("%s is locked by another process; retrying in %.2f s", path, delay)
            sleep(min(delay, remaining))
            delay = min(delay * 2, _MAX_DELAY)


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


class Writer:
    """One writer connection reused across batches that follow closely, let go when idle.

    Opening the file and closing it (which checkpoints the WAL) costs about as
    much as loading a batch of 200, so a run that loads batch after batch with
    no pause (no pacing, local tests, benchmarks) keeps the connection open;
    as soon as ``linger`` seconds pass without a batch, a timer closes it, so
    a polite run (one batch every minute or so) holds the file only for its
    short load transactions and a user's SQL session gets in between them.
    ``linger=0`` closes after every batch, exactly like :func:`session`. A
    connection open for more than ``max_hold`` seconds is closed after its
    batch even when the next one follows at once, so that during a fast run
    (no pacing) a user's SQL session still finds the file free every few seconds.
    (A run's file is now its private copy, which no user opens: these gaps
    matter only to a caller writing a file users open.)
    """

    def __init__(
        self, path: Path, *, linger: float = 1.0, wait: float = 600.0, max_hold: float = 5.0
    ) -> None:
        self.path = Path(path)
        self.linger = linger
        self.wait = wait
        self.max_hold = max_hold
        self._opened_at = 0.0
        self._con: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.RLock()
        self._timer: threading.Timer | None = None

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The open connection (opened, waiting for the file, if need be)."""
        with self._lock:
            self._cancel_timer()
            if self._con is None:
                self._con = connect(self.path, wait=self.wait)  # RUN_MEMORY: batches are small
                self._opened_at = time.monotonic()
            try:
                yield self._con
            finally:
                held = time.monotonic() - self._opened_at
                if self.linger <= 0 or held > self.max_hold:
                    self.close()
                else:
                    self._timer = threading.Timer(self.linger, self.close)
                    self._timer.daemon = True
                    self._timer.start()

    @property
    def is_open(self) -> bool:
        return self._con is not None

    def close(self) -> None:
        """Close the connection now (idempotent; called by the idle timer too)."""
        with self._lock:
            self._cancel_timer()
            con, self._con = self._con, None
            if con is not None:
                con.close()

    def _cancel_timer(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None and timer is not threading.current_thread():
            timer.cancel()

    def __enter__(self) -> Writer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


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
