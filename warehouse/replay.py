"""``anq reparse``: replay the raw archive through the load path into a fresh file.

Every page ``raw_pages`` logged is read back from the archive in fetch order
(``fetched_at``, then uid), at the place its row gives (``warc_file``,
``warc_offset``; looked for in the archive when the row gives none, as for
pages archived before WARC), handed to the extractor, and each one that reads
as its uid's question is loaded by :func:`warehouse.load.load_questions`, the
code a fetch loads questions with, into empty ``questions`` and
``question_versions`` tables of a new file (:class:`warehouse.compact.FreshFile`);
the other tables are copied as they are. So an unchanged extractor gives
identical tables, and an extractor fix rebuilds every version from the pages
as they were first read. The extractor runs in worker processes, a few
chunks of pages ahead, while the batch before loads
(:mod:`warehouse.replay_pool`).

Rows are kept exactly as they were, never rebuilt, for a uid that:

* has an archived page that cannot be read back (a record that does not
  unzip whole, or that cannot be found): a gap in a history must not rewrite
  it. Each such record is listed in ``archive_damage``;
* has no page that reads as a question (a broken extractor must not wipe
  questions out), or no page in the archive at all, or is outside the
  legislature asked for.

``questions.last_fetched_at`` moves on without a page being logged (a 304,
or the same body again): a rebuilt row takes the later of the replay's and
the old row's (or, for a question new to the warehouse, the last success).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

import duckdb

from extractors.model import Question
from extractors.uid import parse_uid
from warehouse.archive import ArchiveCorrupt, RawArchive
from warehouse.compact import SOURCE, FreshFile, RewriteFailed, Sizes
from warehouse.held import Held
from warehouse.load import load_questions
from warehouse.observation import Observation
from warehouse.replay_damage import Damage, damage, record_damage
from warehouse.replay_log import Page, fetch_order
from warehouse.replay_opendata import seed_opendata_born, unseed_unread
from warehouse.replay_pool import REREAD, Extraction, Extractor, Job, Outcome, Records, outcome

log = logging.getLogger("anq.reparse")

#: The tables a reparse writes itself; every other one is copied as it is.
REBUILT = ("questions", "question_versions", "archive_damage")

#: DuckDB's memory (from the copy of the kept tables), threads and WAL (from the first
#: replayed page) to the swap. A batch at a time needs little, the copies need no more
#: (the workers are up by then), and the statements after the replay (copying the kept rows
#: with their indexes) fit too, spilling to disk, with one thread: a second one made
#: sorting the archive log run out of this memory, and the extraction workers have
#: the cores. Checkpoints are costly (each one writes every index whole), so the WAL
#: is let grow to REPLAY_WAL between them (docs/benchmarks.md, Reparse).
REPLAY_MEMORY, REPLAY_THREADS, REPLAY_WAL = "64MB", 1, "1GB"


@dataclass
class ReplayResult:
    """What a reparse did: pages read, rows rebuilt and kept, damaged records."""

    pages: int = 0
    extraction_errors: int = 0
    no_question: int = 0
    rebuilt: int = 0
    versions: int = 0
    kept: int = 0
    damaged: list[Damage] = field(default_factory=list)
    sizes: Sizes | None = None

    def counts(self) -> dict[str, int]:
        """The run's counts (the run report lists them)."""
        return {
            "pages_replayed": self.pages,
            "reparsed": self.rebuilt,
            "versions": self.versions,
            "kept": self.kept,
            "no_question": self.no_question,
            "extraction_errors": self.extraction_errors,
            "damaged_records": len(self.damaged),
        }


def reparse_file(
    db: Path,
    archive: RawArchive,
    extract: Extractor,
    *,
    run_id: str,
    legislature: int | None = None,
    batch_size: int = 1000,
    workers: int = 0,
    progress: Callable[[int], None] = lambda pages: None,
    check: Callable[[], None] = lambda: None,
) -> ReplayResult:
    """Rebuild ``questions`` and ``question_versions`` of ``db`` from the archive, in a new file.

    The caller holds the run lock. The new file replaces ``db`` once checked.
    ``workers`` processes extract the pages (:mod:`warehouse.replay_pool`; 0:
    this process), and ``extract`` must then pickle. ``check`` is called between
    batches and may raise to stop the replay (the old file then stays as it was).
    """
    result = ReplayResult()
    pattern = None if legislature is None else f"QANR5L{int(legislature)}Q%"
    fresh_file = FreshFile(db, rebuilt=REBUILT, memory=REPLAY_MEMORY)
    with Extraction(extract, workers) as extraction, fresh_file as fresh:
        con = fresh.con
        assert con is not None
        seed_opendata_born(con, pattern)
        con.execute(f"SET threads = {REPLAY_THREADS}")
        con.execute(f"SET wal_autocheckpoint = '{REPLAY_WAL}'")
        spill = db.with_name(f"{db.name}.replay-order.parquet")
        _replay(con, archive, extraction, pattern, batch_size, result, progress, check, spill)
        extraction.close()  # the statements below need the workers' memory
        check()
        unseed_unread(con)
        damaged = sorted({d.uid for d in result.damaged})
        _keep_old_rows(con, damaged, pattern, result)
        record_damage(con, result.damaged, pattern, run_id)
        _check_every_question_kept(con)
        result.sizes = fresh.commit()
    return result


def _replay(
    con: duckdb.DuckDBPyConnection,
    archive: RawArchive,
    extraction: Extraction,
    pattern: str | None,
    batch_size: int,
    result: ReplayResult,
    progress: Callable[[int], None],
    check: Callable[[], None],
    spill: Path,
) -> None:
    """Read and extract each batch while the one before it loads (DuckDB lets go of the GIL)."""
    damaged: set[str] = set()
    held = _seeded(con)
    pending: Future[object] | None = None
    with con.cursor() as reader, ThreadPoolExecutor(1, thread_name_prefix="anq-replay") as loader:
        for pages in _read(reader, archive, extraction, pattern, batch_size, spill):
            check()
            batch = [
                obs
                for page, found in pages
                if (obs := _observe(archive, extraction, page, found, damaged, result)) is not None
            ]
            new = {str(obs.uid) for obs in batch if obs.uid not in held}
            held.add(obs.uid for obs in batch)
            if pending is not None:
                pending.result()
            pending = loader.submit(load_questions, con, batch, new=new) if batch else None
            result.pages += len(pages)
            progress(len(pages))
        if pending is not None:
            pending.result()


def _seeded(con: duckdb.DuckDBPyConnection) -> Held:
    """The uids the fresh file holds before the replay (those the open data seeded)."""
    held = Held()
    with con.cursor() as cur:
        cur.execute("SELECT uid FROM questions")
        while rows := cur.fetchmany(10_000):
            held.add(parse_uid(uid) for (uid,) in rows)
    return held


def _read(
    cur: duckdb.DuckDBPyConnection,
    archive: RawArchive,
    extraction: Extraction,
    pattern: str | None,
    size: int,
    spill: Path,
) -> Iterator[list[tuple[Page, Outcome]]]:
    """Each batch of :func:`fetch_order`, its pages extracted; the next ones already underway."""
    records = Records()
    try:
        numbered = (
            (n, page)
            for n, pages in enumerate(fetch_order(cur, pattern, size, spill))
            for page in pages
        )
        done = extraction.read(numbered, lambda item: _job(archive, records, item[1]))
        for _, batch in groupby(done, key=lambda item: item[0][0]):
            yield [(page, found) for (_, page), found in batch]
    finally:
        records.close()


def _job(archive: RawArchive, records: Records, page: Page) -> Job:
    """The page's record as read at the place its row gives, for a worker to check."""
    at, record = page.at, None
    if at is not None and at.offset >= 0:
        record = records.read(archive.warc_path(page.uid), at.offset, at.length)
    return (str(page.uid), page.sha256, page.url, record)


def _observe(
    archive: RawArchive,
    extraction: Extraction,
    page: Page,
    found: Outcome,
    damaged: set[str],
    result: ReplayResult,
) -> Observation | None:
    """The page as a fetch would have loaded it; None when it brings no question."""
    uid = str(page.uid)
    if found == REREAD:
        try:
            body = archive.get(page.uid, page.sha256, page.at)
        except (ArchiveCorrupt, OSError) as err:
            lost = damage(uid, page.sha256, archive.warc_path(page.uid), err)
            log.error("%s: archived page %s cannot be read: %s", uid, page.sha256, lost.problem)
            result.damaged.append(lost)
            damaged.add(uid)
            return None
        if uid not in damaged:
            found = outcome(extraction.extractor, body, page.url)
    if uid in damaged:
        return None  # its rows are kept as they were: no need to read its pages
    kind, question = found
    if kind == "error":
        log.warning("%s: extraction failed on archived page %s: %s", uid, page.sha256, question)
        result.extraction_errors += 1
        return None
    if not isinstance(question, Question) or question.uid != uid:
        result.no_question += 1
        return None
    return Observation(page.uid, page.url, page.fetched_at, "question", question)


_KEEP = f"""
INSERT INTO question_versions BY NAME SELECT * FROM {SOURCE}.question_versions AS p
WHERE p.uid NOT IN (SELECT uid FROM questions);
INSERT INTO questions BY NAME SELECT * FROM {SOURCE}.questions AS p
WHERE p.uid NOT IN (SELECT uid FROM questions);
"""
_LAST_FETCHED = f"""
UPDATE questions AS t SET last_fetched_at = s.last_fetched_at
FROM (
    SELECT f.uid, coalesce(p.last_fetched_at, f.last_success_at) AS last_fetched_at
    FROM {SOURCE}.pipeline.fetch_state AS f LEFT JOIN {SOURCE}.questions AS p ON p.uid = f.uid
) AS s
WHERE t.uid = s.uid AND s.last_fetched_at > t.last_fetched_at
"""


def _keep_old_rows(
    con: duckdb.DuckDBPyConnection, damaged: list[str], pattern: str | None, result: ReplayResult
) -> None:
    """Rows of damaged uids back as they were, and of every uid the replay did not rebuild."""
    con.execute("BEGIN TRANSACTION")
    if damaged:
        con.execute("DELETE FROM question_versions WHERE list_contains($1, uid)", [damaged])
        con.execute("DELETE FROM questions WHERE list_contains($1, uid)", [damaged])
    con.execute(_LAST_FETCHED)
    result.rebuilt = _count(con, "SELECT count(*) FROM questions")
    result.versions = _count(con, "SELECT count(*) FROM question_versions")
    result.kept = _count(
        con,
        f"SELECT count(*) FROM {SOURCE}.questions AS p "
        "WHERE ($1::VARCHAR IS NULL OR p.uid LIKE $1) "
        "AND p.uid NOT IN (SELECT uid FROM questions)",
        pattern,
    )
    con.execute(_KEEP)
    con.execute("COMMIT")


def _check_every_question_kept(con: duckdb.DuckDBPyConnection) -> None:
    lost = _count(
        con,
        f"SELECT count(*) FROM {SOURCE}.questions WHERE uid NOT IN (SELECT uid FROM questions)",
    )
    if lost:
        raise RewriteFailed(f"the rebuilt warehouse lacks {lost} question(s) of the old one")


def _count(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> int:
    row = con.execute(sql, list(params)).fetchone()
    return int(row[0]) if row is not None else 0
