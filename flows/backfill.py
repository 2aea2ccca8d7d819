"""``anq backfill`` as a Prefect flow (the work is :func:`flows.ranges.backfill_range`)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.ranges import backfill_range
from flows.tasks import prefect_run_id, run_batch, settings_from


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
    return backfill_range(
        legislature, from_number, to_number, latest, settings, params,
        batch=run_batch, prefect_flow_run_id=prefect_run_id(),
    )  # fmt: skip
