"""``anq sync``: the nightly job."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from flows import progress
from flows.discovery import probe_upward
from flows.opendata import opendata_step
from flows.pipeline import chunks
from flows.runner import Run, open_run
from flows.tasks import batcher, prefect_run_id, run_batch, settings_from
from warehouse import opendata as od
from warehouse import policy
from warehouse.queries import discovery_start, due_targets


@flow(name="sync", validate_parameters=True)
def sync(
    all_open: bool = False, opendata: bool = False, options: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Discover new questions, refresh the open ones that are due, retry failures.

    ``all_open`` refreshes every open question whatever its schedule.
    ``opendata`` first loads the open-data archives (the nightly deployment
    does), so the pages they show changed are fetched first.
    ``options`` are the run options of ``flows.config`` (``db``, ``rate``,
    ``legislatures``, ...); those left out come from ``ANQ_*`` variables or defaults.
    """
    params = dict(locals())
    settings = settings_from("sync", options)
    logger = get_run_logger()
    with open_run("sync", settings, params, prefect_flow_run_id=prefect_run_id()) as run:
        if opendata:
            opendata_step(run)
        for legislature in settings.legislatures:
            for type_ in settings.types:
                _discover(run, legislature, type_)
        with run.reading() as con:
            due = due_targets(
                con, settings.clock_now(), settings.legislatures, settings.types, all_open=all_open
            )
        logger.info("%d pages due for a refresh or a retry", len(due))
        progress.add_total(len(due))
        for batch in chunks(due, settings.batch_size):
            run_batch(run, batch)
    return run.summary()  # after open_run's last load: the numbers the runs row holds


def _discover(run: Run, legislature: int, type_: str) -> None:
    """Probe past the highest number held or listed by an archive; past a fresh archive's
    end, only its weekly safety probe (``warehouse.policy.discovery_span``)."""
    settings, now = run.settings, run.settings.clock_now()
    with run.reading() as con:
        at = discovery_start(con, legislature, type_, now)
    span = policy.discovery_span(at.covered, at.probed_at, now, settings.miss_run)
    if span == 0:
        get_run_logger().info(
            "L%d %s: a fresh archive lists every number up to %d; no probe tonight",
            legislature, type_, at.start - 1,
        )  # fmt: skip
        return
    found = probe_upward(
        batcher(run), legislature, type_, at.start, miss_run=span, batch_size=settings.batch_size
    )
    if at.covered:
        with run.reading() as con:
            od.mark_probed(con, legislature, type_, now)
    get_run_logger().info(
        "L%d %s: %d new questions from number %d (%s)", legislature, type_, found, at.start,
        "safety probe past the archive's end" if at.covered else "no fresh archive covers it",
    )  # fmt: skip
