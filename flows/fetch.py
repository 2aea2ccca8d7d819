"""``anq fetch UID ...`` as a Prefect flow (the work is :func:`flows.named.fetch_named`)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.named import fetch_named
from flows.tasks import prefect_run_id, run_batch, settings_from


@flow(name="fetch", validate_parameters=True)
def fetch(
    uids: list[str], force: bool = False, options: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Fetch the named questions now, due or not (a 304 still counts: nothing changed).

    ``force`` drops the conditional-request validators, so the pages are
    downloaded, archived and parsed again even when the server says 304.
    ``options``: the run options of ``flows.config``.
    """
    params = dict(locals())
    settings = settings_from("fetch", options)
    return fetch_named(
        uids, force, settings, params, batch=run_batch, prefect_flow_run_id=prefect_run_id()
    )
