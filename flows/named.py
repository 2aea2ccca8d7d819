"""The work of ``anq fetch``: fetch and load named questions now, due or not.

Prefect-free, so the command can run it without Prefect's client
(``flows.prefect_rest``); the ``fetch`` flow runs the same function with its
batches as Prefect tasks.
"""

from __future__ import annotations

from typing import Any

from extractors.http.client import PoliteClient
from extractors.uid import Uid, parse_uid
from flows import progress
from flows.config import Settings
from flows.pipeline import chunks
from flows.runner import FlowRunId, ReportSink, Run, RunBatch, open_run
from warehouse.observation import Target
from warehouse.queries import validators


def fetch_named(
    uids: list[str],
    force: bool,
    settings: Settings,
    parameters: dict[str, Any],
    *,
    batch: RunBatch = Run.batch,
    prefect_flow_run_id: FlowRunId = None,
    report_to: ReportSink | None = None,
    client: PoliteClient | None = None,
) -> dict[str, Any]:
    """Fetch the named questions (a 304 still counts: nothing changed); the run's summary.

    ``client``: a client for the site already made by the caller (see ``open_run``).

    ``force`` drops the conditional-request validators, so the pages are
    downloaded, archived and parsed again even when the server says 304.
    """
    parsed = sorted(dict.fromkeys(parse_uid(uid) for uid in uids))
    with open_run(
        "fetch",
        settings,
        parameters,
        prefect_flow_run_id=prefect_flow_run_id,
        report_to=report_to,
        client=client,
    ) as run:
        known: dict[Uid, tuple[str | None, str | None]] = {}
        if not force:
            with run.reading() as con:
                known = validators(con, parsed)
        targets = [Target(uid, *known.get(uid, (None, None))) for uid in parsed]
        progress.add_total(len(targets))
        for part in chunks(targets, settings.batch_size):
            batch(run, part)
    return run.summary()  # after open_run's last load: the numbers the runs row holds
