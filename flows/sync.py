"""``anq sync`` as a Prefect flow (the work is :func:`flows.nightly.sync_all`)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.nightly import sync_all
from flows.tasks import prefect_run_id, run_batch, settings_from


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
    return sync_all(
        all_open, opendata, settings, params, batch=run_batch, prefect_flow_run_id=prefect_run_id()
    )
