"""``anq sync``: the nightly job."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from flows import progress
from flows.discovery import probe_upward
from flows.opendata import opendata_step
from flows.pipeline import chunks
from flows.runner import open_run
from flows.tasks import batcher, prefect_run_id, run_batch, settings_from
from warehouse.queries import due_targets, known_numbers


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
                with run.reading() as con:
                    start = known_numbers(con, legislature, type_) + 1
                found = probe_upward(
                    batcher(run),
                    legislature,
                    type_,
                    start,
                    miss_run=settings.miss_run,
                    batch_size=settings.batch_size,
                )
                logger.info(
                    "L%d %s: %d new questions from number %d", legislature, type_, found, start
                )
        with run.reading() as con:
            due = due_targets(
                con, settings.clock_now(), settings.legislatures, settings.types, all_open=all_open
            )
        logger.info("%d pages due for a refresh or a retry", len(due))
        progress.add_total(len(due))
        for batch in chunks(due, settings.batch_size):
            run_batch(run, batch)
    return run.summary()  # after open_run's last load: the numbers the runs row holds
