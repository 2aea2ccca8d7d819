"""The page pipeline as plain functions: fetch → archive → extract (→ load, in
:mod:`flows.loading`).

Flows call these; nothing here imports Prefect, so the whole way of one page
can be tested, benchmarked and reasoned about without an orchestrator. Every
page ends as exactly one :class:`~warehouse.observation.Observation`, whatever went
wrong with it: a failure is data, recorded and retried, never a crash.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass, field
from typing import Any, Protocol

from extractors import ExtractionError, NotAQuestion, Question, extract
from extractors.http.client import FetchResult, PoliteClient
from extractors.invariants import violations
from extractors.uid import Uid
from warehouse.archive import RawArchive
from warehouse.observation import Observation, Outcome

log = logging.getLogger("anq.pipeline")

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True, slots=True)
class Target:
    """A page to ask for, with the validators of its last answer."""

    uid: Uid
    etag: str | None = None
    last_modified: str | None = None


@dataclass(slots=True)
class FieldFill:
    """Per template generation: pages seen, how many filled each field, how many
    broke each question invariant, and the key-data labels no reader knows."""

    pages: dict[str, int] = field(default_factory=dict)
    filled: dict[tuple[str, str], int] = field(default_factory=dict)
    #: (template, invariant name) -> pages breaking it.
    broken: dict[tuple[str, str], int] = field(default_factory=dict)
    #: (template, folded label) -> pages showing it.
    unknown_labels: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, question: Question) -> None:
        template = question.template or "unknown"
        self.pages[template] = self.pages.get(template, 0) + 1
        for name, value in question.as_row().items():
            if value is not None:
                key = (template, name)
                self.filled[key] = self.filled.get(key, 0) + 1
        for name in violations(question):
            _bump(self.broken, (template, name), 1)
        for label in question.unknown_labels:
            _bump(self.unknown_labels, (template, label), 1)

    def merge(self, other: FieldFill) -> None:
        for template, count in other.pages.items():
            self.pages[template] = self.pages.get(template, 0) + count
        for mine, theirs in (
            (self.filled, other.filled),
            (self.broken, other.broken),
            (self.unknown_labels, other.unknown_labels),
        ):
            for key, count in theirs.items():
                _bump(mine, key, count)

    def broken_by_invariant(self) -> dict[str, int]:
        """Pages breaking each invariant, all templates together."""
        out: dict[str, int] = {}
        for (_, name), count in self.broken.items():
            _bump(out, name, count)
        return out


def _bump(counts: dict[Any, int], key: Any, by: int) -> None:
    counts[key] = counts.get(key, 0) + by


@dataclass(slots=True)
class BatchResult:
    """What fetching one batch found: each number's outcome, field fill, requests.

    The batch's load counts come later (:mod:`flows.loading`), into the run's totals.
    """

    outcomes: dict[int, str]
    fill: FieldFill
    requests: int
    extracted: int


class Fetcher(Protocol):
    """What a run fetches batches with: :class:`Pipeline`, or
    :class:`flows.workers.ProcessFetcher` over worker processes."""

    def fetch(self, targets: Sequence[Target]) -> tuple[list[Observation], int]: ...

    def close(self) -> None: ...


#: Pages in flight at once. The pacer still spaces request *starts* at
#: ``--rate``; the threads only overlap waiting on the network with hashing,
#: compressing and parsing (zlib, hashlib and socket reads release the GIL).
WORKERS = 4


@dataclass(slots=True)
class Pipeline:
    """The pieces a run's fetching shares: one polite client, one archive, a clock."""

    client: PoliteClient
    archive: RawArchive
    clock: Clock
    workers: int = WORKERS

    def fetch(self, targets: Sequence[Target]) -> tuple[list[Observation], int]:
        """Fetch, archive and extract every target; the observations and the requests made."""
        before = self.client.requests_made
        with ThreadPoolExecutor(self.workers, thread_name_prefix="anq-page") as pool:
            # Each page runs in a copy of this thread's context, so Prefect's run
            # context (and with it the uid-first log lines) reaches the threads.
            futures = [
                pool.submit(copy_context().run, observe, self.client, self.archive, t, self.clock)
                for t in targets
            ]
            observations = [future.result() for future in futures]
        return observations, self.client.requests_made - before

    def close(self) -> None:
        """Nothing of its own to release: the client is the run's to close."""


def summarise(observations: Sequence[Observation], requests: int) -> BatchResult:
    """Collect per-number outcomes and field fill for discovery and drift alarms."""
    fill = FieldFill()
    outcomes: dict[int, str] = {}
    for obs in observations:
        outcomes[obs.uid.number] = obs.outcome
        if obs.question is not None:
            fill.add(obs.question)
    return BatchResult(outcomes, fill, requests, sum(fill.pages.values()))


def observe(client: PoliteClient, archive: RawArchive, target: Target, clock: Clock) -> Observation:
    """Ask for one page and turn whatever happened into an :class:`Observation`."""
    uid = target.uid
    result = client.fetch(uid.path(), etag=target.etag, last_modified=target.last_modified)
    fetched_at = clock()
    outcome = result.outcome
    if outcome == "ok" and result.body is not None:
        return _received(archive, uid, result, fetched_at)
    if outcome == "not_modified":
        return _observation(uid, result, fetched_at, "not_modified")
    if outcome == "not_found":
        return _observation(uid, result, fetched_at, "not_found")
    stage = "refused" if result.refused else "fetch"
    log.warning("%s: fetch failed: %s", uid, result.error)
    return _observation(
        uid, result, fetched_at, "failed", error=result.error or "no answer", error_stage=stage
    )


def _received(archive: RawArchive, uid: Uid, result: FetchResult, at: dt.datetime) -> Observation:
    """Raw first: archive the body, then parse it."""
    body = result.body or b""
    sha = archive.put(uid, body)
    raw = {"raw_sha256": sha, "raw_size": len(body)}
    try:
        parsed = extract(body, result.final_url)
    except ExtractionError as err:
        log.warning("%s: extraction failed on %s: %s", uid, err.field, err.reason)
        return _observation(
            uid,
            result,
            at,
            "failed",
            error=str(err),
            error_stage="extract",
            error_field=err.field,
            **raw,
        )
    except Exception as err:
        log.exception("%s: extractor crashed", uid)
        return _observation(
            uid,
            result,
            at,
            "failed",
            error=f"extractor crashed: {err!r}",
            error_stage="extract",
            **raw,
        )
    if isinstance(parsed, NotAQuestion):
        return _observation(uid, result, at, "not_found", **raw)
    if parsed.uid != str(uid):
        error = f"page holds {parsed.uid}, not {uid}"
        log.warning("%s: %s", uid, error)
        return _observation(uid, result, at, "failed", error=error, error_stage="extract", **raw)
    return _observation(uid, result, at, "question", question=parsed, **raw)


def _observation(
    uid: Uid, result: FetchResult, at: dt.datetime, outcome: Outcome, **extra: Any
) -> Observation:
    return Observation(
        uid=uid,
        url=result.final_url,
        fetched_at=at,
        outcome=outcome,
        http_status=result.status,
        etag=result.etag,
        last_modified=result.last_modified,
        **extra,
    )


def chunks(items: Iterable[Target], size: int) -> Iterable[list[Target]]:
    """Split targets into batches of at most ``size``."""
    batch: list[Target] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
