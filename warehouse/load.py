"""Loading one batch of observations: the only place rows of ``questions`` and
``question_versions`` are written, by a fetch (:func:`load_batch`) and by
``anq reparse`` replaying the archive (:func:`load_questions`). Both decide what
a question observation means with the same function and write it with the same
statements, so a replay gives back what the fetches wrote.

One batch is one transaction. The batch is deduplicated on uid (last wins),
the prior state of its uids is read in one query, Python decides what each
observation means (new, changed, unchanged, ...), and each table is then
written by one set-based statement from a staged temporary table (no per-row
``executemany``; the stage tables and statements are in :mod:`warehouse.staging`).
A run killed between batches therefore leaves a consistent file holding every
batch it finished, counters included.

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

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from warehouse import policy
from warehouse import staging as st
from warehouse.observation import Observation, Outcome
from warehouse.queries import Prior, read_prior, read_question_prior

__all__ = ["BatchCounts", "Observation", "Outcome", "load_batch", "load_questions"]


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


@dataclass
class _Plan:
    """The rows each statement of the batch will write."""

    counts: BatchCounts = field(default_factory=BatchCounts)
    questions: list[dict[str, Any]] = field(default_factory=list)
    fetch_state: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    raw_pages: list[dict[str, Any]] = field(default_factory=list)
    resolve: bool = False


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
        prior = read_prior(con, [str(o.uid) for o in batch])
        plan = _plan(batch, prior, run_id)
        _write(con, batch, plan)
        _bump_run(con, run_id, plan.counts, requests)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return plan.counts


def load_questions(
    con: duckdb.DuckDBPyConnection,
    observations: Sequence[Observation],
    *,
    new: Collection[str] = frozenset(),
) -> BatchCounts:
    """Apply question observations to ``questions`` and ``question_versions`` only.

    What ``anq reparse`` does with each page it replays, in fetch order: the
    fetch state, raw page log, failures and runs of the original fetches stay
    as they are. One transaction; each uid at most once per batch (a uid's
    pages are replayed one batch after the other, in order). The uids in
    ``new`` are known to have no row yet and are not looked up (were one held,
    its insert would fail on the primary key, not load).
    """
    batch = list({str(o.uid): o for o in observations}.values())
    con.execute("BEGIN TRANSACTION")
    try:
        prior = read_question_prior(con, [str(o.uid) for o in batch if str(o.uid) not in new])
        plan = _Plan()
        for obs in batch:
            _check_time(obs)
            _plan_question(plan, obs, prior.get(str(obs.uid), Prior()))
        st.run_steps(con, _question_steps(plan.questions))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return plan.counts


def _plan(batch: list[Observation], prior: dict[str, Prior], run_id: str) -> _Plan:
    plan = _Plan()
    for obs in batch:
        _check_time(obs)
        before = prior.get(str(obs.uid), Prior())
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


def _check_time(obs: Observation) -> None:
    if obs.fetched_at.tzinfo is not None:
        raise ValueError(f"{obs.uid}: fetched_at must be naive UTC, got {obs.fetched_at!r}")


def _plan_question(plan: _Plan, obs: Observation, before: Prior) -> tuple[str, date | None]:
    """What a page read as a question means against the prior state: new, changed or touch."""
    if obs.question is None:
        raise ValueError(f"{obs.uid}: outcome 'question' without a Question")
    if obs.question.uid != str(obs.uid):
        raise ValueError(f"{obs.uid}: observation carries question {obs.question.uid}")
    row = st.question_row(obs.question)
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


def _plan_failure(plan: _Plan, obs: Observation, before: Prior, run_id: str) -> None:
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


def _is_replay(obs: Observation, before: Prior) -> bool:
    """A failure already recorded by an earlier load of this very observation."""
    return before.last_outcome == "failed" and before.last_attempt_at == obs.fetched_at


def _fetch_state_row(
    obs: Observation, before: Prior, status: str | None, published: date | None
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
    obs_rows = [_obs_row(o) for o in batch]
    steps: list[st.Step] = [
        (bool(plan.raw_pages), st.INSERT_RAW, "stage_raw", plan.raw_pages, st.STAGE_RAW),
        *_question_steps(plan.questions),
        (plan.resolve, st.RESOLVE_FAILURES, "stage_obs", obs_rows, st.STAGE_OBS),
        (bool(plan.failures), st.INSERT_FAILURES, "stage_fail", plan.failures, st.STAGE_FAILURE),
        (bool(batch), st.UPSERT_FETCH_STATE, "stage_fs", plan.fetch_state, st.STAGE_FETCH_STATE),
    ]
    st.run_steps(con, steps)


def _question_steps(rows: list[dict[str, Any]]) -> list[st.Step]:
    """The writes of ``questions`` and ``question_versions`` for the planned rows."""
    kinds = {row["kind"] for row in rows}
    return [
        ("new" in kinds, st.INSERT_QUESTIONS, "stage_q", rows, st.STAGE_QUESTION),
        ("changed" in kinds, st.UPDATE_CHANGED, "stage_q", rows, st.STAGE_QUESTION),
        ("touch" in kinds, st.UPDATE_TOUCHED, "stage_q", rows, st.STAGE_QUESTION),
        ("changed" in kinds, st.CLOSE_VERSIONS, "stage_q", rows, st.STAGE_QUESTION),
        (bool(kinds - {"touch"}), st.INSERT_VERSIONS, "stage_q", rows, st.STAGE_QUESTION),
    ]


def _obs_row(obs: Observation) -> dict[str, Any]:
    return {"uid": str(obs.uid), "fetched_at": obs.fetched_at, "outcome": obs.outcome}


def _raw_row(obs: Observation) -> dict[str, Any]:
    """A ``raw_pages`` row: this body differs from the last one archived for the uid."""
    at = obs.raw_at
    return {
        "uid": str(obs.uid),
        "sha256": obs.raw_sha256,
        "url": obs.url,
        "fetched_at": obs.fetched_at,
        "http_status": obs.http_status or 200,
        "size": obs.raw_size or 0,
        "warc_file": None if at is None else at.file,
        "warc_offset": None if at is None else at.offset,
        "warc_length": None if at is None else at.length,
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
    updated = con.execute(st.BUMP_RUN, [*values, run_id]).fetchone()
    if updated is None or updated[0] != 1:
        raise ValueError(f"no run {run_id!r} in the runs table: start_run() first")
