"""``anq opendata`` as a Prefect flow (the work is :mod:`flows.opendata_refresh`)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.opendata_refresh import opendata_run
from flows.tasks import prefect_run_id, settings_from


@flow(name="opendata", validate_parameters=True)
def opendata(options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Download, load, bootstrap, make due, reconcile (``flows.opendata_refresh``).

    ``options`` are the run options of ``flows.config`` (``opendata_url``,
    ``legislatures``, ``types``, ``db``, ...).
    """
    params = dict(locals())
    settings = settings_from("opendata", options)
    return opendata_run(settings, params, prefect_flow_run_id=prefect_run_id())
