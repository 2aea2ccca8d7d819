"""The work of ``anq backfill``: a whole range of numbers, resumable.

Prefect-free, so the command can run it without Prefect's client
(``flows.prefect_rest``); the ``backfill`` flow runs the same function with
its batches as Prefect tasks.
"""

from __future__ import annotations

import logging
from typing import Any

from extractors.http.client import PoliteClient
from extractors.uid import make_uid
from flows import progress
from flows.config import Settings
from flows.discovery import find_last, probe_upward
from flows.pipeline import chunks
from flows.runner import FlowRunId, ReportSink, Run, RunBatch, open_run
from warehouse.observation import Target
from warehouse.queries import settled_numbers

log = logging.getLogger("anq.backfill")


def backfill_range(
    legislature: int,
    from_number: int | None,
    to_number: int | None,
    latest: int | None,
    settings: Settings,
    parameters: dict[str, Any],
    *,
    batch: RunBatch = Run.batch,
    prefect_flow_run_id: FlowRunId = None,
    report_to: ReportSink | None = None,
    client: PoliteClient | None = None,
) -> dict[str, Any]:
    """Fetch numbers ``from_number``..``to_number`` of one legislature; the run's summary.

    Without ``to_number`` it goes up until a run of misses. ``latest`` N
    first finds the highest number and takes the N below it. Numbers already
    settled (loaded, or known absent) are skipped, so a killed backfill
    resumes where it stopped.
    """
    with open_run(
        "backfill", settings, parameters,
        prefect_flow_run_id=prefect_flow_run_id, report_to=report_to, client=client,
    ) as run:  # fmt: skip
        for type_ in settings.types:
            low = max(1, from_number or 1)
            if latest:
                last = find_last(lambda targets: batch(run, targets), legislature, type_)
                low = max(low, last - latest + 1)
                log.info("L%d %s: last number near %d", legislature, type_, last)
            found = _fetch_range(run, batch, legislature, type_, low, to_number)
            log.info("L%d %s: %d numbers done from %d", legislature, type_, found, low)
    return run.summary()  # after open_run's last load: the numbers the runs row holds


def _fetch_range(
    run: Run, batch: RunBatch, legislature: int, type_: str, low: int, high: int | None
) -> int:
    """Fetch the unsettled numbers ``low``..``high`` (no ``high``: up to a run of misses)."""
    settings = run.settings
    with run.reading() as con:
        settled = settled_numbers(con, legislature, type_, low, high)
    if high is None:
        return probe_upward(
            lambda targets: batch(run, targets),
            legislature,
            type_,
            low,
            miss_run=settings.miss_run,
            batch_size=settings.batch_size,
            settled=settled,
        )
    todo = [
        Target(make_uid(legislature, type_, n)) for n in range(low, high + 1) if n not in settled
    ]
    progress.add_total(len(todo))
    for part in chunks(todo, settings.batch_size):
        batch(run, part)
    return len(todo)
