"""Retries, backoff and Retry-After, against the real loopback site.

The fake clock makes waits instant and measurable; the faults come from the
server's seeded rules, so every run sees the same sequence.
"""

from __future__ import annotations

import logging

import pytest

from tests.fetch.conftest import EPOCH, ClientFactory, FakeClock
from tests.support.siteserver import Fault, SiteServer, http_date


@pytest.mark.parametrize(
    "fault",
    [
        Fault.truncate(),
        Fault.reset(),
        Fault.status(500),
        Fault.status(502),
        Fault.status(408),
        Fault.status(429),
        Fault.garbled(),
    ],
    ids=["truncated", "reset", "500", "502", "408", "429-no-retry-after", "decode-error"],
)
def test_transient_failure_is_retried(
    fault: Fault, site: SiteServer, make_client: ClientFactory
) -> None:
    site.add_fault(fault, pattern="/p", times=1)
    result = make_client().fetch("/p")
    assert (result.outcome, result.body, result.attempts) == ("ok", b"<html>page</html>", 2)


def test_timeout_is_retried(site: SiteServer, make_client: ClientFactory) -> None:
    site.add_fault(Fault.slow(1.0), pattern="/p", times=1)
    result = make_client(timeout=0.2).fetch("/p")
    assert (result.outcome, result.attempts) == ("ok", 2)


def test_timeouts_exhaust_tries(site: SiteServer, make_client: ClientFactory) -> None:
    site.add_fault(Fault.slow(1.0), pattern="/p")
    result = make_client(timeout=0.1, max_tries=2).fetch("/p")
    assert (result.outcome, result.status, result.error) == (
        "failed",
        None,
        "timeout after 2 tries",
    )


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault.status(503), "HTTP 503 after 4 tries"),
        (Fault.status(500), "HTTP 500 after 4 tries"),
        (Fault.reset(), "connection reset after 4 tries"),
        (Fault.truncate(), "truncated body after 4 tries"),
    ],
)
def test_bounded_tries_then_clear_error(
    fault: Fault, error: str, site: SiteServer, make_client: ClientFactory
) -> None:
    site.add_fault(fault, pattern="/p")
    result = make_client().fetch("/p")
    assert (result.outcome, result.error, result.attempts) == ("failed", error, 4)
    assert not result.refused  # worth asking again on the next run
    assert site.count(path="/p") == 4


def test_backoff_is_full_jitter_exponential(
    site: SiteServer, make_client: ClientFactory, clock: FakeClock
) -> None:
    site.add_fault(Fault.status(500), pattern="/p")
    make_client(backoff_base=1.0, backoff_cap=3.0).fetch("/p")
    waits = [s for s in clock.sleeps if s > 0]
    assert len(waits) == 3
    assert all(0 <= w <= cap for w, cap in zip(waits, [1.0, 2.0, 3.0], strict=True))


def test_retry_after_seconds_honoured(
    site: SiteServer, make_client: ClientFactory, clock: FakeClock
) -> None:
    site.add_fault(Fault.status(429, retry_after="7"), pattern="/p", times=1)
    client = make_client()
    result = client.fetch("/p")
    assert (result.outcome, result.attempts) == ("ok", 2)
    assert pytest.approx(7.0) in clock.sleeps
    assert client.pacer.slowdown == 2.0


def test_retry_after_http_date_honoured(
    site: SiteServer, make_client: ClientFactory, clock: FakeClock
) -> None:
    when = http_date(EPOCH.timestamp() + 30)
    site.add_fault(Fault.status(503, retry_after=when), pattern="/p", times=1)
    result = make_client().fetch("/p")
    assert result.outcome == "ok"
    assert clock.sleeps and 29.0 <= max(clock.sleeps) <= 30.0


def test_retry_after_slows_the_whole_run(
    site: SiteServer, make_client: ClientFactory, clock: FakeClock
) -> None:
    site.pages["/q"] = b"q"
    site.add_fault(Fault.status(429, retry_after="5"), pattern="/p", times=1)
    client = make_client(rate=2.0)
    client.fetch("/p")
    assert client.pacer.interval == pytest.approx(1.0)  # 1/rate doubled
    start = clock.t
    client.fetch("/q")
    assert clock.t - start >= 1.0


def test_retry_after_beyond_cap_gives_up_and_pauses(
    site: SiteServer, make_client: ClientFactory, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    site.pages["/q"] = b"q"
    site.add_fault(Fault.status(503, retry_after="3600"), pattern="/p", times=1)
    client = make_client(retry_after_cap=300.0)
    with caplog.at_level(logging.WARNING, logger="anq.fetch"):
        first = client.fetch("/p")
    assert first.outcome == "failed" and first.attempts == 1
    assert (
        first.error
        == "HTTP 503 with Retry-After 3600 s, beyond the 300 s cap; given up for this run"
    )
    assert "pausing" in caplog.text
    second = client.fetch("/q")
    assert second.outcome == "failed" and second.attempts == 0
    assert site.count(path="/q") == 0
    clock.sleep(3601)
    assert client.fetch("/q").outcome == "ok"


def test_twenty_percent_random_failures_all_succeed(
    site: SiteServer, make_client: ClientFactory
) -> None:
    paths = [f"/dyn/16/questions/QANR5L16QE{n}" for n in range(1, 61)]
    for path in paths:
        site.pages[path] = path.encode()
    faults = [
        Fault.status(500),
        Fault.status(503, retry_after="1"),
        Fault.status(429, retry_after="2"),
        Fault.reset(),
        Fault.truncate(),
    ]
    for fault in faults:  # ~4% each, ~20% of requests overall
        site.add_fault(fault, pattern="/dyn/*", probability=0.045)
    client = make_client()
    results = [client.fetch(path) for path in paths]
    assert [r.outcome for r in results] == ["ok"] * len(paths)
    assert [r.body for r in results] == [p.encode() for p in paths]
    retried = sum(r.attempts - 1 for r in results)
    assert retried >= 5 and max(r.attempts for r in results) <= 4
