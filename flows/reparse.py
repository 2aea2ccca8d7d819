"""``anq reparse``: rebuild questions and their history from the raw archive; no network."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from extractors import ExtractionError, Question, extract
from extractors.uid import Uid
from flows import progress
from flows.runner import Run, open_run
from flows.tasks import prefect_run_id, settings_from
from warehouse.archive import RawArchive
from warehouse.db import session
from warehouse.rebuild import (
    HistoryItem,
    RawObservation,
    last_fetched,
    raw_history_batch,
    replace_history,
)

log = logging.getLogger("anq.reparse")


def reextract(archive: RawArchive, raws: list[RawObservation]) -> tuple[list[HistoryItem], int]:
    """Each uid's observations extracted again; the count of pages that failed."""
    history: dict[Uid, list[tuple[datetime, str, Question | None]]] = defaultdict(list)
    errors = 0
    for raw in raws:
        question: Question | None = None
        try:
            parsed = extract(archive.get(raw.uid, raw.sha256), raw.url)
            question = parsed if isinstance(parsed, Question) else None
        except ExtractionError as err:
            log.warning("%s: extraction failed on %s: %s", raw.uid, err.field, err.reason)
            errors += 1
        except Exception:
            log.exception("%s: cannot re-extract archived page %s", raw.uid, raw.sha256)
            errors += 1
        history[raw.uid].append((raw.fetched_at, raw.url, question))
    return [(uid, items, None) for uid, items in history.items()], errors


@task(name="reparse-batch", cache_policy=NO_CACHE)
def reparse_batch(
    run: Run, archive: RawArchive, after: str, limit: int, legislature: int | None
) -> str | None:
    """Rebuild the next ``limit`` uids after ``after``; the last uid done, None at the end."""
    db = run.settings.db
    with session(db) as con:
        raws = raw_history_batch(con, after=after, limit=limit, legislature=legislature)
        if not raws:
            return None
        known = last_fetched(con, {raw.uid for raw in raws})
    items, errors = reextract(archive, raws)
    items = [(uid, obs, known.get(uid)) for uid, obs, _ in items]
    with session(db) as con:
        counts = replace_history(con, items)
    totals = run.totals.counts
    for key, value in (
        ("reparsed", counts.uids),
        ("versions", counts.versions),
        ("skipped", counts.skipped),
        ("extraction_errors", errors),
    ):
        totals[key] = totals.get(key, 0) + value
    progress.advance(len(items))
    return str(raws[-1].uid)


@flow(name="reparse", validate_parameters=True)
def reparse(
    legislature: int | None = None, options: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Re-extract every archived page with the current extractor and rewrite the tables.

    With an unchanged extractor the tables come out identical; after an
    extractor fix, every version is rebuilt from the pages as they were.
    """
    params = dict(locals())
    settings = settings_from(options)
    store = RawArchive(settings.archive)
    with open_run(
        "reparse", settings, params, network=False, prefect_flow_run_id=prefect_run_id()
    ) as run:
        after: str | None = ""
        while after is not None:
            after = reparse_batch(run, store, after, settings.batch_size, legislature)
        get_run_logger().info("reparse done: %s", run.totals.counts)
        return run.summary()
