"""Discovery against a scripted site: which numbers are asked, where it stops."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from flows.discovery import find_last, probe_upward
from flows.pipeline import BatchResult, FieldFill
from warehouse.observation import Target


def scripted(existing: set[int], asked: list[int]) -> Callable[[list[Target]], BatchResult]:
    """A batch function answering "question" for ``existing`` numbers, recording asks."""

    def batch(targets: list[Target]) -> BatchResult:
        asked.extend(t.uid.number for t in targets)
        outcomes = {
            t.uid.number: "question" if t.uid.number in existing else "not_found" for t in targets
        }
        return BatchResult(outcomes, FieldFill(), len(targets), 0)

    return batch


def run_probe(existing: set[int], start: int = 1, **kw: object) -> tuple[int, list[int]]:
    asked: list[int] = []
    found = probe_upward(
        scripted(existing, asked),
        16,
        "QE",
        start,
        miss_run=3,
        batch_size=50,
        **kw,  # type: ignore[arg-type]
    )
    return found, asked


def test_probe_finds_every_question_across_gaps() -> None:
    found, _ = run_probe({1, 2, 4, 5, 7, 8, 9})
    assert found == 7


def test_probe_stops_within_one_batch_after_the_end() -> None:
    """Batches of 3, 6, 12 from 1: the end (10) falls in the third, which is the last."""
    _, asked = run_probe(set(range(1, 11)))
    assert max(asked) == 21


def test_probe_never_asks_below_start() -> None:
    _, asked = run_probe(set(range(1, 30)), start=20)
    assert min(asked) == 20


def test_probe_skips_settled_numbers() -> None:
    _, asked = run_probe(set(range(1, 10)), settled={n: True for n in range(1, 6)})
    assert not set(asked) & set(range(1, 6))


def test_settled_misses_count_towards_the_run() -> None:
    """A resumed backfill whose earlier run already saw the end stops at once."""
    settled = {**{n: True for n in range(1, 10)}, 10: False, 11: False, 12: False}
    _, asked = run_probe(set(range(1, 10)), settled=settled)
    assert asked == []


def test_after_a_miss_only_what_could_end_the_run_is_asked() -> None:
    """1..3 found, 4 missing, 5 found in the 6-wide batch 4..9, then 3 misses end it."""
    _, asked = run_probe({1, 2, 3, 5})
    assert asked == list(range(1, 10))


def test_probe_empty_legislature_costs_miss_run() -> None:
    _, asked = run_probe(set())
    assert asked == [1, 2, 3]


@pytest.mark.parametrize("last", [1, 2, 7, 100, 1234, 5000])
def test_find_last(last: int) -> None:
    existing = set(range(1, last + 1)) - {last - 1} if last > 2 else set(range(1, last + 1))
    assert find_last(scripted(existing, []), 16, "QE") in {last, last - 1, last - 2}


def test_find_last_of_nothing_is_zero() -> None:
    assert find_last(scripted(set(), []), 16, "QE") == 0
