"""What each observation of a batch means against its uid's prior state.

A page read as a question is new, changed or unchanged; the others are not
modified, not found or failed. :func:`plan_batch` turns a batch into the rows
each statement of :mod:`warehouse.load` will write and the counts it adds to the
run; :func:`plan_question` is the part ``anq reparse`` shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from warehouse import policy
from warehouse import staging as st
from warehouse.observation import Observation
from warehouse.queries import Prior


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
class Plan:
    """The rows each statement of the batch will write."""

    counts: BatchCounts = field(default_factory=BatchCounts)
    questions: list[dict[str, Any]] = field(default_factory=list)
    fetch_state: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    raw_pages: list[dict[str, Any]] = field(default_factory=list)
    resolve: bool = False


def plan_batch(batch: list[Observation], prior: dict[str, Prior], run_id: str) -> Plan:
    plan = Plan()
    for obs in batch:
        check_time(obs)
        before = prior.get(str(obs.uid), Prior())
        status, published = before.status, before.published_on
        if obs.outcome == "question":
            status, published = plan_question(plan, obs, before)
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


def check_time(obs: Observation) -> None:
    if obs.fetched_at.tzinfo is not None:
        raise ValueError(f"{obs.uid}: fetched_at must be naive UTC, got {obs.fetched_at!r}")


def plan_question(plan: Plan, obs: Observation, before: Prior) -> tuple[str, date | None]:
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


def _plan_failure(plan: Plan, obs: Observation, before: Prior, run_id: str) -> None:
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
