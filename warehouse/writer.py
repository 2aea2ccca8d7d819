"""The connection a run's loads and reads share, open from its first batch to its end."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import duckdb

from warehouse.db import connect

#: How large the write-ahead log of a run's file grows before DuckDB checkpoints
#: it into the file. Each checkpoint writes every index whole, so checkpoints
#: close together make a run's bytes written grow with the warehouse.
RUN_WAL = "256MB"


class Writer:
    """One connection to a run's file, opened when first needed and kept until the end.

    A run writes its private copy of the warehouse (:mod:`warehouse.publish`),
    which no other process opens, so nothing is gained by letting the file go
    between batches, and each close would checkpoint. The connection is shared
    by the loading thread and the run's own reads, one at a time.
    """

    def __init__(self, path: Path, *, wait: float = 600.0) -> None:
        self.path = Path(path)
        self.wait = wait
        self._con: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.RLock()

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The open connection (opened, waiting for the file, if need be)."""
        with self._lock:
            if self._con is None:
                self._con = connect(self.path, wait=self.wait)  # RUN_MEMORY: batches are small
                self._con.execute(f"SET wal_autocheckpoint = '{RUN_WAL}'")
            yield self._con

    @property
    def is_open(self) -> bool:
        return self._con is not None

    def close(self) -> None:
        """Close the connection now, checkpointing its log (idempotent)."""
        with self._lock:
            con, self._con = self._con, None
            if con is not None:
                con.close()

    def __enter__(self) -> Writer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
