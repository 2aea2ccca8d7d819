"""The loopback site itself: what tests elsewhere rely on (plain httpx, no PoliteClient)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
import pytest

from tests.support.siteserver import Fault, SiteServer, etag_for, http_date


def test_pages_validators_and_404(site: SiteServer) -> None:
    with httpx.Client(base_url=site.base_url) as client:
        answer = client.get("/p")
        assert answer.headers["etag"] == etag_for(b"<html>page</html>")
        tag = {"If-None-Match": answer.headers["etag"]}
        assert client.get("/p", headers=tag).status_code == 304
        assert client.get("/nope").status_code == 404
        assert client.get("/robots.txt").status_code == 404
    assert [r.status for r in site.requests] == [200, 304, 404, 404]


def test_pinned_last_modified(site: SiteServer) -> None:
    stamp = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    site.set_page("/old", b"old", last_modified=stamp)
    with httpx.Client(base_url=site.base_url) as client:
        assert client.get("/old").headers["last-modified"] == http_date(stamp)
        since = {"If-Modified-Since": http_date(stamp)}
        assert client.get("/old", headers=since).status_code == 304


def test_probability_faults_are_seeded() -> None:
    def statuses() -> list[int | None]:
        with SiteServer(seed=42, pages={"/x": b"x"}) as server:
            server.add_fault(Fault.status(500), pattern="/x", probability=0.5)
            with httpx.Client(base_url=server.base_url) as client:
                for _ in range(20):
                    client.get("/x")
            return [r.status for r in server.requests]

    first = statuses()
    assert first == statuses() and 500 in first and 200 in first


def test_fault_budget_and_pattern(site: SiteServer) -> None:
    rule = site.add_fault(Fault.status(503, retry_after="4"), pattern="/p", times=2)
    with httpx.Client(base_url=site.base_url) as client:
        codes = [client.get("/p").status_code for _ in range(3)]
        assert client.get("/other").status_code == 404
    assert codes == [503, 503, 200] and rule.hits == 2


def test_retry_after_date_fault(site: SiteServer) -> None:
    site.add_fault(Fault.status(429, retry_after_in=60), pattern="/p")
    with httpx.Client(base_url=site.base_url) as client:
        value = client.get("/p").headers["retry-after"]
    assert value.endswith("GMT")


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault.reset(), httpx.ReadError),
        (Fault.truncate(), httpx.RemoteProtocolError),
        (Fault.garbled(), httpx.DecodingError),
    ],
)
def test_broken_answers_raise_in_httpx(
    fault: Fault, error: type[Exception], site: SiteServer
) -> None:
    site.add_fault(fault, pattern="/p", times=1)
    with httpx.Client(base_url=site.base_url) as client:
        with pytest.raises(error):
            client.get("/p")
        assert client.get("/p").status_code == 200


def test_keep_alive_is_fast(site: SiteServer) -> None:
    with httpx.Client(base_url=site.base_url) as client:
        start = time.monotonic()
        for _ in range(100):
            client.get("/p")
        assert time.monotonic() - start < 2.0  # ~40 ms each with Nagle: 4 s


def test_stop_is_prompt_with_open_and_slow_connections() -> None:
    server = SiteServer(pages={"/p": b"p"}).start()
    server.add_fault(Fault.slow(30), pattern="/slow")
    client = httpx.Client(base_url=server.base_url, timeout=0.2)
    client.get("/p")  # leaves a keep-alive connection open
    with pytest.raises(httpx.ReadTimeout):
        client.get("/slow")
    start = time.monotonic()
    server.stop()
    client.close()
    assert time.monotonic() - start < 2.0


def test_only_loopback(site: SiteServer) -> None:
    assert site.base_url.startswith("http://127.0.0.1:")
