"""The work of ``anq sync``, the nightly job: discover, refresh what is due, retry.

Prefect-free, so the command can run it without Prefect's client
(``flows.prefect_rest``); the ``sync`` flow runs the same function with its
batches as Prefect tasks.
"""

from __future__ import annotations

import logging
from typing import Any

from extractors.http.client import PoliteClient
from flows import progress
from flows.config import Settings
from flows.discovery import probe_upward
from flows.opendata_refresh import opendata_step
from flows.pipeline import chunks
from flows.runner import FlowRunId, ReportSink, Run, RunBatch, open_run
from warehouse import opendata as od
from warehouse import policy
from warehouse.queries import discovery_start, due_targets

log = logging.getLogger("anq.sync")


def sync_all(
    all_open: bool,
    opendata: bool,
    settings: Settings,
    parameters: dict[str, Any],
    *,
    batch: RunBatch = Run.batch,
    prefect_flow_run_id: FlowRunId = None,
    report_to: ReportSink | None = None,
    client: PoliteClient | None = None,
) -> dict[str, Any]:
    """Discover new questions, refresh the open ones that are due, retry failures; the
    run's summary.

    ``all_open`` refreshes every open question whatever its schedule.
    ``opendata`` first loads the open-data archives, so the pages they show
    changed are fetched first.
    """
    with open_run(
        "sync", settings, parameters,
        prefect_flow_run_id=prefect_flow_run_id, report_to=report_to, client=client,
    ) as run:  # fmt: skip
        if opendata:
            opendata_step(run)
        for legislature in settings.legislatures:
            for type_ in settings.types:
                _discover(run, batch, legislature, type_)
        with run.reading() as con:
            due = due_targets(
                con, settings.clock_now(), settings.legislatures, settings.types, all_open=all_open
            )
        log.info("%d pages due for a refresh or a retry", len(due))
        progress.add_total(len(due))
        for part in chunks(due, settings.batch_size):
            batch(run, part)
    return run.summary()  # after open_run's last load: the numbers the runs row holds


def _discover(run: Run, batch: RunBatch, legislature: int, type_: str) -> None:
    """Probe past the highest number held or listed by an archive; past a fresh archive's
    end, only its weekly safety probe (``warehouse.policy.discovery_span``)."""
    settings, now = run.settings, run.settings.clock_now()
    with run.reading() as con:
        at = discovery_start(con, legislature, type_, now)
    span = policy.discovery_span(at.covered, at.probed_at, now, settings.miss_run)
    if span == 0:
        log.info(
            "L%d %s: a fresh archive lists every number up to %d; no probe tonight",
            legislature, type_, at.start - 1,
        )  # fmt: skip
        return
    found = probe_upward(
        lambda targets: batch(run, targets), legislature, type_, at.start,
        miss_run=span, batch_size=settings.batch_size,
    )  # fmt: skip
    if at.covered:
        with run.reading() as con:
            od.mark_probed(con, legislature, type_, now)
    log.info(
        "L%d %s: %d new questions from number %d (%s)", legislature, type_, found, at.start,
        "safety probe past the archive's end" if at.covered else "no fresh archive covers it",
    )  # fmt: skip
