"""Fetch worker processes: a batch split across processes, each with its own GIL.

Why: fetching, archiving and extracting a page is ~2.5 ms of CPU, nearly all
of it Python holding the GIL (httpx, the extractor), in the same process as
the loads and Prefect's task machinery. On an unpaced run (``--rate 0``, a
mirror you control) one GIL is the ceiling, at ~280 pages/s on two cores;
split over processes the run is limited by the cores instead (~400).

How: :class:`ProcessFetcher` has :class:`~flows.pipeline.Pipeline`'s
``fetch``. It deals a batch's targets out in turn to ``workers`` processes
(started with ``spawn``: the run's process holds threads that ``fork``
would copy mid-flight), each running the same :class:`Pipeline` with its
own polite client, its own handle on the same archive (packs take appends
from several processes) and the run's clock. Each worker's pacer gets
``rate / workers``, so together they never ask faster than ``--rate``; a
429's Retry-After slows the worker that got it. Observations come back in
the targets' order; workers log nothing themselves: their ``anq.*`` log
lines come back with the batch and are logged here, under the task run.

Small batches (a nightly sync's, ``anq fetch``) stay in this process: the
workers start with the first batch of at least :data:`MIN_BATCH` targets.
When the run's process dies, even by ``kill -9``, its workers see their call
queue close and exit after the batch in hand.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import Any

from extractors.http.client import PoliteClient
from flows.config import Settings
from flows.pipeline import Pipeline, Target
from warehouse.archive import RawArchive
from warehouse.observation import Observation

#: Targets below which a batch is fetched in this process: starting a worker
#: costs a Python start-up and imports (~0.5 s of CPU), more than a small
#: batch takes, and a nightly sync's batches are small.
MIN_BATCH = 64

#: Fetch threads in each worker process.
THREADS = 2

LogLine = tuple[str, int, str]


class ProcessFetcher:
    """``fetch`` like :class:`Pipeline`, over ``workers`` processes for big batches."""

    def __init__(self, local: Pipeline, settings: Settings, workers: int) -> None:
        self.local = local
        self.settings = settings
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def fetch(self, targets: Sequence[Target]) -> tuple[list[Observation], int]:
        """Fetch, archive and extract every target; the observations and the requests made."""
        if len(targets) < MIN_BATCH:
            return self.local.fetch(targets)
        pool = self._started()
        k = self.workers
        futures = [pool.submit(_fetch, list(targets[i::k])) for i in range(k)]
        observations: list[Any] = [None] * len(targets)
        requests = 0
        for i, future in enumerate(futures):
            part, asked, lines = future.result()
            observations[i::k] = part  # ValueError if a worker lost a page
            requests += asked
            _relay(lines)
        return observations, requests

    def close(self) -> None:
        """Stop the workers (idempotent); the local pipeline's client is the run's to close."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self.share(self.settings, self.workers), THREADS),
            )
        return self._pool

    @staticmethod
    def share(settings: Settings, workers: int) -> Settings:
        """One worker's settings: its share of ``--rate`` (unpaced stays unpaced)."""
        rate = settings.rate
        return replace(settings, rate=None if rate is None else rate / workers)


def _relay(lines: list[LogLine]) -> None:
    for name, level, message in lines:
        logging.getLogger(name).log(level, "%s", message)


# --- in the worker process -------------------------------------------------

_pipeline: Pipeline | None = None
_lines: list[LogLine] = []


class _Collect(logging.Handler):
    """Keeps a worker's ``anq.*`` log lines for the batch's answer."""

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        _lines.append((record.name, record.levelno, text))


def _start_worker(settings: Settings, threads: int) -> None:
    global _pipeline
    # Ctrl-C reaches the whole process group: the run's process handles it and
    # stops the workers, which would otherwise each print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logger = logging.getLogger("anq")
    logger.addHandler(_Collect())
    logger.setLevel(logging.INFO)
    logger.propagate = False
    client = PoliteClient(settings.base_url, rate=settings.rate)
    archive = RawArchive(settings.archive)
    _pipeline = Pipeline(client, archive, settings.clock_now, workers=threads)


def _fetch(targets: list[Target]) -> tuple[list[Observation], int, list[LogLine]]:
    if _pipeline is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("fetch worker started without its pipeline")
    _lines.clear()
    observations, requests = _pipeline.fetch(targets)
    return observations, requests, list(_lines)
