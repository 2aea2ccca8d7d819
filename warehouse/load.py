"""Loading one batch of observations: the only place rows of ``questions`` and
``question_versions`` are written, by a fetch (:func:`load_batch`) and by
``anq reparse`` replaying the archive (:func:`load_questions`). Both decide what
a question observation means with the same function and write it with the same
statements, so a replay gives back what the fetches wrote.

One batch is one transaction. The batch is deduplicated on uid (last wins),
the prior state of its uids is read in one query, Python decides what each
observation means (new, changed, unchanged, ...; in :mod:`warehouse.load_plan`),
and each table is then written by one set-based statement from a staged
temporary table (no per-row ``executemany``; the stage tables and statements
are in :mod:`warehouse.staging`).
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
from typing import Any

import duckdb

from warehouse import staging as st
from warehouse.load_plan import BatchCounts, Plan, check_time, plan_batch, plan_question
from warehouse.observation import Observation
from warehouse.queries import Prior, read_prior, read_question_prior

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
        plan = plan_batch(batch, prior, run_id)
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
        plan = Plan()
        for obs in batch:
            check_time(obs)
            plan_question(plan, obs, prior.get(str(obs.uid), Prior()))
        st.run_steps(con, _question_steps(plan.questions))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return plan.counts


def _write(con: duckdb.DuckDBPyConnection, batch: list[Observation], plan: Plan) -> None:
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
