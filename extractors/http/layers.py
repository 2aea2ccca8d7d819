"""The layers :class:`extractors.http.client.PoliteClient` is built from (numbered as in its docs).

* :func:`site_url`: 1, the path check.
* :class:`RobotsGate`: 2, this run's robots.txt, fetched once.
* :func:`conditional`: 3, the conditional request headers.
* :class:`Exchanger`: 4 to 7 for one URL: the pacer, the request over one
  keep-alive ``httpx.Client`` (:func:`http_client`) with its body streamed and
  capped, retry/backoff and Retry-After.
* :func:`redirect_error`: 8, which redirects are followed.

The client itself chains them and follows redirects. With ``extractors/fetch.py``
this is the only module that imports httpx.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from extractors.http.pacing import Clock, Pacer, backoff_delay, parse_retry_after
from extractors.http.robots import RobotsPolicy

log = logging.getLogger("anq.fetch")

_RETRY_AFTER = frozenset({429, 503})


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes


@dataclass(frozen=True)
class Exchange:
    """One hop after retries: an answer, or the reason there is none."""

    answer: Answer | None
    error: str | None
    attempts: int
    status: int | None
    refused: bool = False


class TooLarge(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class Exchanger:
    """Paced, capped, retried GETs over one keep-alive connection pool.

    ``lock`` is the client's lock: it guards ``requests_made`` and the pause.
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
        self._paused_until: float | None = None
        self.requests_made = 0

    @property
    def paused(self) -> bool:
        """True while a Retry-After beyond the cap keeps the client from asking anything."""
        return self._paused_until is not None and self._clock.monotonic() < self._paused_until

    def with_retries(self, url: str, headers: dict[str, str]) -> Exchange:
        kind, status = "error", None
        for attempt in range(1, self._max_tries + 1):
            try:
                answer = self.send(url, headers)
            except TooLarge as exc:
                return Exchange(None, str(exc), attempt, exc.status, refused=True)
            except httpx.RequestError as exc:
                kind, status, wait = describe(exc), None, self._backoff_delay(attempt)
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
                self._clock.sleep(wait)
        return Exchange(None, f"{kind} after {self._max_tries} tries", self._max_tries, status)

    def _honour_retry_after(self, answer: Answer, fallback: float) -> str | None:
        """Hold and slow the whole run; past the cap, pause the client and give up."""
        header = answer.headers.get("retry-after")
        delay = parse_retry_after(header, self._clock.now())
        delay = fallback if delay is None else delay
        if delay > self._retry_after_cap:
            with self._lock:
                self._paused_until = self._clock.monotonic() + delay
            log.warning(
                "HTTP %d with Retry-After %r: pausing for %.0f s", answer.status, header, delay
            )
            return (
                f"HTTP {answer.status} with Retry-After {delay:.0f} s, beyond the "
                f"{self._retry_after_cap:.0f} s cap; given up for this run"
            )
        self._pacer.penalize(delay)
        log.info(
            "HTTP %d: holding all requests %.1f s, slowdown x%g",
            answer.status,
            delay,
            self._pacer.slowdown,
        )
        return None

    def _backoff_delay(self, attempt: int) -> float:
        base, cap = self._backoff
        return backoff_delay(attempt, self._rng, base=base, cap=cap)

    def send(self, url: str, headers: dict[str, str], timeout: float | None = None) -> Answer:
        """One paced request; the body streamed and capped."""
        self._pacer.wait()
        with self._lock:
            self.requests_made += 1
        limit = httpx.USE_CLIENT_DEFAULT if timeout is None else httpx.Timeout(timeout)
        with self.http.stream("GET", url, headers=headers, timeout=limit) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self._max_body:
                raise TooLarge(
                    response.status_code,
                    f"body of {declared} bytes (Content-Length) exceeds the "
                    f"{self._max_body}-byte cap; refused unread",
                )
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > self._max_body:
                    raise TooLarge(
                        response.status_code,
                        f"body exceeds the {self._max_body}-byte cap; stopped reading",
                    )
            return Answer(response.status_code, response.headers, bytes(body))


class RobotsGate:
    """This run's robots.txt policy, asked for through ``hops`` on first use.

    ``lock`` is the client's lock; the policy's Crawl-delay is given to ``pacer``.
    """

    def __init__(
        self,
        hops: Exchanger,
        origin: str,
        product: str,
        *,
        obey: bool,
        pacer: Pacer,
        lock: threading.RLock,
    ) -> None:
        self._hops = hops
        self._origin = origin
        self._product = product
        self._obey = obey
        self._pacer = pacer
        self._lock = lock
        self._robots: RobotsPolicy | None = None if obey else RobotsPolicy.allow_all()

    def policy(self) -> RobotsPolicy:
        """This run's robots policy, fetched on first use."""
        with self._lock:
            if self._robots is None:
                try:
                    policy = self._policy_from(self.get(None))
                except (httpx.RequestError, TooLarge) as exc:
                    log.warning("robots.txt unreadable (%s): allowing all", exc)
                    policy = RobotsPolicy.allow_all()
                self._install(policy)
            assert self._robots is not None
            return self._robots

    def get(self, timeout: float | None) -> Answer:
        """Ask for robots.txt (one paced request, no retries)."""
        return self._hops.send(self._origin + "/robots.txt", {}, timeout)

    def adopt(self, answer: Answer) -> None:
        """Take ``answer`` as this run's robots.txt unless a policy is already installed."""
        with self._lock:
            if self._robots is None:
                self._install(self._policy_from(answer))

    def _policy_from(self, answer: Answer) -> RobotsPolicy:
        """200: obey it; 4xx (none): allow all; 5xx, 3xx: allow all, but say so."""
        if answer.status == 200:
            text = answer.body.decode("utf-8", errors="replace")
            return RobotsPolicy.parse(text, self._product)
        if not 400 <= answer.status < 500:
            log.warning("robots.txt answered HTTP %d: allowing all", answer.status)
        return RobotsPolicy.allow_all()

    def _install(self, policy: RobotsPolicy) -> None:
        if not self._obey:
            policy = RobotsPolicy.allow_all()
        self._robots = policy
        self._pacer.crawl_delay = policy.crawl_delay
        if policy.crawl_delay:
            log.info("robots.txt Crawl-delay %g s", policy.crawl_delay)


def site_url(base_url: str, host: str, path: str) -> str | None:
    """The absolute URL of a site path, or None for anything that could leave the site."""
    if not path.startswith("/") or path.startswith("//"):
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in path):
        return None
    url = base_url + path
    return url if (urlsplit(url).hostname or "").lower() == host else None


def redirect_error(answer: Answer, target: str, host: str) -> str | None:
    """Why a redirect to ``target`` is not followed, or None to follow it."""
    if "location" not in answer.headers:
        return f"HTTP {answer.status} without Location"
    parts = urlsplit(target)
    target_host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or target_host != host:
        return f"redirect to another host refused: {target_host or target}"
    return None


def http_client(
    user_agent: str, timeout: float, transport: httpx.BaseTransport | None
) -> httpx.Client:
    """The keep-alive client: redirects are followed by hand, never by httpx."""
    return httpx.Client(
        headers={"User-Agent": user_agent, "Accept": "text/html,*/*;q=0.5"},
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        transport=transport,
    )


def conditional(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """The conditional request headers for the validators the caller holds."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


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
