"""The life of one run: lock, ``runs`` row, the shared pipeline, the outcome.

Every fetching or loading flow opens a :class:`Run` with :func:`open_run`, so
that locking, crash marking, stopping on a signal (:mod:`flows.stopping`),
counting, the run report and drift alarms are written once. The
Prefect-facing parts (logger, artifact) are isolated in
``flows.report.run_report``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import duckdb

from extractors.http.client import PoliteClient
from flows import progress
from flows.config import Settings
from flows.loading import Loader
from flows.notify import notify_failure
from flows.pipeline import BatchResult, Pipeline, summarise
from flows.stopping import RunStopped, Stopper
from flows.totals import Totals
from warehouse.archive import RawArchive
from warehouse.db import session
from warehouse.observation import Target
from warehouse.publish import WorkingCopy
from warehouse.runlock import hold_run_lock
from warehouse.runs import finish_run, start_run
from warehouse.writer import Writer

#: Publishes a finished run's report: (flow, run id, markdown report).
ReportSink = Callable[[str, str, str], None]


class PendingFlowRun(Protocol):
    """A Prefect flow run still being made while the run works
    (``flows.prefect_rest.RecordedRun``)."""

    def settled(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for it to be made, or to fail; whether either happened."""

    def run_id(self) -> str | None:
        """Its id; None while it is not made, or if it could not be."""


#: The Prefect flow run a run is recorded under: its id, one still being made, or None.
FlowRunId = str | PendingFlowRun | None
#: Runs one batch of a run (``Run.batch``, or the flows' Prefect task around it).
RunBatch = Callable[["Run", list[Target]], BatchResult]


class RunFailed(RuntimeError):
    """The run went through but must be reported failed (drift alarm)."""


class Run:
    """One flow run's shared state; batches go through :meth:`batch`."""

    def __init__(
        self,
        flow: str,
        settings: Settings,
        run_id: str,
        writer: Writer,
        pipeline: Pipeline | None,
        loader: Loader | None = None,
        on_stop: Callable[[RunStopped], None] | None = None,
        stop_check: Callable[[], None] = lambda: None,
    ):
        self.flow = flow
        self.settings = settings
        self.run_id = run_id
        self.writer = writer
        self.pipeline = pipeline
        self.loader = loader
        self.on_stop = on_stop
        self._stop_check = stop_check
        self.totals = Totals()
        #: Markdown a flow adds to the run report (the open-data step's section).
        self.report_sections: list[str] = []

    def batch(self, targets: list[Target]) -> BatchResult:
        """Fetch, archive and extract one batch, and hand it to the loader.

        The batch is loaded (one transaction) while the next one is fetched:
        call :meth:`flush` before reading the warehouse.
        """
        if self.pipeline is None or self.loader is None:
            raise RuntimeError(f"{self.flow} runs without network")
        try:
            self.pipeline.check()
            observations, requests = self.pipeline.fetch(targets)
        except RunStopped as stop:
            if self.on_stop is not None:  # recorded now, before Prefect handles the failure
                self.on_stop(stop)
            raise
        result = summarise(observations, requests)
        self.totals.add(result, len(targets))
        self.totals.add_counts(self.loader.submit(observations, requests))
        progress.advance(len(targets))
        return result

    def check(self) -> None:
        """Raise :class:`RunStopped` once a stop signal has come (:meth:`batch` checks itself).

        For work that does not fetch (a replay): the run is recorded as it
        ends, once that work has let go of the warehouse.
        """
        self._stop_check()

    def flush(self) -> None:
        """Wait until every batch handed over is loaded (before reading the warehouse)."""
        if self.loader is not None:
            self.totals.add_counts(self.loader.wait())

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The run's connection to the warehouse, once every batch so far is loaded."""
        self.flush()
        with self.writer.connection() as con:
            yield con

    def summary(self) -> dict[str, Any]:
        """The run's outcome as plain data (the flow's return value)."""
        return {
            "run_id": self.run_id,
            "flow": self.flow,
            **self.totals.counts,
            "requests": self.totals.requests,
            "pages_asked": self.totals.pages_asked,
        }


@contextmanager
def open_run(
    flow: str,
    settings: Settings,
    parameters: dict[str, Any],
    *,
    network: bool = True,
    prefect_flow_run_id: FlowRunId = None,
    report_to: ReportSink | None = None,
    client: PoliteClient | None = None,
) -> Iterator[Run]:
    """Lock the warehouse, record the run, yield it, record how it ended, publish it.

    The run and its flow write a private copy of ``--db`` (``run.settings.db``),
    published whole when the run ends, however it ends (``warehouse.publish``).
    ``report_to`` shows the run report (default: an artifact of the current
    Prefect flow run). ``client``: the caller's client for the site (it
    closes it), so the robots.txt it has read serves the run. A
    :class:`PendingFlowRun` is waited for when the run ends (a stop signal ends
    the wait).
    """
    from flows.report import run_report as reporting

    with (
        hold_run_lock(settings.db),
        WorkingCopy(settings.db) as copy,
        Stopper().installed() as stopper,
    ):
        settings = dataclasses.replace(settings, db=copy.path)
        with session(settings.db) as con:
            known = prefect_flow_run_id if isinstance(prefect_flow_run_id, str) else None
            run_id = start_run(con, flow, parameters, prefect_flow_run_id=known)
        own = network and client is None
        if own:
            client = PoliteClient(settings.base_url, rate=settings.rate, limits=settings.limits)
        writer = Writer(settings.db)
        pipeline, loader = None, None
        if client is not None:
            archive = RawArchive(settings.archive)
            pipeline = Pipeline(client, archive, settings.clock_now, check=stopper.check)
            loader = Loader(writer, run_id)
        end = _ender(settings, flow, run_id, loader, writer, stopper, copy, prefect_flow_run_id)
        run = Run(
            flow, settings, run_id, writer, pipeline, loader, on_stop=end, stop_check=stopper.check
        )
        try:
            yield run
            run.flush()
            with run.reading() as con:
                flow_run = _awaited(prefect_flow_run_id, stopper.check)
                alarms, report = _record_end(con, run, flow_run)
        except BaseException as err:
            end(err)
            raise
        finally:
            _close(loader, writer)
            if own and client is not None:
                client.close()
        if alarms:
            notify_failure(flow, run_id, "failed", "; ".join(alarms), settings.notify_block)
        copy.publish()  # before anyone is told the run ended: the CLI's summary, Prefect
        (report_to or reporting.publish)(flow, run_id, report)
        if alarms:
            raise RunFailed("; ".join(alarms))


def _record_end(
    con: duckdb.DuckDBPyConnection, run: Run, flow_run: str | None
) -> tuple[list[str], str]:
    """Check the run for drift and record how it ended, with its report; (alarms, report)."""
    from flows.report import run_report as reporting

    alarms = reporting.drift_alarms(con, run.run_id, run.totals)
    report = reporting.run_report(con, run.flow, run.run_id, run.totals, alarms)
    report += "".join(run.report_sections)
    state, message = ("failed", "; ".join(alarms)) if alarms else ("completed", None)
    finish_run(con, run.run_id, state, message=message, report=report, flow_run=flow_run)
    return alarms, report


def _ender(
    settings: Settings,
    flow: str,
    run_id: str,
    loader: Loader | None,
    writer: Writer,
    stopper: Stopper,
    copy: WorkingCopy,
    flow_run: FlowRunId,
) -> Callable[[BaseException], None]:
    """Record once how the run failed and publish it; a stopped run then has seconds to exit."""
    ended: list[BaseException] = []

    def end(err: BaseException) -> None:
        if ended:
            return
        ended.append(err)
        _close(loader, writer)
        state = "failed" if isinstance(err, Exception) else "crashed"
        stopped = isinstance(err, RunStopped)
        reason = str(err) if stopped else f"{type(err).__name__}: {err}"
        _finish(settings, flow, run_id, state, reason, _known(flow_run))
        copy.publish()
        if stopped:
            stopper.exit_soon()

    return end


def _close(loader: Loader | None, writer: Writer) -> None:
    """No load left running, then the file let go (idempotent)."""
    if loader is not None:
        loader.close()
    writer.close()


def _finish(
    settings: Settings,
    flow: str,
    run_id: str,
    state: str,
    message: str | None,
    flow_run: str | None,
) -> None:
    """Record how an unfinished run ended, and notify it."""
    with session(settings.db) as con:
        finish_run(con, run_id, state, message=message, flow_run=flow_run)
    notify_failure(flow, run_id, state, message, settings.notify_block)


def _awaited(given: FlowRunId, check: Callable[[], None]) -> str | None:
    """The Prefect flow run's id, once a pending one is made or failed to be."""
    if given is None or isinstance(given, str):
        return given
    while not given.settled(0.2):
        check()
    return given.run_id()


def _known(given: FlowRunId) -> str | None:
    """The Prefect flow run's id if known now (a failed run does not wait)."""
    return given if given is None or isinstance(given, str) else given.run_id()
