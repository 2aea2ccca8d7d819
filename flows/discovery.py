"""Finding question numbers: upward probing with gap tolerance, and the latest number.

Numbers are dense but not gapless, so "the end" is a run of consecutive
"no question here" answers (404, or 200 with an error page). Probes go
through the same batches as any page, so every question found is loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from extractors.uid import make_uid
from flows import progress
from flows.pipeline import BatchResult
from warehouse.observation import Target

Batch = Callable[[list[Target]], BatchResult]


def probe_upward(
    batch: Batch,
    legislature: int,
    type_: str,
    start: int,
    *,
    miss_run: int,
    batch_size: int,
    settled: Mapping[int, bool] | None = None,
    stop: int | None = None,
) -> int:
    """Fetch numbers from ``start`` up until ``miss_run`` consecutive misses.

    Batches start small (``miss_run`` pages) and double while questions keep
    coming, so the nightly probe past the end costs about ``miss_run``
    requests. Numbers in ``settled`` (number -> holds a question) are skipped
    but counted as the hits or misses they were, so a resumed backfill stops
    at the same place. A failed
    fetch counts as a miss here (it is retried next run), so a dead site
    cannot keep discovery going. Returns the number of questions found.
    """
    settled = settled or {}
    number, misses, size, found = start, 0, miss_run, 0
    while misses < miss_run and (stop is None or number <= stop):
        end = number + size if stop is None else min(number + size, stop + 1)
        span = _span(number, end, settled, misses, miss_run)
        todo = [Target(make_uid(legislature, type_, n)) for n in span if n not in settled]
        outcomes = _outcomes(batch, todo)
        hits = 0
        for n in span:
            hit = settled[n] if n in settled else outcomes.get(n) == "question"
            misses = 0 if hit else misses + 1
            hits += hit
        found += hits
        number += len(span)
        # Grow while questions keep coming; past a miss, ask only what could end the run.
        size = min(batch_size, size * 2) if misses == 0 else max(1, miss_run - misses)
    return found


def _span(
    start: int, end: int, settled: Mapping[int, bool], misses: int, miss_run: int
) -> list[int]:
    """Numbers ``start..end-1``, cut short where settled misses alone end the run."""
    span: list[int] = []
    for n in range(start, end):
        span.append(n)
        if settled.get(n, True):  # a question, or unknown (it may hold one)
            misses = 0
        else:
            misses += 1
            if misses >= miss_run:
                break
    return span


def find_last(batch: Batch, legislature: int, type_: str, *, width: int = 3) -> int:
    """Highest existing number, by galloping then bisecting (0 when none).

    A number "exists" when any of ``width`` consecutive numbers from it holds
    a question, which tolerates small gaps. About 4·log2(N) requests.
    """

    def exists(n: int) -> bool:
        span = [Target(make_uid(legislature, type_, k)) for k in range(n, n + width)]
        return "question" in _outcomes(batch, span).values()

    low, high = 0, 1
    while exists(high):
        low, high = high, high * 2
    while high - low > 1:
        mid = (low + high) // 2
        if exists(mid):
            low = mid
        else:
            high = mid
    return low


def _outcomes(batch: Batch, targets: list[Target]) -> dict[int, str]:
    if not targets:
        return {}
    progress.add_total(len(targets))
    return batch(targets).outcomes
