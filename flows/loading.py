"""Loading batches in the background: batch N is loaded while batch N+1 is fetched.

A batch's load (one DuckDB transaction) needs nothing from the next batch's
fetching, and fetching needs nothing from the warehouse, so the two overlap:
:meth:`Loader.submit` hands a fetched batch to one loader thread and returns
at once. At most one batch is loading at a time and at most one more is being
fetched, so memory stays that of two batches; loads keep their order, and
each is still one transaction.

What the overlap costs: a load's outcome is known one batch later. Whoever
reads the warehouse during a run must first :meth:`Loader.wait` for the load
in flight (``Run.flush`` does it; the flows call it before every query, and
the run calls it before it finishes). A load that fails raises at the next
:meth:`submit` or :meth:`wait`, so it fails the run as before, one batch later.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import copy_context

from warehouse.load import load_batch
from warehouse.load_plan import BatchCounts
from warehouse.observation import Observation
from warehouse.writer import Writer

log = logging.getLogger("anq.pipeline")


class Loader:
    """One background thread loading one batch at a time into the run ``run_id``."""

    def __init__(self, writer: Writer, run_id: str) -> None:
        self.writer = writer
        self.run_id = run_id
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="anq-load")
        self._pending: Future[BatchCounts] | None = None

    def submit(self, observations: Sequence[Observation], requests: int) -> BatchCounts | None:
        """Start loading a batch; returns the counts of the batch loaded before it, if any."""
        done = self.wait()
        # The load runs in a copy of this thread's context, so its log line
        # reaches Prefect under the task run that fetched the batch.
        self._pending = self._pool.submit(copy_context().run, self._load, observations, requests)
        return done

    def wait(self) -> BatchCounts | None:
        """Wait for the load in flight; its counts (None when none); raises its error."""
        pending, self._pending = self._pending, None
        return None if pending is None else pending.result()

    def close(self) -> None:
        """Wait for the load in flight whatever happens (used when a run is failing)."""
        try:
            self.wait()
        except Exception:
            log.exception("the last batch could not be loaded")
        finally:
            self._pool.shutdown(wait=True)

    def _load(self, observations: Sequence[Observation], requests: int) -> BatchCounts:
        with self.writer.connection() as con:
            counts = load_batch(con, self.run_id, observations, requests=requests)
        log.info(
            "batch from %s loaded: %d new, %d changed, %d unchanged, %d not found, %d failed",
            observations[0].uid if observations else "-",
            counts.new,
            counts.changed,
            counts.unchanged,
            counts.not_found,
            counts.failures,
        )
        return counts
