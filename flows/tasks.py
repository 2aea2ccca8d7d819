"""The Prefect tasks: one per batch of pages, never one per page.

Tasks take the run (which holds an httpx client) as an argument, so result
caching is off (``NO_CACHE``): hashing a client is meaningless and Prefect
logs an error trying.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from flows.config import Settings
from flows.config_resolve import resolve
from flows.pipeline import BatchResult
from flows.runner import Run
from warehouse.observation import Target


@task(name="batch", cache_policy=NO_CACHE, task_run_name="batch-{first}")
def process_batch(run: Run, targets: list[Target], first: str = "") -> BatchResult:
    """Fetch, archive and extract one batch; its load (one transaction) follows
    in the background while the next batch is fetched, and logs its counts."""
    return run.batch(targets)


def run_batch(run: Run, targets: list[Target]) -> BatchResult:
    """Run one batch as a Prefect task.

    The targets go in ``quote``d: Prefect otherwise walks every parameter
    looking for futures to wait on, which for 200 nested dataclasses cost
    ~0.8 ms of main-thread time per page (measured), more than parsing it.
    """
    quoted: Any = quote(targets)  # unwrapped by Prefect before the task runs
    result: BatchResult = process_batch(run, quoted, first=str(targets[0].uid))
    return result


def settings_from(command: str, options: Mapping[str, Any] | None, **fixed: Any) -> Settings:
    """Resolve flow ``command``'s ``options`` (see ``flows.config``; a missing key =
    environment or default); ``fixed`` are the flow's own parameters that are also options."""
    return resolve({**(options or {}), **fixed}, origin="option", command=command)


def prefect_run_id() -> str | None:
    """The current Prefect flow run's id, recorded in ``runs``."""
    value = flow_run.get_id()
    return str(value) if value else None
