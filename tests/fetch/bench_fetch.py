"""Throughput and pacing of PoliteClient on the loopback site (docs/benchmarks.md, issue 4).

Run from the repository root: ``uv run python -m tests.fetch.bench_fetch``.
Not collected by pytest (the name does not start with ``test_``).
"""

from __future__ import annotations

import logging
import time

import httpx

from extractors.http.client import PoliteClient
from tests.support.siteserver import SiteServer

log = logging.getLogger("anq.bench")
PAGE = b"x" * 60_000  # about the size of a current question page


def _pages_per_second(site: SiteServer, paths: list[str], polite: bool) -> float:
    """Best of three rounds over every path: raw httpx.Client or PoliteClient(rate=None)."""
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        if polite:
            with PoliteClient(site.base_url, rate=None) as client:
                for path in paths:
                    client.fetch(path)
        else:
            with httpx.Client(base_url=site.base_url) as raw:
                for path in paths:
                    raw.get(path)
        best = max(best, len(paths) / (time.perf_counter() - start))
    return best


def _paced(site: SiteServer, paths: list[str], rate: float, seconds: float) -> tuple[float, int]:
    """Achieved request rate over ``seconds`` and the peak count in any one-second window."""
    site.clear_log()
    with PoliteClient(site.base_url, rate=rate) as client:
        start, n = time.monotonic(), 0
        while time.monotonic() - start < seconds:
            client.fetch(paths[n % len(paths)])
            n += 1
    times = [r.time for r in site.requests if r.path != "/robots.txt"]
    return (len(times) - 1) / (times[-1] - times[0]), site.peak_rate(1.0)


def main() -> None:
    """Print the figures as Markdown table rows."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)
    with SiteServer() as site:
        paths = [f"/dyn/17/questions/QANR5L17QE{n}" for n in range(1, 1001)]
        for path in paths:
            site.pages[path] = PAGE
        raw = _pages_per_second(site, paths, polite=False)
        polite = _pages_per_second(site, paths, polite=True)
        log.info("| unpaced, 60 KB pages | %.0f | %.0f |", raw, polite)
        for rate in (1, 2, 5, 20):
            achieved, peak = _paced(site, paths, rate, 5.0)
            log.info("| rate=%g | %.2f req/s | peak %d in any 1 s |", rate, achieved, peak)


if __name__ == "__main__":
    main()
