"""The pacer, backoff and Retry-After parsing, on a fake clock (no network)."""

from __future__ import annotations

import itertools
import math
import random
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.http.pacing import Pacer, backoff_delay, parse_retry_after
from tests.fetch.conftest import EPOCH, FakeClock


def _starts(pacer: Pacer, clock: FakeClock, gaps: list[float]) -> list[float]:
    """Call ``wait`` after each idle gap; return the start times granted."""
    starts = []
    for gap in gaps:
        clock.sleep(gap)
        pacer.wait()
        starts.append(clock.t)
    return starts


def _peak(starts: list[float], window: float = 1.0) -> int:
    return max(sum(1 for t in starts if s <= t < s + window) for s in starts)


@settings(max_examples=150, deadline=None)
@given(
    rate=st.floats(min_value=0.2, max_value=50),
    gaps=st.lists(st.floats(min_value=0, max_value=0.7), min_size=2, max_size=80),
)
def test_never_more_than_rate_in_any_window(rate: float, gaps: list[float]) -> None:
    clock = FakeClock()
    starts = _starts(Pacer(rate, clock), clock, gaps)
    assert _peak(starts) <= max(math.floor(rate), 1)
    assert all(b - a >= 1 / rate for a, b in itertools.pairwise(starts))


def test_evenly_spaced_at_full_speed() -> None:
    clock = FakeClock()
    starts = _starts(Pacer(4, clock), clock, [0.0] * 9)
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(starts)]
    assert all(0.25 <= g <= 0.30 for g in gaps)  # never a burst, never a long stall


@pytest.mark.parametrize("rate", [None, 0])
def test_rate_off_never_waits(rate: float | None) -> None:
    clock = FakeClock()
    _starts(Pacer(rate, clock), clock, [0.0] * 20)
    assert clock.t == 1000.0


def test_crawl_delay_wins_over_a_faster_rate() -> None:
    clock = FakeClock()
    pacer = Pacer(10, clock)
    pacer.crawl_delay = 1.5
    starts = _starts(pacer, clock, [0.0] * 3)
    assert starts[2] - starts[0] >= 3.0


def test_penalty_holds_then_slows_then_recovers() -> None:
    clock = FakeClock()
    pacer = Pacer(2, clock, slowdown_period=60)
    pacer.wait()
    pacer.penalize(10)
    assert pacer.wait() == pytest.approx(10.0)
    assert pacer.interval == 1.0
    pacer.penalize(1)
    assert pacer.slowdown == 4.0
    clock.sleep(100)
    pacer.wait()
    assert pacer.interval == 0.5


def test_penalty_slowdown_is_capped() -> None:
    clock = FakeClock()
    pacer = Pacer(1, clock, max_slowdown=8)
    for _ in range(10):
        pacer.penalize(0)
    assert pacer.slowdown == 8


def test_backoff_full_jitter_bounds() -> None:
    rng = random.Random(1)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (8, 60.0), (30, 60.0)]:
        draws = [backoff_delay(attempt, rng, base=1.0, cap=60.0) for _ in range(200)]
        assert min(draws) >= 0 and max(draws) <= ceiling
        assert max(draws) > ceiling / 2  # spread over the range, not a constant


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Thu, 26 Nov 2026 12:00:45 GMT", 45.0),
        ("Thu, 26 Nov 2026 11:00:00 GMT", 0.0),  # in the past
        ("soon", None),
        ("-5", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, EPOCH) == seconds


def test_parse_retry_after_date_relative_to_now() -> None:
    later = EPOCH + timedelta(seconds=30)
    assert parse_retry_after("Thu, 26 Nov 2026 12:00:45 GMT", later) == 15.0
