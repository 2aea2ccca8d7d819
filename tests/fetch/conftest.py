"""Fixtures for the fetch tests: the loopback site, a fake clock, a client factory.

Every test here talks to 127.0.0.1 only. The fake clock keeps tests that are
about *how long* the client waits (Retry-After, backoff, Crawl-delay) instant;
tests about real timing use the system clock and stay short.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from extractors.http.client import PoliteClient
from tests.support.siteserver import SiteServer

#: Where the fake clock's wall time starts (HTTP-date Retry-After tests use it).
EPOCH = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)


class FakeClock:
    """A clock that records sleeps and advances instead of sleeping."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(seconds, 0.0)

    def now(self) -> datetime:
        return EPOCH + timedelta(seconds=self.t - 1000.0)


@pytest.fixture
def site() -> Iterator[SiteServer]:
    """A started loopback site with one page and no robots.txt (404)."""
    with SiteServer(seed=1234) as server:
        server.pages["/p"] = b"<html>page</html>"
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


ClientFactory = Callable[..., PoliteClient]


@pytest.fixture
def make_client(site: SiteServer, clock: FakeClock) -> Iterator[ClientFactory]:
    """Build clients on the site: fake clock, no pacing, short timeout, seeded jitter."""
    made: list[PoliteClient] = []

    def make(**options: Any) -> PoliteClient:
        settings: dict[str, Any] = {
            "rate": None,
            "clock": clock,
            "timeout": 2.0,
            "rng": random.Random(7),
        }
        settings.update(options)
        client = PoliteClient(settings.pop("base_url", site.base_url), **settings)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
