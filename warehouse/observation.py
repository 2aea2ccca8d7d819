"""A page to ask for, and what became of it: the units the pipeline and the loader share.

Its own module, free of DuckDB and Arrow: the pipeline that builds
observations (:mod:`flows.pipeline`) needs nothing of :mod:`warehouse.load`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from extractors.model import Question
from extractors.uid import Uid
from warehouse.warc import RecordAt

Outcome = Literal["question", "not_modified", "not_found", "failed"]


@dataclass(frozen=True, slots=True)
class Target:
    """A page to ask for, with the validators of its last answer (for a conditional GET)."""

    uid: Uid
    etag: str | None = None
    last_modified: str | None = None


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
    raw_at: RecordAt | None = None  # where the body's WARC record is
    error: str | None = None
    error_stage: str | None = None
    error_field: str | None = None
