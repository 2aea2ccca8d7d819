"""The light alternative to a work pool: ``uv run python -m flows.serve``.

One long-lived process registers the same deployments as ``prefect.yaml``
(``sync/nightly`` at 02:00 Europe/Paris, ``backfill/manual``,
``fetch/manual``) and runs them itself, each in a subprocess, so there is no
work pool, no worker and no pull step: the code is whatever this clone holds.
It needs a Prefect server (``PREFECT_API_URL``) to store the schedule; stop
it with Ctrl-C (the schedules are paused until it serves again).
"""

from __future__ import annotations

import os
from typing import Any

from flows.config_resolve import as_options, resolve

#: Same schedule as ``prefect.yaml`` (YAML cannot import: a test holds the two together).
NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Europe/Paris"
#: The run options the nightly deployment pins, at their defaults in the options
#: table; the others come from the ``ANQ_*`` environment of whoever runs it.
NIGHTLY_OPTIONS = ("legislatures", "types", "rate")


def nightly_parameters() -> dict[str, Any]:
    """The nightly run's parameters: the open-data step, ``options`` from the table's defaults."""
    defaults = as_options(resolve(env={}))
    return {"opendata": True, "options": {name: defaults[name] for name in NIGHTLY_OPTIONS}}


def deployments() -> list[Any]:
    """The four runner deployments, built without contacting any API."""
    from prefect.schedules import Cron

    from flows.backfill import backfill
    from flows.fetch import fetch
    from flows.reparse import reparse
    from flows.sync import sync

    return [
        sync.to_deployment(
            name="nightly",
            schedules=[Cron(NIGHTLY_CRON, timezone=TIMEZONE)],
            parameters=nightly_parameters(),
            concurrency_limit=1,
            tags=["anq"],
        ),
        backfill.to_deployment(name="manual", concurrency_limit=1, tags=["anq"]),
        fetch.to_deployment(name="manual", tags=["anq"]),
        reparse.to_deployment(name="manual", concurrency_limit=1, tags=["anq"]),
    ]


def main() -> None:
    """Serve until interrupted; one run at a time, since one process writes DuckDB."""
    # Before Prefect is imported: its logging setup reads this once, and the
    # runs' subprocesses inherit it, so the library's uid-first lines reach the UI.
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "anq")
    from prefect import serve

    serve(*deployments(), limit=1)


if __name__ == "__main__":
    main()
