"""The writer connection a run's loads share, opened and let go as batches come."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import duckdb

from warehouse.db import connect


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
