"""A hostile server never hangs the client, never inflates it, and costs one page at most.

Each mode of :mod:`tests.support.hostile` against a real client on 127.0.0.1,
with short deadlines (the read timeout is kept longer than them, so the
deadlines are what ends each call). Each call must end within its deadline and
say why the page failed.
"""

from __future__ import annotations

import gzip
import random
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from extractors.http.client import PoliteClient, Unreachable
from extractors.http.limits import FetchLimits
from extractors.http.result import FetchResult
from tests.fetch.conftest import FakeClock
from tests.support.hostile import HostileServer, answer, slow_body, slow_headers

LIMITS = FetchLimits(response_deadline=0.5, page_deadline=1.5, retry_after_budget=150.0)
#: Scheduling slack on a loaded 2-core machine.
SLACK = 0.7


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as hostile:
        yield hostile


def _client(server: HostileServer, **options: Any) -> PoliteClient:
    settings: dict[str, Any] = {"rate": None, "timeout": 5.0, "backoff_base": 0.05}
    settings.update(options)
    settings.setdefault("limits", LIMITS)
    return PoliteClient(server.base_url, **settings)


def _timed_fetch(client: PoliteClient, path: str = "/p", **kw: Any) -> tuple[FetchResult, float]:
    start = time.monotonic()
    with client:
        result = client.fetch(path, **kw)
    return result, time.monotonic() - start


# -- deadlines ----------------------------------------------------------------


@pytest.mark.parametrize(
    "route",
    [slow_headers(gap=0.1), slow_body(1000, gap=0.1), slow_body(1000, gap=30.0)],
    ids=["slow headers", "slow body", "one blocked read"],
)
def test_one_response_ends_at_its_deadline(server: HostileServer, route: Any) -> None:
    server.routes["/p"] = route
    result, took = _timed_fetch(_client(server, max_tries=1))
    assert (result.error, took < 0.5 + SLACK) == (
        "response deadline of 0.5 s passed after 1 tries",
        True,
    )


@pytest.mark.parametrize(
    "route", [slow_headers(gap=0.1), slow_body(1000, gap=0.1)], ids=["headers", "body"]
)
def test_retries_end_at_the_page_deadline(server: HostileServer, route: Any) -> None:
    server.routes["/p"] = route
    result, took = _timed_fetch(_client(server, max_tries=10))
    assert (result.outcome, "page deadline of 1.5 s passed" in (result.error or "")) == (
        "failed",
        True,
    ), result.error
    assert took < 1.5 + SLACK


def test_backoff_stops_at_the_page_deadline(server: HostileServer) -> None:
    server.routes["/p"] = answer(500, {}, b"down")
    clock = FakeClock()
    client = _client(server, clock=clock, backoff_base=1.0, max_tries=10, rng=random.Random(3))
    result, _took = _timed_fetch(client)
    said = (result.error or "").startswith("page deadline of 1.5 s passed after")
    assert (said, result.attempts < 10, sum(clock.sleeps) <= 1.5) == (True, True, True)


# -- robots.txt -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "reachable"),
    [(slow_headers(gap=0.1), False), (slow_body(1000, gap=0.1), True)],
    ids=["headers", "body"],
)
def test_reachability_check_ends_in_time(
    server: HostileServer, route: Any, reachable: bool
) -> None:
    server.routes["/robots.txt"] = route
    start = time.monotonic()
    with _client(server, reachable_timeout=0.5) as client:
        try:
            client.check_reachable()
            said = True
        except Unreachable:
            said = False
    assert (said, time.monotonic() - start < 0.5 + SLACK) == (reachable, True)


def test_slow_robots_txt_is_read_within_the_response_deadline(server: HostileServer) -> None:
    server.routes["/robots.txt"] = slow_body(1000, gap=0.1)
    server.routes["/p"] = answer(200, {}, b"page")
    result, took = _timed_fetch(_client(server))
    assert (result.outcome, took < 0.5 + SLACK) == ("ok", True)


@pytest.mark.parametrize(("path", "outcome"), [("/p", "ok"), ("/pZ", "failed")])
def test_wildcard_robots_txt_costs_no_time(server: HostileServer, path: str, outcome: str) -> None:
    server.routes["/robots.txt"] = answer(
        200, {}, b"User-agent: *\nDisallow: /" + b"*" * 5000 + b"Z\n"
    )
    server.routes[path] = answer(200, {}, b"page")
    result, took = _timed_fetch(_client(server), path)
    assert (result.outcome, took < 0.5) == (outcome, True)


@pytest.mark.parametrize(("value", "most"), [("1000000000", 60.0), ("inf", 0.0), ("-3", 0.0)])
def test_crawl_delay_is_bounded(server: HostileServer, value: str, most: float) -> None:
    server.routes["/robots.txt"] = answer(
        200, {}, f"User-agent: *\nCrawl-delay: {value}\n".encode()
    )
    server.routes["/p"] = answer(200, {}, b"page")
    clock = FakeClock()
    with _client(server, clock=clock) as client:
        outcomes = [client.fetch("/p").outcome for _ in range(2)]
    assert (outcomes, max(clock.sleeps, default=0.0) <= most + 0.01) == (["ok", "ok"], True)


def test_huge_robots_txt_is_read_from_its_start(server: HostileServer) -> None:
    text = b"User-agent: *\nDisallow: /dyn/\n" + b"# filler line\n" * 450_000  # 6.3 MB
    server.routes["/robots.txt"] = answer(200, {}, text)
    result, _took = _timed_fetch(_client(server), "/dyn/x")
    assert (result.error, result.refused) == ("disallowed by robots.txt", True)


# -- content-codings ------------------------------------------------------------------


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """1 GiB of zeros gzipped twice, a few KB on the wire: the inner stream is 64
    gzip members of 16 MiB each (one compressed member, repeated, to save time)."""
    member = gzip.compress(b"\0" * (16 << 20), 9)
    return gzip.compress(member * 64, 9)


def test_stacked_gzip_bomb_stops_at_the_cap_without_inflating(
    server: HostileServer, bomb: bytes
) -> None:
    server.routes["/p"] = answer(200, {"Content-Encoding": "gzip, gzip"}, bomb)
    tracemalloc.start()
    try:
        result, _took = _timed_fetch(_client(server, max_body=1_000_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (result.error, result.refused, peak < 12_000_000) == (
        "body exceeds the 1000000-byte cap; stopped reading",
        True,
        True,
    ), peak


@pytest.mark.parametrize(
    ("coding", "words"),
    [("gzip, gzip, gzip", "3 stacked content-codings"), ("br", "'br' not supported")],
)
def test_other_codings_are_refused(server: HostileServer, coding: str, words: str) -> None:
    server.routes["/p"] = answer(200, {"Content-Encoding": coding}, b"whatever")
    result, _took = _timed_fetch(_client(server))
    assert (result.refused, words in (result.error or "")) == (True, True), result.error


@pytest.mark.parametrize(
    ("coding", "pack"),
    [
        ("gzip, gzip", lambda b: gzip.compress(gzip.compress(b))),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b, wbits=-15)),
        ("identity, gzip", gzip.compress),
        ("gzip", lambda b: gzip.compress(b[:9]) + gzip.compress(b[9:])),
    ],
    ids=["gzip twice", "zlib deflate", "raw deflate", "identity", "two gzip members"],
)
def test_honest_codings_are_decoded(server: HostileServer, coding: str, pack: Any) -> None:
    body = b"<html>" + b"page " * 50_000 + b"</html>"
    server.routes["/p"] = answer(200, {"Content-Encoding": coding}, pack(body))
    result, _took = _timed_fetch(_client(server))
    assert (result.outcome, result.body == body) == ("ok", True)


# -- validators, Retry-After, redirects ---------------------------------------------


def test_non_ascii_validators_are_not_stored(server: HostileServer) -> None:
    headers = {"ETag": '"\xe9t\xe9"', "Last-Modified": "lundi 1er janvier \xe9"}
    server.routes["/p"] = answer(200, headers, b"page")
    result, _took = _timed_fetch(_client(server))
    assert (result.outcome, result.etag, result.last_modified) == ("ok", None, None)


def test_stored_non_ascii_validators_are_not_sent(server: HostileServer) -> None:
    server.routes["/p"] = answer(200, {}, b"page")
    result, _took = _timed_fetch(_client(server), etag='"été"', last_modified="lundi é")
    sent = server.requests[-1][1]
    assert (result.outcome, "if-none-match" in sent, "if-modified-since" in sent) == (
        "ok",
        False,
        False,
    )


@pytest.mark.parametrize("value", ["²", "inf", "nan", "-1", "9" * 400, "Mon, 99 Foo 99999 GMT"])
def test_bad_retry_after_costs_the_page_only(server: HostileServer, value: str) -> None:
    server.routes["/p"] = answer(503, {"Retry-After": value}, b"busy")
    result, _took = _timed_fetch(_client(server, clock=FakeClock()))
    assert (result.outcome, (result.error or "").startswith("HTTP 503")) == ("failed", True), (
        result.error
    )


def test_retry_after_budget_ends_the_waiting(server: HostileServer) -> None:
    server.routes["/p"] = answer(503, {"Retry-After": "100"}, b"busy")
    clock = FakeClock()
    with _client(
        server, clock=clock, limits=FetchLimits(page_deadline=1000.0, retry_after_budget=150.0)
    ) as client:
        first, second = client.fetch("/p"), client.fetch("/p")
    assert "past the run's 150 s Retry-After budget" in (first.error or ""), first.error
    assert ((second.error or "").startswith("paused"), sum(clock.sleeps) <= 150.0) == (True, True)


def test_redirect_to_another_port_is_refused(server: HostileServer) -> None:
    with HostileServer() as other:
        other.routes["/p"] = answer(200, {}, b"elsewhere")
        server.routes["/p"] = answer(302, {"Location": other.base_url + "/p"}, b"")
        result, _took = _timed_fetch(_client(server))
        asked_other = bool(other.requests)
    assert (result.refused, asked_other) == (True, False)
    assert (result.error or "").startswith("redirect to another origin refused: http://127.0.0.1:")
