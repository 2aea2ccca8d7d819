"""Loading one batch of observations: the only place rows of ``questions`` are written
during a run (``rebuild.py`` rewrites them for ``anq reparse``).

One batch is one transaction. The batch is deduplicated on uid (last wins),
the prior state of its uids is read in one query, Python decides what each
observation means (new, changed, unchanged, ...), and each table is then
written by one set-based statement from a registered Arrow table (no per-row
``executemany``). A run killed between batches therefore leaves a consistent
file holding every batch it finished, counters included.

Decisions where the contract is silent:

* ``questions.url`` is the url of the *current version* (the page the current
  content was first read from). A later fetch that finds the same content at
  another URL (a redirect) changes only ``fetch_state.url``. This keeps every
  ``questions`` row equal to its open ``question_versions`` row and lets
  ``anq reparse`` rebuild the tables identically.
* ``newly_answered`` / ``newly_withdrawn`` count status transitions into
  ``answered`` / ``withdrawn`` *and* new questions that arrive already closed:
  both are closures the warehouse learnt about in this run.
* A 304 counts as ``not_modified`` and also as ``pages_unchanged``.
* On a failure the validators (etag, last_modified) of the last success are
  kept, so a retry is never answered 304 for a page that was not loaded.
* Any outcome other than ``failed`` (a 404 included) resolves the uid's open
  failures: the page has been settled. Hence a uid has open failures exactly
  when ``fetch_state.consecutive_failures > 0``, which spares a scan of ``failures``.
* ``fetch_state.raw_sha256`` remembers the last body logged in ``raw_pages``, so
  deciding whether a body is new needs no scan of ``raw_pages`` either.
* Replaying a batch is harmless: ``last_fetched_at`` only moves forward, and a
  failure with the same uid and time is recorded once and counted once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import duckdb
import pyarrow as pa

from extractors.model import QUESTION_COLUMNS, Question
from extractors.uid import Uid, make_uid
from warehouse import policy

Outcome = Literal["question", "not_modified", "not_found", "failed"]

_INT_COLUMNS = frozenset({"legislature", "number", "question_jo_page", "answer_jo_page"})
_DATE_COLUMNS = frozenset(
    {"question_published_on", "answer_published_on", "closed_on", "signaled_on"}
)


@dataclass(frozen=True)
class Observation:
    """One page asked for during a run, and what came of it."""

    uid: Uid
    url: str
    fetched_at: datetime
    outcome: Outcome
    question: Question | None = None
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    raw_sha256: str | None = None
    raw_size: int | None = None
    error: str | None = None
    error_stage: str | None = None
    error_field: str | None = None


@dataclass
class BatchCounts:
    """What one batch (or, summed with ``+``, one run) did; mirrors the ``runs`` counters."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    not_modified: int = 0
    not_found: int = 0
    failures: int = 0
    newly_answered: int = 0
    newly_withdrawn: int = 0

    def __add__(self, other: BatchCounts) -> BatchCounts:
        return BatchCounts(
            **{name: getattr(self, name) + getattr(other, name) for name in _COUNT_NAMES}
        )


_COUNT_NAMES = tuple(BatchCounts.__dataclass_fields__)


@dataclass(frozen=True)
class Target:
    """A page to (re)fetch, with the validators for a conditional request."""

    uid: Uid
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class _Prior:
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


@dataclass
class _Plan:
    """The rows each statement of the batch will write."""

    counts: BatchCounts = field(default_factory=BatchCounts)
    questions: list[dict[str, Any]] = field(default_factory=list)
    fetch_state: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    raw_pages: list[dict[str, Any]] = field(default_factory=list)
    resolve: bool = False


# ---------------------------------------------------------------- Arrow staging

#: Arrow types of the ``questions`` content columns (``uid`` .. ``signaled_on``).
QUESTION_TYPES: dict[str, pa.DataType] = {
    name: pa.int32()
    if name in _INT_COLUMNS
    else pa.date32()
    if name in _DATE_COLUMNS
    else pa.string()
    for name in QUESTION_COLUMNS
}
_TS = pa.timestamp("us")
_STAGE_QUESTION = {
    **QUESTION_TYPES,
    "kind": pa.string(),
    "fetched_at": _TS,
    "content_hash": pa.string(),
    "template": pa.string(),
}
_STAGE_OBS = {"uid": pa.string(), "fetched_at": _TS, "outcome": pa.string()}
_STAGE_RAW = {
    "uid": pa.string(),
    "sha256": pa.string(),
    "url": pa.string(),
    "fetched_at": _TS,
    "http_status": pa.int32(),
    "size": pa.int64(),
}
_STAGE_FETCH_STATE = {
    "uid": pa.string(),
    "legislature": pa.int32(),
    "type": pa.string(),
    "number": pa.int32(),
    "url": pa.string(),
    "etag": pa.string(),
    "last_modified": pa.string(),
    "last_outcome": pa.string(),
    "last_http_status": pa.int32(),
    "last_attempt_at": _TS,
    "last_success_at": _TS,
    "consecutive_failures": pa.int32(),
    "next_due_at": _TS,
    "raw_sha256": pa.string(),
}
_STAGE_FAILURE = {
    "uid": pa.string(),
    "url": pa.string(),
    "run_id": pa.string(),
    "stage": pa.string(),
    "error": pa.string(),
    "field": pa.string(),
    "sha256": pa.string(),
    "occurred_at": _TS,
}


def arrow_table(rows: Sequence[dict[str, Any]], types: dict[str, pa.DataType]) -> pa.Table:
    """Rows as an Arrow table with explicit types (an empty batch keeps its schema)."""
    return pa.table(
        {name: pa.array([row.get(name) for row in rows], type=t) for name, t in types.items()}
    )


def q(name: str) -> str:
    """Quote an identifier taken from this module's constants ("analyse" is reserved)."""
    return '"' + name.replace('"', '""') + '"'


def question_row(question: Question) -> dict[str, Any]:
    """The content columns of ``question`` plus its hash and template, ready to stage."""
    row = {name: getattr(question, name) for name in QUESTION_COLUMNS}
    row["content_hash"] = question.content_hash()
    row["template"] = question.template or None
    return row


_CONTENT = ", ".join(q(c) for c in QUESTION_COLUMNS)
_S_CONTENT = ", ".join("s." + q(c) for c in QUESTION_COLUMNS)
_SET_CONTENT = ", ".join(f"{q(c)} = s.{q(c)}" for c in QUESTION_COLUMNS if c != "uid")

_READ_PRIOR = """
WITH k AS (SELECT unnest(?::VARCHAR[]) AS uid)
SELECT k.uid, qu.content_hash, qu.status, qu.question_published_on,
       f.etag, f.last_modified, f.consecutive_failures, f.last_attempt_at,
       f.last_outcome, f.last_success_at, f.raw_sha256
FROM k
LEFT JOIN questions AS qu ON qu.uid = k.uid
LEFT JOIN fetch_state AS f ON f.uid = k.uid
"""
_INSERT_RAW = """
INSERT INTO raw_pages (uid, sha256, url, fetched_at, http_status, size)
SELECT uid, sha256, url, fetched_at, http_status, size FROM stage_raw
ON CONFLICT DO NOTHING
"""
_INSERT_QUESTIONS = f"""
INSERT INTO questions ({_CONTENT}, first_seen_at, last_fetched_at, last_changed_at,
    template, content_hash)
SELECT {_S_CONTENT}, s.fetched_at, s.fetched_at, s.fetched_at, s.template, s.content_hash
FROM stage_q AS s WHERE s.kind = 'new'
"""
_UPDATE_CHANGED = f"""
UPDATE questions AS t SET {_SET_CONTENT},
    last_fetched_at = s.fetched_at, last_changed_at = s.fetched_at,
    template = s.template, content_hash = s.content_hash
FROM stage_q AS s WHERE t.uid = s.uid AND s.kind = 'changed'
"""
_UPDATE_TOUCHED = """
UPDATE questions AS t SET last_fetched_at = s.fetched_at
FROM stage_q AS s WHERE t.uid = s.uid AND s.kind = 'touch' AND s.fetched_at > t.last_fetched_at
"""
_CLOSE_VERSIONS = """
UPDATE question_versions AS v SET valid_to = s.fetched_at FROM stage_q AS s
WHERE v.uid = s.uid AND s.kind = 'changed' AND v.valid_to IS NULL
"""
_INSERT_VERSIONS = f"""
INSERT INTO question_versions ({_CONTENT}, version, valid_from, valid_to, content_hash, template)
SELECT {_S_CONTENT},
    CASE WHEN s.kind = 'new' THEN 1
         ELSE (SELECT max(v.version) FROM question_versions AS v WHERE v.uid = s.uid) + 1 END,
    s.fetched_at, NULL, s.content_hash, s.template
FROM stage_q AS s WHERE s.kind IN ('new', 'changed')
"""
_RESOLVE_FAILURES = """
UPDATE failures AS f SET resolved_at = s.fetched_at FROM stage_obs AS s
WHERE f.uid = s.uid AND s.outcome <> 'failed' AND f.resolved_at IS NULL
  AND f.occurred_at <= s.fetched_at
"""
_INSERT_FAILURES = """
INSERT INTO failures (uid, url, run_id, stage, error, field, sha256, occurred_at)
SELECT s.uid, s.url, s.run_id, s.stage, s.error, s.field, s.sha256, s.occurred_at
FROM stage_fail AS s
WHERE NOT EXISTS (SELECT 1 FROM failures AS f WHERE f.uid = s.uid AND f.occurred_at = s.occurred_at)
"""
_FETCH_STATE_COLUMNS = ", ".join(_STAGE_FETCH_STATE)
_SET_FETCH_STATE = ", ".join(f"{c} = s.{c}" for c in _STAGE_FETCH_STATE if c != "uid")
_UPSERT_FETCH_STATE = f"""
MERGE INTO fetch_state AS t USING stage_fs AS s ON t.uid = s.uid
WHEN MATCHED THEN UPDATE SET {_SET_FETCH_STATE}
WHEN NOT MATCHED THEN INSERT ({_FETCH_STATE_COLUMNS}) VALUES ({_FETCH_STATE_COLUMNS})
"""
_BUMP_RUN = """
UPDATE runs SET requests = requests + ?, pages_new = pages_new + ?,
    pages_changed = pages_changed + ?, pages_unchanged = pages_unchanged + ?,
    not_found = not_found + ?, failures = failures + ?, not_modified = not_modified + ?,
    newly_answered = newly_answered + ?, newly_withdrawn = newly_withdrawn + ?
WHERE run_id = ?
"""


# ---------------------------------------------------------------- load_batch


def load_batch(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    observations: Sequence[Observation],
    *,
    requests: int = 0,
) -> BatchCounts:
    """Load one batch in one transaction and add its counts to the run ``run_id``.

    ``requests`` is the number of HTTP requests the batch cost (retries
    included), added to ``runs.requests``.
    """
    batch = list({str(o.uid): o for o in observations}.values())
    con.execute("BEGIN TRANSACTION")
    try:
        prior = _read_prior(con, [str(o.uid) for o in batch])
        plan = _plan(batch, prior, run_id)
        _write(con, batch, plan)
        _bump_run(con, run_id, plan.counts, requests)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return plan.counts


def _read_prior(con: duckdb.DuckDBPyConnection, uids: list[str]) -> dict[str, _Prior]:
    if not uids:
        return {}
    rows = con.execute(_READ_PRIOR, [uids]).fetchall()
    return {
        row[0]: _Prior(
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


def _plan(batch: list[Observation], prior: dict[str, _Prior], run_id: str) -> _Plan:
    plan = _Plan()
    for obs in batch:
        if obs.fetched_at.tzinfo is not None:
            raise ValueError(f"{obs.uid}: fetched_at must be naive UTC, got {obs.fetched_at!r}")
        before = prior.get(str(obs.uid), _Prior())
        status, published = before.status, before.published_on
        if obs.outcome == "question":
            status, published = _plan_question(plan, obs, before)
        elif obs.outcome == "not_modified":
            plan.counts.not_modified += 1
            plan.counts.unchanged += 1
            if before.content_hash is not None:
                plan.questions.append(
                    {"uid": str(obs.uid), "kind": "touch", "fetched_at": obs.fetched_at}
                )
        elif obs.outcome == "not_found":
            plan.counts.not_found += 1
            status = None
        elif obs.outcome == "failed":
            _plan_failure(plan, obs, before, run_id)
        else:
            raise ValueError(f"{obs.uid}: unknown outcome {obs.outcome!r}")
        plan.fetch_state.append(_fetch_state_row(obs, before, status, published))
        plan.resolve |= before.failures > 0 and obs.outcome != "failed"
        if obs.raw_sha256 is not None and obs.raw_sha256 != before.raw_sha256:
            plan.raw_pages.append(_raw_row(obs))
    return plan


def _plan_question(plan: _Plan, obs: Observation, before: _Prior) -> tuple[str, date | None]:
    if obs.question is None:
        raise ValueError(f"{obs.uid}: outcome 'question' without a Question")
    if obs.question.uid != str(obs.uid):
        raise ValueError(f"{obs.uid}: observation carries question {obs.question.uid}")
    row = question_row(obs.question)
    row["fetched_at"] = obs.fetched_at
    new_status = obs.question.status
    if before.content_hash is None:
        row["kind"] = "new"
        plan.counts.new += 1
    elif before.content_hash != row["content_hash"]:
        row["kind"] = "changed"
        plan.counts.changed += 1
    else:
        row = {"uid": str(obs.uid), "kind": "touch", "fetched_at": obs.fetched_at}
        plan.counts.unchanged += 1
    if row["kind"] != "touch" and new_status != before.status:
        plan.counts.newly_answered += new_status == "answered"
        plan.counts.newly_withdrawn += new_status == "withdrawn"
    plan.questions.append(row)
    return new_status, obs.question.question_published_on


def _plan_failure(plan: _Plan, obs: Observation, before: _Prior, run_id: str) -> None:
    if _is_replay(obs, before):
        return
    plan.counts.failures += 1
    plan.failures.append(
        {
            "uid": str(obs.uid),
            "url": obs.url,
            "run_id": run_id,
            "stage": obs.error_stage or "fetch",
            "error": obs.error or "unknown error",
            "field": obs.error_field,
            "sha256": obs.raw_sha256,
            "occurred_at": obs.fetched_at,
        }
    )


def _is_replay(obs: Observation, before: _Prior) -> bool:
    """A failure already recorded by an earlier load of this very observation."""
    return before.last_outcome == "failed" and before.last_attempt_at == obs.fetched_at


def _fetch_state_row(
    obs: Observation, before: _Prior, status: str | None, published: date | None
) -> dict[str, Any]:
    failed = obs.outcome == "failed"
    if failed:
        failures = before.failures + (0 if _is_replay(obs, before) else 1)
        etag, last_modified = before.etag, before.last_modified
    else:
        failures = 0
        etag, last_modified = obs.etag, obs.last_modified
        if obs.outcome == "not_modified":
            etag, last_modified = etag or before.etag, last_modified or before.last_modified
    return {
        "uid": str(obs.uid),
        "legislature": obs.uid.legislature,
        "type": obs.uid.type,
        "number": obs.uid.number,
        "url": obs.url,
        "etag": etag,
        "last_modified": last_modified,
        "last_outcome": obs.outcome,
        "last_http_status": obs.http_status,
        "last_attempt_at": obs.fetched_at,
        "last_success_at": before.last_success_at if failed else obs.fetched_at,
        "consecutive_failures": failures,
        "next_due_at": policy.next_due(status, published, obs.fetched_at, failures),
        "raw_sha256": obs.raw_sha256 or before.raw_sha256,
    }


def _write(con: duckdb.DuckDBPyConnection, batch: list[Observation], plan: _Plan) -> None:
    """Run only the statements this batch needs: each costs a few ms even when idle."""
    kinds = {row["kind"] for row in plan.questions}
    steps: list[tuple[bool, str, str, list[dict[str, Any]], dict[str, pa.DataType]]] = [
        (bool(plan.raw_pages), _INSERT_RAW, "stage_raw", plan.raw_pages, _STAGE_RAW),
        ("new" in kinds, _INSERT_QUESTIONS, "stage_q", plan.questions, _STAGE_QUESTION),
        ("changed" in kinds, _UPDATE_CHANGED, "stage_q", plan.questions, _STAGE_QUESTION),
        ("touch" in kinds, _UPDATE_TOUCHED, "stage_q", plan.questions, _STAGE_QUESTION),
        ("changed" in kinds, _CLOSE_VERSIONS, "stage_q", plan.questions, _STAGE_QUESTION),
        (bool(kinds - {"touch"}), _INSERT_VERSIONS, "stage_q", plan.questions, _STAGE_QUESTION),
        (plan.resolve, _RESOLVE_FAILURES, "stage_obs", [_obs_row(o) for o in batch], _STAGE_OBS),
        (bool(plan.failures), _INSERT_FAILURES, "stage_fail", plan.failures, _STAGE_FAILURE),
        (bool(batch), _UPSERT_FETCH_STATE, "stage_fs", plan.fetch_state, _STAGE_FETCH_STATE),
    ]
    registered: set[str] = set()
    try:
        for wanted, sql, name, rows, types in steps:
            if not wanted:
                continue
            if name not in registered:
                con.register(name, arrow_table(rows, types))
                registered.add(name)
            con.execute(sql)
    finally:
        for name in registered:
            con.unregister(name)


def _obs_row(obs: Observation) -> dict[str, Any]:
    return {"uid": str(obs.uid), "fetched_at": obs.fetched_at, "outcome": obs.outcome}


def _raw_row(obs: Observation) -> dict[str, Any]:
    """A ``raw_pages`` row: this body differs from the last one archived for the uid."""
    return {
        "uid": str(obs.uid),
        "sha256": obs.raw_sha256,
        "url": obs.url,
        "fetched_at": obs.fetched_at,
        "http_status": obs.http_status or 200,
        "size": obs.raw_size or 0,
    }


def _bump_run(
    con: duckdb.DuckDBPyConnection, run_id: str, counts: BatchCounts, requests: int
) -> None:
    values = [
        requests,
        counts.new,
        counts.changed,
        counts.unchanged,
        counts.not_found,
        counts.failures,
        counts.not_modified,
        counts.newly_answered,
        counts.newly_withdrawn,
    ]
    updated = con.execute(_BUMP_RUN, [*values, run_id]).fetchone()
    if updated is None or updated[0] != 1:
        raise ValueError(f"no run {run_id!r} in the runs table: start_run() first")


# ---------------------------------------------------------------- queries for the flows


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
    ``all_open``) and every uid whose last attempt failed, in uid order.

    An open question with no ``next_due_at`` counts as due. Validators are given
    only where a question is held, so that a 304 always means "what we hold is current".
    """
    rows = con.execute(
        """
        SELECT f.legislature, f.type, f.number, f.url,
               CASE WHEN qu.uid IS NOT NULL THEN f.etag END,
               CASE WHEN qu.uid IS NOT NULL THEN f.last_modified END
        FROM fetch_state AS f LEFT JOIN questions AS qu ON qu.uid = f.uid
        WHERE list_contains(?::INTEGER[], f.legislature) AND list_contains(?::VARCHAR[], f.type)
          AND (f.last_outcome = 'failed' OR (qu.status = 'open'
               AND (? OR f.next_due_at IS NULL OR f.next_due_at <= ?)))
        ORDER BY f.legislature, f.type, f.number
        """,
        [list(legislatures), list(types), all_open, now],
    ).fetchall()
    return [Target(make_uid(r[0], r[1], r[2]), r[3], r[4], r[5]) for r in rows]


def count_due(con: duckdb.DuckDBPyConnection, now: datetime) -> int:
    """How many pages a ``sync`` run at ``now`` would refresh (all legislatures and types)."""
    row = con.execute(
        """
        SELECT count(*) FROM fetch_state AS f LEFT JOIN questions AS qu ON qu.uid = f.uid
        WHERE f.last_outcome = 'failed'
           OR (qu.status = 'open' AND (f.next_due_at IS NULL OR f.next_due_at <= ?))
        """,
        [now],
    ).fetchone()
    return int(row[0]) if row is not None else 0


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
