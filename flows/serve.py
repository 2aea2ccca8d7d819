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

#: Same schedule and parameters as ``prefect.yaml``, kept side by side on purpose.
NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Europe/Paris"
NIGHTLY_PARAMETERS: dict[str, Any] = {
    "legislatures": [17],
    "types": ["QE", "QG", "QOSD"],
    "rate": 1.0,
}


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
            parameters=NIGHTLY_PARAMETERS,
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
