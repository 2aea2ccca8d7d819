"""The layers :class:`extractors.http.client.PoliteClient` is built from (numbered as in its docs).

* :func:`extractors.http.urls.site_url`: 1, the path check.
* :class:`extractors.http.robots_gate.RobotsGate`: 2, this run's robots.txt, fetched once.
* :func:`extractors.http.conditional.conditional`: 3, the conditional request headers.
* :class:`Exchanger`: 4 to 7 for one URL: the pacer, the request over one
  keep-alive ``httpx.Client`` (:func:`http_client`) within its response
  deadline (:mod:`extractors.http.deadline`), its body streamed raw, decoded
  by hand and capped (:mod:`extractors.http.decode`), retry/backoff and
  Retry-After, all within the page's deadline (:class:`PageTime`).
* :func:`extractors.http.urls.redirect_error`: 8, which redirects are followed.

The client itself chains them and follows redirects. What a request comes back
with, :class:`~extractors.http.answer.Answer` and the like, is in
:mod:`extractors.http.answer`. In this package httpx is imported only here, in
``client.py``, :mod:`~extractors.http.answer`, :mod:`~extractors.http.deadline`
and :mod:`~extractors.http.robots_gate`.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from typing import IO

import httpx

from extractors.http.answer import Answer, Exchange, TooLarge
from extractors.http.deadline import (
    PageTime,
    PastDeadline,
    ResponseDeadline,
    deadline_transport,
    response_deadline,
)
from extractors.http.decode import (
    BadEncoding,
    CapExceeded,
    DecodeFailed,
    TimeUp,
    read_decoded,
    write_decoded,
)
from extractors.http.limits import FetchLimits
from extractors.http.pacing import Clock, Pacer, backoff_delay, parse_retry_after

log = logging.getLogger("anq.fetch")

_RETRY_AFTER = frozenset({429, 503})


class Exchanger:
    """Paced, capped, retried GETs over one keep-alive connection pool.

    ``lock`` is the client's lock: it guards ``requests_made``, the pause and
    the Retry-After budget.
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        clock: Clock,
        pacer: Pacer,
        rng: random.Random,
        lock: threading.RLock,
        max_tries: int,
        max_body: int,
        retry_after_cap: float,
        backoff: tuple[float, float],
        limits: FetchLimits,
    ) -> None:
        self.http = http
        self._clock = clock
        self._pacer = pacer
        self._rng = rng
        self._lock = lock
        self._max_tries = max(1, max_tries)
        self._max_body = max_body
        self._retry_after_cap = retry_after_cap
        self._backoff = backoff
        self.limits = limits
        self._retry_after_spent = 0.0
        self._paused_until: float | None = None
        self.requests_made = 0

    @property
    def paused(self) -> bool:
        """True while a Retry-After beyond the cap keeps the client from asking anything."""
        return self._paused_until is not None and self._clock.monotonic() < self._paused_until

    def with_retries(
        self, url: str, headers: dict[str, str], page: PageTime, sink: IO[bytes] | None = None
    ) -> Exchange:
        """``sink``: where the body goes instead of memory (see :meth:`send`)."""
        kind, status = "error", None
        for attempt in range(1, self._max_tries + 1):
            try:
                answer = self.send(url, headers, page=page, sink=sink)
            except TooLarge as exc:
                return Exchange(None, str(exc), attempt, exc.status, refused=True)
            except PastDeadline:
                return Exchange(None, page.reason(attempt - 1), attempt - 1, status)
            except (httpx.RequestError, ResponseDeadline, DecodeFailed) as exc:
                kind, status = _transient(exc), getattr(exc, "status", None)
                wait = self._backoff_delay(attempt)
                log.info("%s on %s (try %d): %s", kind, url, attempt, exc)
            else:
                status = answer.status
                if status not in _RETRY_AFTER and status != 408 and status < 500:
                    return Exchange(answer, None, attempt, status)
                kind, wait = f"HTTP {status}", self._backoff_delay(attempt)
                if status in _RETRY_AFTER:
                    refusal = self._honour_retry_after(answer, wait)
                    if refusal is not None:
                        return Exchange(None, refusal, attempt, status)
                    wait = 0.0  # the pacer now holds every request for the delay
                log.info("HTTP %d on %s (try %d)", status, url, attempt)
            if attempt < self._max_tries:
                if wait >= page.left():
                    return Exchange(None, page.reason(attempt), attempt, status)
                self._clock.sleep(wait)
        return Exchange(None, f"{kind} after {self._max_tries} tries", self._max_tries, status)

    def _honour_retry_after(self, answer: Answer, fallback: float) -> str | None:
        """Hold and slow the whole run; past the cap or the run's budget, pause the
        client (past the budget, for the rest of the run) and give up."""
        header, status = answer.headers.get("retry-after"), answer.status
        asked = parse_retry_after(header, self._clock.now())
        delay = fallback if asked is None else asked
        budget, refusal = self.limits.retry_after_budget, None
        with self._lock:
            if delay > self._retry_after_cap:
                refusal, pause = f"beyond the {self._retry_after_cap:.0f} s cap", delay
            elif self._retry_after_spent + delay > budget:
                refusal, pause = f"past the run's {budget:g} s Retry-After budget", math.inf
            else:
                self._retry_after_spent += delay
            if refusal is not None:
                self._paused_until = self._clock.monotonic() + pause
        if refusal is None:
            self._pacer.penalize(delay)
            slowdown = self._pacer.slowdown
            log.info("HTTP %d: holding all requests %.1f s, slowdown x%g", status, delay, slowdown)
            return None
        log.warning("HTTP %d with Retry-After %r (%s): pausing", status, header, refusal)
        return f"HTTP {status} with Retry-After {delay:.0f} s, {refusal}; given up for this run"

    def _backoff_delay(self, attempt: int) -> float:
        base, cap = self._backoff
        return backoff_delay(attempt, self._rng, base=base, cap=cap)

    def send(
        self,
        url: str,
        headers: dict[str, str],
        *,
        page: PageTime | None = None,
        deadline: float | None = None,
        prefix: int | None = None,
        sink: IO[bytes] | None = None,
    ) -> Answer:
        """One paced request within ``deadline`` seconds (default: the response
        deadline, shortened to the page's time left); the body decoded and capped.

        ``prefix``: keep that many first bytes of a longer body instead of refusing it.
        ``sink``: write the body there, from its start, and leave ``Answer.body`` empty
        (an archive far bigger than a page is never held in memory).
        """
        latest = None if page is None else page.end
        if self._pacer.wait(latest=latest) is None:
            raise PastDeadline
        if page is not None:
            page.start()
        seconds = min(
            deadline or self.limits.response_deadline, math.inf if page is None else page.left()
        )
        if seconds <= 0:
            raise PastDeadline
        with self._lock:
            self.requests_made += 1
        with response_deadline(seconds) as end:
            status = None
            try:
                with self.http.stream("GET", url, headers=headers) as response:
                    status = response.status_code
                    return self._read(response, end, prefix, sink)
            except (httpx.TimeoutException, TimeUp) as exc:
                if time.monotonic() < end:
                    raise
                raise ResponseDeadline(seconds, status) from exc

    def _read(
        self, response: httpx.Response, end: float, prefix: int | None, sink: IO[bytes] | None
    ) -> Answer:
        """The body, raw bytes decoded by hand: see :mod:`extractors.http.decode`."""
        status, cap = response.status_code, prefix or self._max_body
        declared = response.headers.get("content-length", "")
        if prefix is None and declared.isascii() and declared.isdigit() and int(declared) > cap:
            reason = f"body of {declared} bytes (Content-Length) exceeds the {cap}-byte cap"
            raise TooLarge(status, reason + "; refused unread")
        coding = response.headers.get("content-encoding")
        body, cut = b"", False
        try:
            if sink is not None:
                write_decoded(response.iter_raw(), coding, cap, end, sink)
            else:
                body, cut = read_decoded(response.iter_raw(), coding, cap, end, prefix is not None)
        except BadEncoding as exc:
            raise TooLarge(status, f"refused: {exc}") from None
        except CapExceeded as exc:
            raise TooLarge(status, f"{exc}; stopped reading") from None
        version, reason = response.http_version, response.reason_phrase
        return Answer(status, response.headers, body, cut, version, reason)


def http_client(
    user_agent: str, timeout: float, transport: httpx.BaseTransport | None
) -> httpx.Client:
    """The keep-alive client: redirects are followed by hand, never by httpx."""
    headers = {
        "User-Agent": user_agent,
        "Accept": "text/html,*/*;q=0.5",
        "Accept-Encoding": "gzip, deflate",  # the codings fetch_decode reads
    }
    return httpx.Client(
        headers=headers,
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        transport=transport or deadline_transport(),
    )


def _transient(exc: Exception) -> str:
    """The error's kind for a failure worth retrying."""
    if isinstance(exc, httpx.RequestError):
        return describe(exc)
    if isinstance(exc, DecodeFailed):
        return "decode error"
    return str(exc)


def describe(exc: httpx.RequestError) -> str:
    """A short, stable name for a transport failure (used in error strings)."""
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "connection refused" if "refused" in str(exc).lower() else "connection failed"
    if isinstance(exc, httpx.DecodingError):
        return "decode error"
    if isinstance(exc, httpx.RemoteProtocolError):
        incomplete = "complete message body" in str(exc)
        return "truncated body" if incomplete else "connection closed"
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return "connection reset"
    return type(exc).__name__
