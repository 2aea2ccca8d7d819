"""Hostile values, no server needed: robots.txt wildcards and Crawl-delay, Retry-After,
redirect origins, content-codings. Every value gives an answer or a refusal, fast,
never an exception."""

from __future__ import annotations

import gzip
import itertools
import math
import re
import time
from datetime import UTC, datetime

import httpx
import pytest

from extractors.http.answer import Answer
from extractors.http.conditional import validator
from extractors.http.decode import BadEncoding, CapExceeded, codings, decode
from extractors.http.pacing import MAX_RETRY_AFTER, parse_retry_after
from extractors.http.robots import MAX_CRAWL_DELAY, RobotsPolicy
from extractors.http.urls import redirect_error, url_origin

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _reference(pattern: str, path: str) -> bool:
    """The regex reading of a robots pattern (right, but backtracks on many ``*``)."""
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    regex = ".*".join(re.escape(part) for part in body.split("*")) + ("$" if anchored else "")
    return re.match(regex, path) is not None


_PATTERNS = ["/" + "".join(p) for n in range(4) for p in itertools.product("a*", repeat=n)]
_PATTERNS += [p + "$" for p in _PATTERNS]
_PATHS = ["/" + "".join(p) for n in range(5) for p in itertools.product("ab", repeat=n)]


@pytest.mark.parametrize("pattern", _PATTERNS)
def test_wildcards_match_as_the_regex_would(pattern: str) -> None:
    policy = RobotsPolicy.parse(f"User-agent: *\nDisallow: {pattern}\n", "anq")
    got = [not policy.allows(path) for path in _PATHS]
    assert got == [_reference(pattern, path) for path in _PATHS]


@pytest.mark.parametrize("stars", [12, 1000])
def test_many_wildcards_cost_no_time(stars: int) -> None:
    policy = RobotsPolicy.parse(f"User-agent: *\nDisallow: /{'*' * stars}Z\n", "anq")
    start = time.monotonic()
    answers = (policy.allows("/" + "a" * 5000), policy.allows("/" + "a" * 5000 + "Z"))
    assert (answers, time.monotonic() - start < 0.05) == ((True, False), True)


@pytest.mark.parametrize(
    ("value", "delay"),
    [
        ("2.5", 2.5),
        ("1000000000", MAX_CRAWL_DELAY),
        ("inf", 0.0),
        ("-inf", 0.0),
        ("nan", 0.0),
        ("-1", 0.0),
        ("1e999", 0.0),
        ("soon", 0.0),
    ],
)
def test_crawl_delay_is_clamped_or_ignored(value: str, delay: float) -> None:
    assert RobotsPolicy.parse(f"User-agent: *\nCrawl-delay: {value}\n", "anq").crawl_delay == delay


@pytest.mark.parametrize(
    "value",
    [
        "²",
        "١٢",
        "inf",
        "nan",
        "-1",
        "1e3",
        "9" * 400,
        "",
        " ",
        "Mon, 99 Foo 99999 GMT",
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Thu, 01 Jan 1970 00:00:00 +9999",
        "\x00",
    ],
)
def test_retry_after_is_read_totally(value: str) -> None:
    delay = parse_retry_after(value, NOW)
    assert delay is None or (math.isfinite(delay) and 0.0 <= delay <= MAX_RETRY_AFTER)


@pytest.mark.parametrize(("value", "delay"), [("120", 120.0), ("9" * 400, MAX_RETRY_AFTER)])
def test_retry_after_seconds(value: str, delay: float) -> None:
    assert parse_retry_after(value, NOW) == delay


_SITE = url_origin("https://www.example.org")


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("https://www.example.org/x", None),
        ("https://WWW.example.org:443/x", None),
        (
            "http://www.example.org/x",
            "redirect to another origin refused: http://www.example.org:80",
        ),
        ("https://www.example.org:8443/x", "another origin refused: https://www.example.org:8443"),
        ("https://www.example.org:99999/x", "refused"),
        ("https://evil.example/x", "redirect to another host refused: evil.example"),
        ("ftp://www.example.org/x", "redirect to another host refused"),
    ],
)
def test_redirects_keep_scheme_host_and_port(target: str, words: str | None) -> None:
    answer = Answer(302, httpx.Headers({"Location": target}), b"")
    error = redirect_error(answer, target, _SITE)
    assert error is None if words is None else words in (error or ""), error


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ('"abc"', '"abc"'),
        ('W/"x-1"', 'W/"x-1"'),
        ('"été"', None),
        ("a\x00b", None),
        ("x" * 600, None),
        ("", None),
        (None, None),
    ],
)
def test_validators_kept_only_when_sendable(value: str | None, kept: str | None) -> None:
    assert validator(value) == kept


@pytest.mark.parametrize(
    ("header", "names"),
    [(None, []), ("identity", []), ("GZIP", ["gzip"]), ("gzip, deflate", ["gzip", "deflate"])],
)
def test_codings_accepted(header: str | None, names: list[str]) -> None:
    assert codings(header) == names


@pytest.mark.parametrize("header", ["br", "zstd", "gzip, gzip, gzip", "compress"])
def test_codings_refused(header: str) -> None:
    with pytest.raises(BadEncoding):
        codings(header)


def test_decoding_keeps_each_chunk_small() -> None:
    raw = gzip.compress(gzip.compress(b"\0" * 3_000_000))
    sizes = [len(chunk) for chunk in decode([raw], ["gzip", "gzip"], 10_000_000)]
    assert (sum(sizes), max(sizes) <= 64 * 1024) == (3_000_000, True)


def test_an_inner_layer_past_the_cap_is_refused() -> None:
    """The outer layer's output is the inner one's input: it counts too."""
    raw = gzip.compress(gzip.compress(b"\0" * 50_000_000, 1))
    with pytest.raises(CapExceeded):
        list(decode([raw], ["gzip", "gzip"], 20_000))
