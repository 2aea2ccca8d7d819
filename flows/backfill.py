"""``anq backfill``: a whole range of numbers, resumable."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from extractors.uid import make_uid
from flows import progress
from flows.config import Settings
from flows.discovery import find_last, probe_upward
from flows.pipeline import chunks
from flows.runner import Run, open_run
from flows.tasks import batcher, prefect_run_id, run_batch, settings_from
from warehouse.observation import Target
from warehouse.queries import settled_numbers


@flow(name="backfill", validate_parameters=True)
def backfill(
    legislature: int,
    from_number: int | None = None,
    to_number: int | None = None,
    latest: int | None = None,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Fetch numbers ``from_number``..``to_number`` of one legislature.

    Without ``to_number`` it goes up until a run of misses. ``latest`` N
    first finds the highest number and takes the N below it. Numbers already
    settled (loaded, or known absent) are skipped, so a killed backfill
    resumes where it stopped. ``options``: the run options of ``flows.config``
    (``types``, ``db``, ``rate``, ...).
    """
    params = dict(locals())
    settings = settings_from("backfill", options, legislatures=[legislature])
    logger = get_run_logger()
    with open_run("backfill", settings, params, prefect_flow_run_id=prefect_run_id()) as run:
        for type_ in settings.types:
            low = max(1, from_number or 1)
            if latest:
                last = find_last(batcher(run), legislature, type_)
                low = max(low, last - latest + 1)
                logger.info("L%d %s: last number near %d", legislature, type_, last)
            found = _fetch_range(run, settings, legislature, type_, low, to_number)
            logger.info("L%d %s: %d numbers done from %d", legislature, type_, found, low)
    return run.summary()  # after open_run's last load: the numbers the runs row holds


def _fetch_range(
    run: Run, settings: Settings, legislature: int, type_: str, low: int, high: int | None
) -> int:
    """Fetch the unsettled numbers ``low``..``high`` (no ``high``: up to a run of misses)."""
    with run.reading() as con:
        settled = settled_numbers(con, legislature, type_, low, high)
    if high is None:
        return probe_upward(
            batcher(run),
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
    for batch in chunks(todo, settings.batch_size):
        run_batch(run, batch)
    return len(todo)
