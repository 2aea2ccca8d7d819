"""Read-only queries: what the flows ask of the warehouse to decide what to fetch,
and the prior state :func:`warehouse.load.load_batch` reads for a batch's uids."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from extractors.uid import TYPES, Uid, make_uid
from warehouse import policy
from warehouse.observation import Target


@dataclass(frozen=True)
class Prior:
    """What the warehouse held for a uid before this batch."""

    content_hash: str | None = None
    status: str | None = None
    published_on: date | None = None
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    last_attempt_at: datetime | None = None
    last_outcome: str | None = None
    last_success_at: datetime | None = None
    raw_sha256: str | None = None


_READ_PRIOR = """
WITH k AS (SELECT unnest(?::VARCHAR[]) AS uid)
SELECT k.uid, qu.content_hash, qu.status, qu.question_published_on,
       f.etag, f.last_modified, f.consecutive_failures, f.last_attempt_at,
       f.last_outcome, f.last_success_at, f.raw_sha256
FROM k
LEFT JOIN questions AS qu ON qu.uid = k.uid
LEFT JOIN fetch_state AS f ON f.uid = k.uid
"""


def read_prior(con: duckdb.DuckDBPyConnection, uids: list[str]) -> dict[str, Prior]:
    """The prior state of the uids the warehouse knows (unknown uids are absent)."""
    if not uids:
        return {}
    rows = con.execute(_READ_PRIOR, [uids]).fetchall()
    return {
        row[0]: Prior(
            content_hash=row[1],
            status=row[2],
            published_on=row[3],
            etag=row[4],
            last_modified=row[5],
            failures=row[6] or 0,
            last_attempt_at=row[7],
            last_outcome=row[8],
            last_success_at=row[9],
            raw_sha256=row[10],
        )
        for row in rows
    }


_READ_QUESTION_PRIOR = """
WITH k AS (SELECT unnest(?::VARCHAR[]) AS uid)
SELECT qu.uid, qu.content_hash, qu.status, qu.question_published_on
FROM k JOIN questions AS qu ON qu.uid = k.uid
"""


def read_question_prior(con: duckdb.DuckDBPyConnection, uids: list[str]) -> dict[str, Prior]:
    """:func:`read_prior` of ``questions`` alone: what a replayed page is compared with."""
    if not uids:
        return {}
    rows = con.execute(_READ_QUESTION_PRIOR, [uids]).fetchall()
    return {row[0]: Prior(content_hash=row[1], status=row[2], published_on=row[3]) for row in rows}


def known_numbers(con: duckdb.DuckDBPyConnection, legislature: int, type_: str) -> int:
    """The highest question number held for (legislature, type), 0 when none.

    Discovery probes the numbers above it.
    """
    row = con.execute(
        "SELECT coalesce(max(number), 0) FROM questions WHERE legislature = ? AND type = ?",
        [legislature, type_],
    ).fetchone()
    return int(row[0]) if row is not None else 0


def due_targets(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    legislatures: Iterable[int],
    types: Iterable[str],
    all_open: bool = False,
) -> list[Target]:
    """Pages ``sync`` should refresh: open questions that are due (every open one with
    ``all_open``), every uid whose last attempt failed, and the pages ``anq opendata``
    made due (first, then in uid order).

    An open question with no ``next_due_at`` counts as due. One that a fresh open-data
    archive holds is due only when the archive made it due, or for the slow safety
    refresh (``warehouse.policy``). Validators are given only where a question is held,
    so that a 304 always means "what we hold is current".
    """
    rows = con.execute(_DUE_SQL, _due_params(now, legislatures, types, all_open)).fetchall()
    return [Target(make_uid(r[0], r[1], r[2]), r[4], r[5]) for r in rows]


def _due_params(
    now: datetime, legislatures: Iterable[int], types: Iterable[str], all_open: bool
) -> dict[str, object]:
    return {
        "legs": list(legislatures),
        "types": list(types),
        "all_open": all_open,
        "now": now,
        "fresh": now - policy.ARCHIVE_FRESH,
        "safety": now - policy.OPENDATA_SAFETY,
    }


_DUE_SQL = """
SELECT f.legislature, f.type, f.number, f.url,
       CASE WHEN qu.uid IS NOT NULL THEN f.etag END,
       CASE WHEN qu.uid IS NOT NULL THEN f.last_modified END,
       coalesce(o.page_due_at > f.last_attempt_at, false) AS flagged,
       f.last_outcome = 'failed' AS retry
FROM fetch_state AS f LEFT JOIN questions AS qu ON qu.uid = f.uid
LEFT JOIN opendata_records AS o ON o.uid = f.uid
LEFT JOIN opendata_archives AS a ON a.legislature = f.legislature AND a.type = f.type
     AND a.loaded_at = o.loaded_at AND a.archive_date >= $fresh
WHERE list_contains($legs::INTEGER[], f.legislature) AND list_contains($types::VARCHAR[], f.type)
  AND (f.last_outcome = 'failed' OR o.page_due_at > f.last_attempt_at
       OR (qu.status = 'open' AND ($all_open OR CASE
            WHEN a.type IS NOT NULL THEN f.last_success_at IS NULL OR f.last_success_at <= $safety
            ELSE f.next_due_at IS NULL OR f.next_due_at <= $now END)))
UNION ALL
SELECT o.legislature, o.type, o.number, o.url, NULL, NULL, true, false
FROM opendata_records AS o
WHERE o.page_due_at IS NOT NULL AND o.page_due_at <= $now
  AND list_contains($legs::INTEGER[], o.legislature) AND list_contains($types::VARCHAR[], o.type)
  AND NOT EXISTS (SELECT 1 FROM fetch_state AS f WHERE f.uid = o.uid)
ORDER BY flagged DESC, 1, 2, 3
"""


@dataclass(frozen=True)
class DueCount:
    """What ``sync`` would fetch besides discovery (the rows of :func:`due_targets`)."""

    refresh: int  # open questions due, and pages the open data made due
    retry: int  # pages whose last attempt failed

    @property
    def total(self) -> int:
        return self.refresh + self.retry


def count_due(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    legislatures: Iterable[int] = range(1, 100),
    types: Iterable[str] = TYPES,
) -> DueCount:
    """The pages a ``sync`` run at ``now`` would refresh and retry (default: every
    legislature and type), by the same query as :func:`due_targets`."""
    row = con.execute(
        f"SELECT count(*) FILTER (WHERE NOT retry), count(*) FILTER (WHERE retry) "
        f"FROM ({_DUE_SQL})",
        _due_params(now, legislatures, types, all_open=False),
    ).fetchone()
    assert row is not None  # an aggregate: always one row
    return DueCount(int(row[0]), int(row[1]))


@dataclass(frozen=True)
class DiscoveryStart:
    """Where discovery starts for a (legislature, type), and what an archive says past it."""

    start: int  # the first number neither held nor listed by an open-data archive
    covered: bool  # a fresh archive lists every number held (the site is not ahead of it)
    probed_at: datetime | None  # the last safety probe past that archive's end


_DISCOVERY_SQL = """
WITH held AS (
    SELECT coalesce(max(number), 0) AS n FROM questions WHERE legislature = $leg AND type = $type
), listed AS (
    SELECT coalesce(max(number), 0) AS n FROM opendata_records
    WHERE legislature = $leg AND type = $type
), arc AS (
    SELECT a.probed_at, (SELECT max(o.number) FROM opendata_records AS o
                         WHERE o.legislature = a.legislature AND o.type = a.type
                           AND o.loaded_at = a.loaded_at) AS last
    FROM opendata_archives AS a
    WHERE a.legislature = $leg AND a.type = $type AND a.loaded_at IS NOT NULL
      AND a.archive_date >= $fresh
)
SELECT greatest(held.n, listed.n) + 1, coalesce(arc.last >= held.n, false), arc.probed_at
FROM held CROSS JOIN listed LEFT JOIN arc ON true
"""


def discovery_start(
    con: duckdb.DuckDBPyConnection, legislature: int, type_: str, now: datetime
) -> DiscoveryStart:
    """Where ``sync`` probes for new numbers: past the highest one held or listed by an
    archive (a listed number needs no probing: its page is due). ``covered`` when the
    latest archive is fresh (``policy.ARCHIVE_FRESH``) and reaches the highest number
    held; ``policy.discovery_span`` then decides whether to probe past it tonight."""
    row = con.execute(
        _DISCOVERY_SQL, {"leg": legislature, "type": type_, "fresh": now - policy.ARCHIVE_FRESH}
    ).fetchone()
    assert row is not None  # aggregates over CROSS JOIN: always one row
    return DiscoveryStart(int(row[0]), bool(row[1]), row[2])


def resume_numbers(
    con: duckdb.DuckDBPyConnection, legislature: int, type_: str, lo: int, hi: int | None = None
) -> set[int]:
    """Numbers in ``[lo, hi]`` (``hi=None``: no upper bound) already settled, a question
    held or a 404: a resumed backfill skips them. Failed numbers are not settled."""
    return set(settled_numbers(con, legislature, type_, lo, hi))


def settled_numbers(
    con: duckdb.DuckDBPyConnection, legislature: int, type_: str, lo: int, hi: int | None = None
) -> dict[int, bool]:
    """Settled numbers in ``[lo, hi]``, each with whether it holds a question (True)
    or is known absent (False): discovery counts the first as hits, the second as misses."""
    top = 2**31 - 1 if hi is None else hi
    rows = con.execute(
        """
        SELECT number, true FROM questions
        WHERE legislature = ? AND type = ? AND number BETWEEN ? AND ?
        UNION ALL
        SELECT number, false FROM fetch_state
        WHERE legislature = ? AND type = ? AND number BETWEEN ? AND ?
          AND last_outcome = 'not_found'
        """,
        [legislature, type_, lo, top] * 2,
    ).fetchall()
    settled: dict[int, bool] = {}
    for number, held in rows:
        settled[int(number)] = settled.get(int(number), False) or bool(held)
    return settled


def validators(
    con: duckdb.DuckDBPyConnection, uids: Iterable[Uid]
) -> dict[Uid, tuple[str | None, str | None]]:
    """``(etag, last_modified)`` for the given uids that hold a question."""
    wanted = {str(u): u for u in uids}
    if not wanted:
        return {}
    rows = con.execute(
        """
        SELECT f.uid, f.etag, f.last_modified FROM fetch_state AS f
        JOIN questions AS qu ON qu.uid = f.uid
        WHERE list_contains(?::VARCHAR[], f.uid)
        """,
        [list(wanted)],
    ).fetchall()
    return {wanted[r[0]]: (r[1], r[2]) for r in rows}
