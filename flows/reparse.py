"""``anq reparse`` as a Prefect flow (the work is :func:`flows.rebuild.rebuild`).

The archive is replayed through the load path into a fresh file that then
replaces the warehouse (:mod:`warehouse.replay`).
"""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows import rebuild as work
from flows.tasks import prefect_run_id, settings_from

replay_archive = task(name="replay-archive", cache_policy=NO_CACHE)(work.replay_archive)


@flow(name="reparse", validate_parameters=True)
def reparse(
    legislature: int | None = None, options: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Re-extract every archived page with the current extractor and rebuild the tables.

    With an unchanged extractor the tables come out identical; after an
    extractor fix, every version is rebuilt from the pages as they were.
    """
    params = dict(locals())
    settings = settings_from("reparse", options)
    return work.rebuild(
        legislature, settings, params, replay=replay_archive, prefect_flow_run_id=prefect_run_id()
    )
