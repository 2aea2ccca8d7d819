"""Real-time behaviour, measured from the server's own request log.

These use the system clock on purpose (they are about what the site sees),
and stay short: about eight seconds in all.
"""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor

from extractors.http.client import PoliteClient
from tests.support.siteserver import Fault, SiteServer

#: How late the server may log a request's arrival. The server shares the test's
#: process (and GIL) and a loaded 2-core machine: lags of 10-50 ms were seen. The
#: pacer keeps a 50 ms margin on every one-second window; the tests allow as much
#: again for the log's lag, so they fail on a pacing bug, not on a busy machine.
JITTER = 0.05


def _fill(site: SiteServer, n: int) -> list[str]:
    paths = [f"/dyn/17/questions/QANR5L17QE{i}" for i in range(1, n + 1)]
    for path in paths:
        site.pages[path] = b"<html>" + path.encode() + b"</html>"
    return paths


def _fetch_for(client: PoliteClient, paths: list[str], seconds: float) -> int:
    """Fetch pages in turn until ``seconds`` have passed; return how many were asked."""
    deadline, done = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        client.fetch(paths[done % len(paths)])
        done += 1
    return done


def test_peak_rate_never_exceeds_rate(site: SiteServer) -> None:
    paths = _fill(site, 50)
    with PoliteClient(site.base_url, rate=5) as client:
        _fetch_for(client, paths, 3.0)
    assert site.peak_rate(1.0 - JITTER) <= 5
    assert len(site.requests) >= 14  # paced, not stalled: ~5/s over 3 s


def test_retries_count_towards_the_rate(site: SiteServer) -> None:
    paths = _fill(site, 50)
    site.add_fault(Fault.status(500), pattern="/dyn/*", probability=0.3)
    with PoliteClient(site.base_url, rate=8, backoff_base=0.01) as client:
        _fetch_for(client, paths, 2.0)
    assert any(r.status == 500 for r in site.requests)
    assert site.peak_rate(1.0 - JITTER) <= 8


def test_rate_holds_across_threads(site: SiteServer) -> None:
    paths = _fill(site, 12)
    with PoliteClient(site.base_url, rate=6) as client, ThreadPoolExecutor(4) as pool:
        results = list(pool.map(client.fetch, paths))
    assert [r.outcome for r in results] == ["ok"] * 12
    assert site.peak_rate(1.0 - JITTER) <= 6
    assert site.count(path="/robots.txt") == 1


def test_retry_after_seconds_in_real_time(site: SiteServer) -> None:
    site.add_fault(Fault.status(429, retry_after="1"), pattern="/p", times=1)
    site.pages["/p"] = b"p"
    with PoliteClient(site.base_url, rate=None) as client:
        assert client.fetch("/p").outcome == "ok"
    first, second = (r for r in site.requests if r.path == "/p")
    assert first.status == 429 and second.status == 200
    assert second.time - first.time >= 1.0


def test_crawl_delay_in_real_time(site: SiteServer) -> None:
    paths = _fill(site, 3)
    site.robots_txt = "User-agent: *\nCrawl-delay: 0.4\n"
    with PoliteClient(site.base_url, rate=100) as client:
        for path in paths:
            client.fetch(path)
    # robots.txt opens the connection (its logged arrival lags most): pages only.
    times = [r.time for r in site.requests if r.path != "/robots.txt"]
    assert len(times) == 3 and all(b - a >= 0.4 - JITTER for a, b in itertools.pairwise(times))
    assert times[-1] - times[0] >= 2 * 0.4 - JITTER
