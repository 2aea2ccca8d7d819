"""What ``anq reparse`` needs: read the raw history back, and rewrite questions from it.

The reparse flow reads each uid's archived pages in fetch order
(:func:`iter_raw_history`), extracts them again with the current extractor,
and hands the results to :func:`replace_history`, which rewrites that uid's
``questions`` row and ``question_versions`` from scratch.

The rebuild follows exactly the rules :func:`warehouse.load.load_batch` applies
as pages arrive, so that reparsing with an unchanged extractor gives identical
tables: pages that extract to nothing (not a question, extraction error) are
skipped; consecutive questions with the same ``content_hash`` are one version
(the first one's url and template); ``valid_to`` is the next version's
``valid_from``; ``first_seen_at`` is the first version's ``valid_from`` and
``last_changed_at`` the last one's. This works because ``raw_pages`` logs every
body that differs from the previous one, and a change of content always comes
with a change of body.

A uid none of whose pages yields a question is left untouched (and counted as
skipped): a broken extractor must not wipe questions out of the warehouse.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from extractors.model import QUESTION_COLUMNS, Question
from extractors.uid import Uid, parse_uid
from warehouse.staging import QUESTION_TYPES, arrow_table, q, question_row

#: (uid, [(fetched_at, url, Question | None) in any order], last_fetched_at or None)
HistoryItem = tuple[Uid, Sequence[tuple[datetime, str, Question | None]], datetime | None]


@dataclass(frozen=True)
class RawObservation:
    """One row of ``raw_pages``: a body archived for a uid at a time."""

    uid: Uid
    sha256: str
    url: str
    fetched_at: datetime
    http_status: int


@dataclass
class RebuildCounts:
    """What :func:`replace_history` did."""

    uids: int = 0
    versions: int = 0
    skipped: int = 0


_TS = pa.timestamp("us")
_QUESTION_ROW = {
    **QUESTION_TYPES,
    "first_seen_at": _TS,
    "last_fetched_at": _TS,
    "last_changed_at": _TS,
    "template": pa.string(),
    "content_hash": pa.string(),
}
_VERSION_ROW = {
    **QUESTION_TYPES,
    "version": pa.int32(),
    "valid_from": _TS,
    "valid_to": _TS,
    "content_hash": pa.string(),
    "template": pa.string(),
}
_Q_COLUMNS = ", ".join(q(c) for c in _QUESTION_ROW)
_V_COLUMNS = ", ".join(q(c) for c in _VERSION_ROW)

_RAW_BATCH = """
WITH u AS (
    SELECT DISTINCT uid FROM raw_pages
    WHERE uid > ? AND (?::VARCHAR IS NULL OR uid LIKE ?)
    ORDER BY uid LIMIT ?
)
SELECT r.uid, r.sha256, r.url, r.fetched_at, r.http_status
FROM raw_pages AS r JOIN u ON u.uid = r.uid
ORDER BY r.uid, r.fetched_at
"""


def raw_history_batch(
    con: duckdb.DuckDBPyConnection,
    *,
    after: str = "",
    limit: int = 500,
    legislature: int | None = None,
) -> list[RawObservation]:
    """The raw histories of the next ``limit`` uids after ``after`` (in uid string order).

    Whole histories only: a uid is never split between two batches. A flow that
    opens one session per batch pages with ``after=str(last.uid)``.
    """
    pattern = None if legislature is None else f"QANR5L{int(legislature)}Q%"
    rows = con.execute(_RAW_BATCH, [after, pattern, pattern, limit]).fetchall()
    return [RawObservation(parse_uid(r[0]), r[1], r[2], r[3], r[4]) for r in rows]


def iter_raw_history(
    con: duckdb.DuckDBPyConnection, legislature: int | None = None, batch_uids: int = 500
) -> Iterator[list[RawObservation]]:
    """Every uid's raw history, oldest page first, in batches of ``batch_uids`` uids.

    Each batch is read completely before it is yielded, so the caller may
    write through the same connection between batches.
    """
    after = ""
    while True:
        batch = raw_history_batch(con, after=after, limit=batch_uids, legislature=legislature)
        if not batch:
            return
        yield batch
        after = str(batch[-1].uid)


def last_fetched(con: duckdb.DuckDBPyConnection, uids: Iterable[Uid]) -> dict[Uid, datetime]:
    """When each uid's question was last fetched: the ``questions`` row if there is
    one (a 304 moves it without logging a page), else the last success."""
    wanted = {str(u): u for u in uids}
    if not wanted:
        return {}
    rows = con.execute(
        """
        SELECT f.uid, coalesce(qu.last_fetched_at, f.last_success_at)
        FROM fetch_state AS f LEFT JOIN questions AS qu ON qu.uid = f.uid
        WHERE list_contains(?::VARCHAR[], f.uid)
        """,
        [list(wanted)],
    ).fetchall()
    return {wanted[r[0]]: r[1] for r in rows if r[1] is not None}


def build_versions(
    history: Sequence[tuple[datetime, str, Question | None]], uid: str | None = None
) -> list[dict[str, Any]]:
    """The ``question_versions`` rows of one uid from its observations (load's rules).

    A page holding another uid's question counts as nothing, as in the flows,
    which record it as a failure and leave the question alone.
    """
    versions: list[dict[str, Any]] = []
    for fetched_at, _url, question in sorted(history, key=lambda item: item[0]):
        if question is None or (uid is not None and question.uid != uid):
            continue
        row = question_row(question)
        if versions and versions[-1]["content_hash"] == row["content_hash"]:
            continue
        if versions:
            versions[-1]["valid_to"] = fetched_at
        row.update(version=len(versions) + 1, valid_from=fetched_at, valid_to=None)
        versions.append(row)
    return versions


def _question_row(versions: list[dict[str, Any]], last_fetched_at: datetime) -> dict[str, Any]:
    current = versions[-1]
    row = {name: current[name] for name in QUESTION_COLUMNS}
    row.update(
        first_seen_at=versions[0]["valid_from"],
        last_fetched_at=last_fetched_at,
        last_changed_at=current["valid_from"],
        template=current["template"],
        content_hash=current["content_hash"],
    )
    return row


def replace_history(con: duckdb.DuckDBPyConnection, items: Sequence[HistoryItem]) -> RebuildCounts:
    """Rewrite the ``questions`` row and ``question_versions`` of each uid, in one transaction."""
    counts = RebuildCounts()
    question_rows: list[dict[str, Any]] = []
    version_rows: list[dict[str, Any]] = []
    for uid, history, given_last in {str(item[0]): item for item in items}.values():
        versions = build_versions(history, str(uid))
        if not versions:
            counts.skipped += 1
            continue
        latest = max(at for at, _, found in history if found is not None and found.uid == str(uid))
        last = latest if given_last is None else max(given_last, latest)
        question_rows.append(_question_row(versions, last))
        version_rows.extend(versions)
        counts.uids += 1
    counts.versions = len(version_rows)
    if question_rows:
        _rewrite(con, question_rows, version_rows)
    return counts


def _rewrite(
    con: duckdb.DuckDBPyConnection,
    question_rows: list[dict[str, Any]],
    version_rows: list[dict[str, Any]],
) -> None:
    con.register("rebuild_q", arrow_table(question_rows, _QUESTION_ROW))
    con.register("rebuild_v", arrow_table(version_rows, _VERSION_ROW))
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM question_versions WHERE uid IN (SELECT uid FROM rebuild_q)")
            con.execute("DELETE FROM questions WHERE uid IN (SELECT uid FROM rebuild_q)")
            con.execute(f"INSERT INTO questions ({_Q_COLUMNS}) SELECT {_Q_COLUMNS} FROM rebuild_q")
            con.execute(
                f"INSERT INTO question_versions ({_V_COLUMNS}) SELECT {_V_COLUMNS} FROM rebuild_v"
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.unregister("rebuild_q")
        con.unregister("rebuild_v")
