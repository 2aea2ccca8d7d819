"""The work of ``anq reparse``: rebuild questions and their history from the raw archive.

Prefect-free, so the command can run it without Prefect's client
(``flows.prefect_rest``); the ``reparse`` flow runs the same function with the
replay as a Prefect task.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from flows import progress
from flows.config import Settings
from flows.runner import FlowRunId, ReportSink, Run, RunFailed, open_run
from warehouse.archive import RawArchive
from warehouse.replay import ReplayResult, reparse_file
from warehouse.replay_pool import read_question

log = logging.getLogger("anq.reparse")

#: Extraction processes at most: past about this many, this process's reading and
#: loading is what limits a replay (bench/bench_reparse.py), and each worker holds
#: its own interpreter and extractor.
MAX_WORKERS = 4

#: Replays the archive for a run: (run, archive, legislature or None, batch size).
Replay = Callable[[Run, RawArchive, int | None, int], ReplayResult]


def extraction_workers() -> int:
    """One extraction process per CPU, up to :data:`MAX_WORKERS`; none on a single CPU."""
    cpus = os.cpu_count() or 1
    return min(cpus, MAX_WORKERS) if cpus > 1 else 0


def replay_archive(
    run: Run, archive: RawArchive, legislature: int | None, size: int
) -> ReplayResult:
    """Replay every archived page into a fresh file and swap it in."""
    return reparse_file(
        run.settings.db,
        archive,
        read_question,
        run_id=run.run_id,
        legislature=legislature,
        batch_size=size,
        workers=extraction_workers(),
        progress=progress.advance,
        check=run.check,
    )


def rebuild(
    legislature: int | None,
    settings: Settings,
    parameters: dict[str, Any],
    *,
    replay: Replay = replay_archive,
    prefect_flow_run_id: FlowRunId = None,
    report_to: ReportSink | None = None,
) -> dict[str, Any]:
    """Re-extract every archived page and rebuild the tables; the run's summary.

    A page the archive cannot give back keeps its question's rows as they
    were, and the run fails naming each damaged record.
    """
    store = RawArchive(settings.archive)
    with open_run(
        "reparse", settings, parameters, network=False,
        prefect_flow_run_id=prefect_flow_run_id, report_to=report_to,
    ) as run:  # fmt: skip
        result = replay(run, store, legislature, settings.batch_size)
        run.totals.counts.update(result.counts())
        log.info("reparse done: %s", run.totals.counts)
        if result.damaged:
            for d in result.damaged:
                where = d.path if d.offset is None else f"{d.path} at offset {d.offset}"
                log.error(
                    "damaged archive record: %s %s in %s: %s", d.uid, d.sha256, where, d.problem
                )
            raise RunFailed(
                f"{len(result.damaged)} damaged archive record(s): their questions keep their "
                "rows as they were (listed in archive_damage; anq stats, anq verify-archive)"
            )
    return run.summary()  # after open_run's last load: the numbers the runs row holds
