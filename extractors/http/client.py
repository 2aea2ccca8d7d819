"""The one polite HTTP client: all of anq's requests to the site (httpx is imported
only here, in the ``extractors/http/`` modules that hold the layers this client
chains, and in the Prefect API's own REST calls, ``flows/prefect_rest.py``).

Every page request goes through these layers, in this order:

1. **path check**: only ``/...`` paths under the base URL are asked for.
2. **robots.txt**: fetched once per client (per run); a Disallow for ``anq``
   (or ``*``) fails the page without a request; Crawl-delay feeds the pacer.
3. **conditional headers**: ``If-None-Match`` / ``If-Modified-Since`` when
   the caller has validators; a 304 comes back as ``not_modified``.
4. **pacer** (:mod:`extractors.http.pacing`): never more than ``rate`` requests in
   any one-second window; every request counts (robots.txt, retries, redirects).
5. **request**: one keep-alive ``httpx.Client``, the body streamed; headers and
   body together within the response deadline, whatever the server sends.
6. **body checks**: a Content-Length over ``max_body`` is refused unread, a
   streamed body stops past it, at every content-coding layer (at most two of
   gzip and deflate; others are refused); truncated bodies, decoding errors
   and a passed response deadline are transient failures. A caller may have
   the body written to a file instead of memory (``fetch(..., into=file)``).
7. **retry/backoff**: 429 and 503 wait for Retry-After (capped, and within the
   run's Retry-After budget) and slow the whole run; other 5xx, 408 and
   network errors back off with full jitter; 404 and other 4xx are never
   retried; at most ``max_tries`` requests, within the page deadline.
8. **redirects**: followed by hand (each hop goes through 2-7), at most
   ``max_redirects``, and only to the same scheme, host and port.

The bounds (response deadline, page deadline, Retry-After budget) are a
:class:`~extractors.http.limits.FetchLimits` (the run's options; unset,
the defaults). Validators go back to the site only when they are
printable ASCII, so one bad header stored once cannot fail a page for good.

A page never raises: every problem is a
:class:`~extractors.http.result.FetchResult` whose outcome is ``failed`` and
whose ``error`` says why.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter
from dataclasses import replace
from typing import IO
from urllib.parse import urljoin, urlsplit

import httpx

from extractors.http.answer import Exchange, TooLarge
from extractors.http.conditional import conditional
from extractors.http.deadline import PageTime, ResponseDeadline
from extractors.http.layers import Exchanger, describe, http_client
from extractors.http.limits import FetchLimits
from extractors.http.pacing import Clock, Pacer, SystemClock
from extractors.http.result import FetchResult, _failed, _result
from extractors.http.robots_gate import RobotsGate
from extractors.http.urls import redirect_error, site_url, url_origin

log = logging.getLogger("anq.fetch")

#: Names anq, its version and where to read about it or complain.
DEFAULT_UA = "anq/0.1 (+https://github.com/anq-project/anq; parliamentary questions archive)"

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class Unreachable(Exception):
    """Nothing answers at the base URL (connection refused, DNS, timeout)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PoliteClient:
    """Fetches pages of one site politely, every request through these layers in order:
    path check, robots.txt, conditional headers, pacer, request, body checks,
    retry/backoff, redirects (see the module docstring; the parts are in
    :mod:`extractors.http.layers`).

    Defaults are conservative: 20 s timeout per read, 60 s per response, 300 s
    per page, 4 tries, backoff base 1 s capped at 60 s, Retry-After honoured up
    to 300 s each and 1,800 s in all. A longer Retry-After pauses the
    whole client until then: pages asked meanwhile fail at once, unasked, so a
    nightly run ends instead of hammering or stalling (see ``paused``).
    """

    def __init__(
        self,
        base_url: str,
        *,
        rate: float | None,
        user_agent: str = DEFAULT_UA,
        timeout: float = 20.0,
        max_tries: int = 4,
        max_body: int = 5_000_000,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
        obey_robots: bool = True,
        max_redirects: int = 5,
        retry_after_cap: float = 300.0,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        reachable_timeout: float = 5.0,
        rng: random.Random | None = None,
        limits: FetchLimits | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base URL must be http(s)://host[:port]: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._host = parts.hostname.lower()
        self._origin = url_origin(base_url)
        self.limits = limits or FetchLimits()
        self._clock: Clock = clock or SystemClock()
        self._pacer = Pacer(rate, self._clock)
        self._max_redirects = max_redirects
        self._reachable_timeout = reachable_timeout
        self._lock = threading.RLock()
        self.outcomes: Counter[str] = Counter()
        self._hops = Exchanger(
            http_client(user_agent, timeout, transport),
            clock=self._clock,
            pacer=self._pacer,
            rng=rng or random.Random(),
            lock=self._lock,
            max_tries=max_tries,
            max_body=max_body,
            retry_after_cap=retry_after_cap,
            backoff=(backoff_base, backoff_cap),
            limits=self.limits,
        )
        origin, product = f"{parts.scheme}://{parts.netloc}", user_agent.split("/", 1)[0]
        self._robots = RobotsGate(
            self._hops, origin, product, obey=obey_robots, pacer=self._pacer, lock=self._lock
        )

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the keep-alive connections."""
        self._hops.http.close()

    @property
    def pacer(self) -> Pacer:
        """The pacer (its ``interval`` and ``slowdown`` show how hard the run is braking)."""
        return self._pacer

    @property
    def paused(self) -> bool:
        """True while a Retry-After beyond the cap keeps the client from asking anything."""
        return self._hops.paused

    @property
    def requests_made(self) -> int:
        """HTTP requests made so far (robots.txt, retries and redirects included)."""
        return self._hops.requests_made

    # -- the public calls ------------------------------------------------------

    def fetch(
        self,
        path: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        into: IO[bytes] | None = None,
    ) -> FetchResult:
        """Fetch one page (a path starting with ``/``); never raises for the page.

        ``into``: a binary file the body is written to, from its start, instead of
        ``FetchResult.body`` (then ``None``); what it holds counts only when the
        outcome is ``ok``.
        """
        headers = conditional(etag, last_modified)
        try:
            result = self._fetch(path, headers, etag, last_modified, into)
        except Exception as exc:  # a bug must cost one page, not the run
            log.exception("unexpected error fetching %s", path)
            result = _failed(path, path, None, f"unexpected error: {exc!r}", 0)
        with self._lock:
            self.outcomes[result.outcome] += 1
        return result

    def check_reachable(self) -> None:
        """Ask for robots.txt once, briefly; raise :class:`Unreachable` when nothing answers.

        Any HTTP answer counts as reachable, even one whose body does not end in
        time. The answer also serves as this run's robots.txt, so the site is
        not asked twice.
        """
        seconds = self._reachable_timeout
        try:
            answer = self._robots.get(seconds)
        except TooLarge:
            return  # it answered: reachable, and robots.txt will be asked for again
        except ResponseDeadline as exc:
            if exc.status is not None:
                return  # headers came, the body dragged: the run's own deadline handles it
            raise Unreachable(
                f"{self.base_url} unreachable: timeout (no answer within {seconds:g} s)"
            ) from exc
        except httpx.RequestError as exc:
            raise Unreachable(f"{self.base_url} unreachable: {describe(exc)} ({exc})") from exc
        self._robots.adopt(answer)

    # -- one page --------------------------------------------------------------

    def _fetch(
        self,
        path: str,
        headers: dict[str, str],
        etag: str | None,
        last_modified: str | None,
        into: IO[bytes] | None,
    ) -> FetchResult:
        url = site_url(self.base_url, self._host, path)
        if url is None:
            reason = f"refused: {path!r} is not a path on this site"
            return _failed(path, path, None, reason, 0, refused=True)
        current, attempts = url, 0
        page = PageTime(self._clock, self.limits.page_deadline)
        for _hop in range(self._max_redirects + 1):
            exchange = self._exchange(current, headers, page, into)
            attempts += exchange.attempts
            answer = exchange.answer
            if answer is None:
                status, why = exchange.status, exchange.error
                return _failed(url, current, status, why, attempts, refused=exchange.refused)
            if answer.status not in _REDIRECTS:
                result = _result(url, current, answer, attempts, etag, last_modified)
                return result if into is None else replace(result, body=None)
            target = urljoin(current, answer.headers.get("location", ""))
            error = redirect_error(answer, target, self._origin)
            if error is not None:
                off_site = error.startswith("redirect to another")
                return _failed(url, current, answer.status, error, attempts, refused=off_site)
            current = target
        return _failed(url, current, None, f"more than {self._max_redirects} redirects", attempts)

    def _exchange(
        self, url: str, headers: dict[str, str], page: PageTime, into: IO[bytes] | None
    ) -> Exchange:
        """Robots and pause checks, then the request with its retries."""
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if not self._robots.policy().allows(target):
            return Exchange(None, "disallowed by robots.txt", 0, None, refused=True)
        if self.paused:
            reason = "paused: the site asked for a pause beyond the Retry-After cap; not asked"
            return Exchange(None, reason, 0, None)
        return self._hops.with_retries(url, headers, page, into)


__all__ = [
    "DEFAULT_UA",
    "PoliteClient",
    "Unreachable",
]
