"""Time for the polite client: an injectable clock, an exact pacer, backoff.

Why our own pacer: Prefect's ``rate_limit`` needs a global concurrency limit
created on the server first and paces loosely. This one is exact:
never more than ``rate`` request starts within any one-second window, and
evenly spaced, so the site sees a steady trickle rather than bursts.

No network here and no httpx: :mod:`extractors.http.client` owns the HTTP side.
"""

from __future__ import annotations

import email.utils
import math
import random
import threading
import time
from collections import deque
from datetime import UTC, datetime
from typing import Protocol

#: Added to every gap between two starts, and (``WINDOW_GUARD``) to the one-second
#: window: a request sent late by a busy machine, or read late by the server,
#: must not squeeze ``rate + 1`` arrivals into one second as the site sees it.
GUARD = 0.002
WINDOW_GUARD = 0.05


class Clock(Protocol):
    """What the client needs of time; tests pass a fake one that never sleeps."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (pacing, backoff)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds`` (a fake clock just advances)."""
        ...

    def now(self) -> datetime:
        """The aware UTC wall time (to read HTTP-date Retry-After values)."""
        ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def now(self) -> datetime:
        return datetime.now(UTC)


class Pacer:
    """Spaces request starts: at least ``interval`` apart and at most ``rate`` in any second.

    The interval is ``max(1/rate, crawl_delay) * slowdown``; a penalty (429,
    503) holds every request until its delay has passed and doubles the
    slowdown (up to ``max_slowdown``) for ``slowdown_period`` seconds after the
    last penalty. ``rate`` None or 0 turns rate pacing off; crawl-delay and
    penalties still apply. Thread-safe: each caller reserves its slot under a
    lock and sleeps outside it.
    """

    def __init__(
        self,
        rate: float | None,
        clock: Clock,
        *,
        slowdown_period: float = 60.0,
        max_slowdown: float = 8.0,
    ) -> None:
        self.rate = rate if rate and rate > 0 else None
        self.crawl_delay = 0.0
        self.slowdown = 1.0
        self._clock = clock
        self._period = slowdown_period
        self._max_slowdown = max_slowdown
        self._lock = threading.Lock()
        self._hold_until = -math.inf
        self._slow_until = -math.inf
        window = math.floor(self.rate) if self.rate is not None else 0
        self._starts: deque[float] = deque(maxlen=max(window, 1))
        self._window = window

    @property
    def interval(self) -> float:
        """The current minimum gap between two request starts, in seconds."""
        base = 1.0 / self.rate if self.rate is not None else 0.0
        return max(base, self.crawl_delay) * self.slowdown

    def wait(self, latest: float | None = None) -> float | None:
        """Block until the next request may start; return the seconds waited.

        With ``latest`` (a monotonic instant), return None at once, taking no
        slot, when the request could not start by then.
        """
        with self._lock:
            now = self._clock.monotonic()
            if now > self._slow_until:
                self.slowdown = 1.0
            slot = max(now, self._hold_until)
            # max/min, not [-1]/[0]: with threads, a late wake-up can reorder the starts.
            if self._starts and self.interval > 0:
                slot = max(slot, max(self._starts) + self.interval + GUARD)
            if self._window and len(self._starts) == self._window:
                slot = max(slot, min(self._starts) + 1.0 + WINDOW_GUARD)
            if latest is not None and slot > latest:
                return None
            self._starts.append(slot)
        delay = slot - now
        self._clock.sleep(delay)
        self._overslept(slot)
        return max(delay, 0.0)

    def _overslept(self, slot: float) -> None:
        """Count from the real start: a late wake-up must not shorten the next gap."""
        with self._lock:
            actual = self._clock.monotonic()
            if actual > slot and slot in self._starts:
                self._starts[self._starts.index(slot)] = actual

    def penalize(self, delay: float) -> None:
        """The server asked us to back off: hold everyone ``delay`` s and slow down."""
        with self._lock:
            now = self._clock.monotonic()
            self._hold_until = max(self._hold_until, now + delay)
            self.slowdown = min(self.slowdown * 2.0, self._max_slowdown)
            self._slow_until = now + delay + self._period


def backoff_delay(
    attempt: int, rng: random.Random, *, base: float = 1.0, cap: float = 60.0
) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(cap, base * 2**(attempt-1))].

    Full jitter (AWS architecture blog, 2015) spreads retries best when many
    pages fail together, which is what a hiccup of the site looks like.
    """
    return rng.uniform(0.0, min(cap, base * 2.0 ** max(attempt - 1, 0)))


#: The longest Retry-After read, in seconds (a year): longer values, up to any
#: number of digits, read as this, so every value stays a finite float.
MAX_RETRY_AFTER = 365 * 86_400.0


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date); None if
    unreadable. Total: any string gives a value in [0, MAX_RETRY_AFTER] or None."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²".isdigit() is True, float("²") fails
        return min(float(value[:12]) if len(value) <= 12 else MAX_RETRY_AFTER, MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        delay = (when - now).total_seconds()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return min(max(delay, 0.0), MAX_RETRY_AFTER)
