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
import threading
from collections.abc import Callable, Iterable, Sequence
from contextvars import copy_context
from dataclasses import dataclass, field
from typing import Any

from extractors import ExtractionError, NotAQuestion, Question, extract
from extractors.http.client import PoliteClient
from extractors.http.result import FetchResult
from extractors.invariants import violations
from extractors.uid import Uid
from warehouse.archive import RawArchive
from warehouse.observation import Observation, Outcome, Target
from warehouse.warc import Response

log = logging.getLogger("anq.pipeline")

Clock = Callable[[], dt.datetime]


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


#: Pages in flight at once. The pacer still spaces request *starts* at
#: ``--rate``; the threads only overlap waiting on the network with hashing,
#: compressing and parsing (zlib, hashlib and socket reads release the GIL).
WORKERS = 4

#: How often (seconds) the waiting thread looks whether the run must stop.
WAKE = 0.2


def _never() -> None:
    """A run that cannot be stopped from outside (tests, benchmarks)."""


@dataclass(slots=True)
class Pipeline:
    """The pieces a run's fetching shares: one polite client, one archive, a clock.

    ``check`` is called while a batch is waited for and raises to abandon it
    (:class:`flows.stopping.RunStopped`): the page threads are daemons that
    nobody joins, so a thread stuck in a socket read cannot hold the run.
    """

    client: PoliteClient
    archive: RawArchive
    clock: Clock
    workers: int = WORKERS
    check: Callable[[], None] = _never

    def fetch(self, targets: Sequence[Target]) -> tuple[list[Observation], int]:
        """Fetch, archive and extract every target; the observations and the requests made."""
        before = self.client.requests_made
        batch = _Batch(self, targets)
        for _ in range(min(self.workers, len(targets))):
            # Each thread runs in a copy of this thread's context, so Prefect's run
            # context (and with it the uid-first log lines) reaches it.
            work = copy_context().run
            threading.Thread(target=work, args=(batch.work,), name="anq-page", daemon=True).start()
        try:
            while not batch.done.wait(WAKE):
                self.check()
        finally:
            batch.abandoned = True  # a no-op once done; else no thread takes another page
        return batch.results(), self.client.requests_made - before


class _Batch:
    """One batch's pages, taken in turn by the page threads; ``done`` when all are in."""

    def __init__(self, pipeline: Pipeline, targets: Sequence[Target]) -> None:
        self.pipeline = pipeline
        self.targets = list(targets)
        self.observations: list[Observation | None] = [None] * len(self.targets)
        self.error: BaseException | None = None
        self.abandoned = False
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._next = 0
        self._left = len(self.targets)
        if not self.targets:
            self.done.set()

    def work(self) -> None:
        """A page thread: observe pages until none is left (or the batch is abandoned)."""
        p = self.pipeline
        while (i := self._take()) is not None:
            try:
                self.observations[i] = observe(p.client, p.archive, self.targets[i], p.clock)
            except BaseException as err:  # raised in the waiting thread, as a pool would
                self.error = self.error or err
            with self._lock:
                self._left -= 1
                if self._left == 0 or self.error is not None:
                    self.done.set()

    def _take(self) -> int | None:
        with self._lock:
            if self.abandoned or self.error is not None or self._next >= len(self.targets):
                return None
            self._next += 1
            return self._next - 1

    def results(self) -> list[Observation]:
        """Every page's observation, in the targets' order (the first error raised)."""
        if self.error is not None:
            raise self.error
        done = [obs for obs in self.observations if obs is not None]
        if len(done) != len(self.targets):
            raise RuntimeError(f"{len(self.targets) - len(done)} pages of the batch unanswered")
        return done


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
    stored = archive.put(uid, body, _response(result, at))
    raw = {"raw_sha256": stored.sha256, "raw_size": len(body), "raw_at": stored.at}
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


def _response(result: FetchResult, at: dt.datetime) -> Response:
    """What the archive's record says of the answer besides its body."""
    status = result.status if result.status is not None else 200
    return Response(
        result.final_url, at, status, result.reason, result.http_version, result.headers
    )


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
