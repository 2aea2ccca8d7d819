"""The open-data side of the warehouse: records loaded, questions bootstrapped, pages made
due (the two sources are reconciled in ``warehouse.agreement``). Only SQL here; the flow
decides when to call what.

Decisions where the contract is silent:

* ``opendata_records.loaded_at`` is the last load whose archive held the record, so "the
  latest archive holds this uid" is ``loaded_at = opendata_archives.loaded_at``.
* A bootstrap row (``questions.source = 'opendata'``, ``template = 'opendata'``) gets a
  ``question_versions`` row too (``source`` and ``template`` ``'opendata'``): the page
  load then finds a prior version and adds the page's state as the next one
  (``source = 'page'`` by default), so the history says where each state came from.
  Its ``last_fetched_at`` is the load time. While its page has not been read the row
  follows its record; once read, the page is the reference.
* A record whose status is unknown (drift) is not bootstrapped: a status is never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from extractors.model import QUESTION_COLUMNS
from extractors.opendata.record import RECORD_COLUMNS
from warehouse import policy
from warehouse.staging import QUESTION_TYPES, q, staged

_TS = "TIMESTAMP"
_RECORD_EXTRA = ("closure_code", "closure_label", "record_hash", "content_hash", "state_hash",
                 "drift")  # fmt: skip
STAGE_RECORD: dict[str, str] = {
    **{c: QUESTION_TYPES[c] for c in RECORD_COLUMNS},
    **{c: "VARCHAR" for c in _RECORD_EXTRA},
    "archive_date": _TS,
    "loaded_at": _TS,
}
STAGE_FAILURE: dict[str, str] = {
    "run_id": "VARCHAR", "legislature": "INTEGER", "type": "VARCHAR",
    "member": "VARCHAR", "record_index": "INTEGER", "uid": "VARCHAR",
    "field": "VARCHAR", "error": "VARCHAR", "occurred_at": _TS,
}  # fmt: skip

_REC = ", ".join(q(c) for c in STAGE_RECORD)
_S_REC = ", ".join("s." + q(c) for c in STAGE_RECORD)
_SET_REC = ", ".join(f"{q(c)} = s.{q(c)}" for c in STAGE_RECORD if c != "uid")
MERGE_RECORDS = f"""
MERGE INTO opendata_records AS t USING stage_od AS s ON t.uid = s.uid
WHEN MATCHED THEN UPDATE SET {_SET_REC},
    state_changed_at = CASE WHEN t.state_hash = s.state_hash THEN t.state_changed_at
                            ELSE s.loaded_at END
WHEN NOT MATCHED THEN INSERT ({_REC}, state_changed_at) VALUES ({_S_REC}, s.loaded_at)
"""


@dataclass(frozen=True)
class ArchiveState:
    """What the warehouse holds about one archive (validators for a conditional GET)."""

    etag: str | None
    last_modified: str | None
    loaded_at: datetime | None


def load_records(con: duckdb.DuckDBPyConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Merge one batch of mapped records (one transaction; the last of a uid wins)."""
    unique = list({row["uid"]: row for row in rows}.values())
    if not unique:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        with staged(con, "stage_od", unique, STAGE_RECORD):
            con.execute(MERGE_RECORDS)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def record_failures(con: duckdb.DuckDBPyConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Keep the records that could not be read."""
    if rows:
        with staged(con, "stage_odf", rows, STAGE_FAILURE):
            con.execute(f"INSERT INTO opendata_failures ({', '.join(STAGE_FAILURE)}) "
                        f"SELECT {', '.join(STAGE_FAILURE)} FROM stage_odf")  # fmt: skip


def archive_state(con: duckdb.DuckDBPyConnection, legislature: int, type_: str) -> ArchiveState:
    """The validators of the last good download of an archive (none when never loaded)."""
    row = con.execute(
        "SELECT etag, last_modified, loaded_at FROM opendata_archives "
        "WHERE legislature = ? AND type = ? AND loaded_at IS NOT NULL",
        [legislature, type_],
    ).fetchone()
    return ArchiveState(*row) if row is not None else ArchiveState(None, None, None)


def save_archive(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> None:
    """Record an archive's last answer; a failure keeps the last good load's fields."""
    keys = ["legislature", "type", "path", "fetched_at", "error"]
    good = ["file", "etag", "last_modified", "archive_date", "sha256", "size", "loaded_at",
            "records", "failed"]  # fmt: skip
    if row.get("error") is None:
        keys += [k for k in good if k in row]
    cols = ", ".join(keys)
    sets = ", ".join(f"{k} = excluded.{k}" for k in keys if k not in ("legislature", "type"))
    con.execute(
        f"INSERT INTO opendata_archives ({cols}) VALUES ({', '.join('?' * len(keys))}) "
        f"ON CONFLICT (legislature, type) DO UPDATE SET {sets}",
        [row.get(k) for k in keys],
    )


def mark_probed(
    con: duckdb.DuckDBPyConnection, legislature: int, type_: str, now: datetime
) -> None:
    """Remember that discovery asked past the end of this archive (``policy.discovery_span``)."""
    con.execute(
        "UPDATE opendata_archives SET probed_at = ? WHERE legislature = ? AND type = ?",
        [now, legislature, type_],
    )


# -- bootstrap: a question the warehouse lacks --------------------------------------------

_Q_CONTENT = [c for c in QUESTION_COLUMNS]
_Q_COLS = ", ".join(q(c) for c in _Q_CONTENT)
_O_VALUES = ", ".join(f"o.{q(c)}" if c in RECORD_COLUMNS else f"NULL AS {q(c)}" for c in _Q_CONTENT)
_O_SET = ", ".join(f"{q(c)} = o.{q(c)}" for c in RECORD_COLUMNS if c != "uid")
#: The records of one archive load (legislature, type, loaded_at) that can become questions.
_FRESH = (
    "o.legislature = $leg AND o.type = $type AND o.loaded_at = $loaded"
    " AND o.content_hash IS NOT NULL"
)

BOOTSTRAP_VERSIONS = f"""
INSERT INTO question_versions ({_Q_COLS}, version, valid_from, valid_to, content_hash, template,
    source)
SELECT {_O_VALUES}, 1, $now, NULL, o.content_hash, 'opendata', 'opendata'
FROM opendata_records AS o
WHERE {_FRESH} AND NOT EXISTS (SELECT 1 FROM questions AS x WHERE x.uid = o.uid)
  AND NOT EXISTS (SELECT 1 FROM question_versions AS v WHERE v.uid = o.uid)
"""
BOOTSTRAP_QUESTIONS = f"""
INSERT INTO questions ({_Q_COLS}, first_seen_at, last_fetched_at, last_changed_at, template,
    content_hash, source)
SELECT {_O_VALUES}, $now, $now, $now, 'opendata', o.content_hash, 'opendata'
FROM opendata_records AS o
WHERE {_FRESH} AND NOT EXISTS (SELECT 1 FROM questions AS x WHERE x.uid = o.uid)
"""
#: An opendata-only row follows its record until the page is read.
_FOLLOW = f"""
FROM opendata_records AS o WHERE {_FRESH} AND o.uid = t.uid AND t.template = 'opendata'
  AND t.content_hash <> o.content_hash
"""
FOLLOW_CLOSE = f"""
UPDATE question_versions AS t SET valid_to = $now {_FOLLOW}
  AND t.valid_to IS NULL AND EXISTS (SELECT 1 FROM questions AS x WHERE x.uid = t.uid
                                     AND x.template = 'opendata'
                                     AND x.content_hash <> o.content_hash)
"""
FOLLOW_VERSIONS = f"""
INSERT INTO question_versions ({_Q_COLS}, version, valid_from, valid_to, content_hash, template,
    source)
SELECT {_O_VALUES}, (SELECT max(v.version) FROM question_versions AS v WHERE v.uid = o.uid) + 1,
    $now, NULL, o.content_hash, 'opendata', 'opendata'
FROM opendata_records AS o JOIN questions AS t ON t.uid = o.uid
WHERE {_FRESH} AND t.template = 'opendata' AND t.content_hash <> o.content_hash
"""
FOLLOW_QUESTIONS = f"""
UPDATE questions AS t SET {_O_SET}, content_hash = o.content_hash, last_changed_at = $now,
    last_fetched_at = $now {_FOLLOW}
"""


def bootstrap(
    con: duckdb.DuckDBPyConnection, legislature: int, type_: str, loaded: datetime, now: datetime
) -> tuple[int, int]:
    """Add the questions of one archive load the warehouse lacks, and bring opendata-only
    rows up to their record; returns (added, followed). One transaction."""
    params = {"leg": legislature, "type": type_, "loaded": loaded, "now": now}
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(FOLLOW_CLOSE, params)
        followed = _count(con.execute(FOLLOW_VERSIONS, params))
        con.execute(FOLLOW_QUESTIONS, params)
        con.execute(BOOTSTRAP_VERSIONS, params)
        added = _count(con.execute(BOOTSTRAP_QUESTIONS, params))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return added, followed


def _count(cursor: duckdb.DuckDBPyConnection) -> int:
    row = cursor.fetchone()
    return int(row[0]) if row is not None else 0


# -- the night's changes: which pages are due now -----------------------------------------

#: The state of a question: what a change of makes its page due (both sides normalised).
STATE_DIFFERS = " OR ".join(
    f"{fn}(qu.{c}) IS DISTINCT FROM {fn}(o.{c})"
    for c, fn in (("status", "anq_norm_plain"), ("closed_on", "anq_norm_plain"),
                  ("closure_reason", "anq_norm_short"), ("signaled_on", "anq_norm_plain"),
                  ("ministry_answering", "anq_norm_short"),
                  ("answer_published_on", "anq_norm_plain"))
)  # fmt: skip
MARK_DUE = f"""
UPDATE opendata_records AS t SET page_due_at = $now FROM (
    SELECT o.uid FROM opendata_records AS o
    LEFT JOIN questions AS qu ON qu.uid = o.uid
    LEFT JOIN fetch_state AS f ON f.uid = o.uid
    WHERE o.legislature = $leg AND o.type = $type AND o.loaded_at = $loaded
      AND (o.page_due_at IS NULL OR o.page_due_at <= f.last_attempt_at)
      AND (f.last_attempt_at IS NULL OR f.last_attempt_at < o.archive_date)
      AND (qu.uid IS NULL OR qu.template = 'opendata'
           OR (({STATE_DIFFERS})
               AND f.last_success_at < o.state_changed_at + to_microseconds($retry)))
) AS d WHERE t.uid = d.uid
"""


def mark_due(
    con: duckdb.DuckDBPyConnection, legislature: int, type_: str, loaded: datetime, now: datetime
) -> int:
    """Make due now the pages of one archive load that it shows changed, or never read.

    Asked at most once per archive (the page's last attempt before the archive's date);
    a page disagreeing with its record is asked again after newer archives for
    ``policy.OPENDATA_RETRY`` after the record changed, then the disagreement is real.
    """
    params = {"leg": legislature, "type": type_, "loaded": loaded, "now": now,
              "retry": int(policy.OPENDATA_RETRY.total_seconds() * 1_000_000)}  # fmt: skip
    return _count(con.execute(MARK_DUE, params))
