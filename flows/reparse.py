"""``anq reparse``: rebuild questions and their history from the raw archive; no network.

The archive is replayed through the load path into a fresh file that then
replaces the warehouse (:mod:`warehouse.replay`). A page the archive cannot
give back keeps its question's rows as they were; the run then ends
``failed``, naming each damaged record.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import progress
from flows.runner import Run, RunFailed, open_run
from flows.tasks import prefect_run_id, settings_from
from warehouse.archive import RawArchive
from warehouse.replay import ReplayResult, reparse_file
from warehouse.replay_pool import read_question

log = logging.getLogger("anq.reparse")


#: Extraction processes at most: past about this many, this process's reading and
#: loading is what limits a replay (bench/bench_reparse.py), and each worker holds
#: its own interpreter and extractor.
MAX_WORKERS = 4


def extraction_workers() -> int:
    """One extraction process per CPU, up to :data:`MAX_WORKERS`; none on a single CPU."""
    cpus = os.cpu_count() or 1
    return min(cpus, MAX_WORKERS) if cpus > 1 else 0


@task(name="replay-archive", cache_policy=NO_CACHE)
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
    )


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
    store = RawArchive(settings.archive)
    with open_run(
        "reparse", settings, params, network=False, prefect_flow_run_id=prefect_run_id()
    ) as run:
        result = replay_archive(run, store, legislature, settings.batch_size)
        run.totals.counts.update(result.counts())
        get_run_logger().info("reparse done: %s", run.totals.counts)
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
        return run.summary()
