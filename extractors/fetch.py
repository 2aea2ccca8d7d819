"""The one polite HTTP client: anq's only network I/O and its only httpx import.

Every page request goes through these layers, in this order:

1. **path check**: only ``/...`` paths under the base URL are asked for.
2. **robots.txt**: fetched once per client (per run); a Disallow for ``anq``
   (or ``*``) fails the page without a request; Crawl-delay feeds the pacer.
3. **conditional headers**: ``If-None-Match`` / ``If-Modified-Since`` when
   the caller has validators; a 304 comes back as ``not_modified``.
4. **pacer** (:mod:`extractors.pacing`): never more than ``rate`` requests in
   any one-second window; every request counts (robots.txt, retries, redirects).
5. **request**: one keep-alive ``httpx.Client``, the body streamed.
6. **body checks**: a Content-Length over ``max_body`` is refused unread, a
   streamed body stops past it; truncated bodies and decoding errors are
   transient failures.
7. **retry/backoff**: 429 and 503 wait for Retry-After (capped) and slow the
   whole run; other 5xx, 408 and network errors back off with full jitter;
   404 and other 4xx are never retried; at most ``max_tries`` requests.
8. **redirects**: followed by hand (each hop goes through 2-7), at most
   ``max_redirects``, and never to another host.

A page never raises: every problem is a :class:`FetchResult` whose outcome
is ``failed`` and whose ``error`` says why.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import urljoin, urlsplit

import httpx

from extractors.pacing import Clock, Pacer, SystemClock, backoff_delay, parse_retry_after
from extractors.robots import RobotsPolicy

log = logging.getLogger("anq.fetch")

Outcome = Literal["ok", "not_modified", "not_found", "failed"]

#: Names anq, its version and where to read about it or complain.
DEFAULT_UA = "anq/0.1 (+https://github.com/anq-project/anq; parliamentary questions archive)"

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_GONE = frozenset({404, 410})
_RETRY_AFTER = frozenset({429, 503})


class Unreachable(Exception):
    """Nothing answers at the base URL (connection refused, DNS, timeout)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FetchResult:
    """What became of one page: see ``outcome``; ``error`` is set whenever it failed."""

    url: str
    final_url: str
    status: int | None
    body: bytes | None
    etag: str | None
    last_modified: str | None
    error: str | None
    attempts: int
    #: True when the client itself declined, for a reason that holds on every run:
    #: a path off the site, robots.txt, a redirect to another host, the body cap.
    refused: bool = False

    @property
    def outcome(self) -> Outcome:
        """``ok`` (200), ``not_modified`` (304), ``not_found`` (404, 410), else ``failed``."""
        if self.error is not None:
            return "failed"
        if self.status == 200:
            return "ok"
        if self.status == 304:
            return "not_modified"
        if self.status in _GONE:
            return "not_found"
        return "failed"


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: httpx.Headers
    body: bytes


@dataclass(frozen=True)
class _Exchange:
    """One hop after retries: an answer, or the reason there is none."""

    answer: _Answer | None
    error: str | None
    attempts: int
    status: int | None
    refused: bool = False


class _TooLarge(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class PoliteClient:
    """Fetches pages of one site politely; see the module docstring for the layers.

    Defaults are conservative: 20 s timeout, 4 tries, backoff base 1 s capped
    at 60 s, Retry-After honoured up to 300 s. A longer Retry-After pauses the
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
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base URL must be http(s)://host[:port]: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._host = parts.hostname.lower()
        self._product = user_agent.split("/", 1)[0]
        self._clock: Clock = clock or SystemClock()
        self._pacer = Pacer(rate, self._clock)
        self._rng = rng or random.Random()
        self._max_tries = max(1, max_tries)
        self._max_body = max_body
        self._max_redirects = max_redirects
        self._retry_after_cap = retry_after_cap
        self._backoff = (backoff_base, backoff_cap)
        self._reachable_timeout = reachable_timeout
        self._obey_robots = obey_robots
        self._robots: RobotsPolicy | None = None if obey_robots else RobotsPolicy.allow_all()
        self._paused_until: float | None = None
        self._lock = threading.RLock()
        self.requests_made = 0
        self.outcomes: Counter[str] = Counter()
        self._http = httpx.Client(
            headers={"User-Agent": user_agent, "Accept": "text/html,*/*;q=0.5"},
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            transport=transport,
        )

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the keep-alive connections."""
        self._http.close()

    @property
    def pacer(self) -> Pacer:
        """The pacer (its ``interval`` and ``slowdown`` show how hard the run is braking)."""
        return self._pacer

    @property
    def paused(self) -> bool:
        """True while a Retry-After beyond the cap keeps the client from asking anything."""
        return self._paused_until is not None and self._clock.monotonic() < self._paused_until

    # -- the public calls ------------------------------------------------------

    def fetch(
        self, path: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """Fetch one page (a path starting with ``/``); never raises for the page."""
        try:
            result = self._fetch(path, _conditional(etag, last_modified), etag, last_modified)
        except Exception as exc:  # a bug must cost one page, not the run
            log.exception("unexpected error fetching %s", path)
            result = _failed(path, path, None, f"unexpected error: {exc!r}", 0)
        with self._lock:
            self.outcomes[result.outcome] += 1
        return result

    def check_reachable(self) -> None:
        """Ask for robots.txt once, briefly; raise :class:`Unreachable` when nothing answers.

        Any HTTP answer counts as reachable. The answer also serves as this
        run's robots.txt, so the site is not asked twice.
        """
        try:
            answer = self._get_robots(self._reachable_timeout)
        except _TooLarge:
            return  # it answered: reachable, and robots.txt will be asked for again
        except httpx.RequestError as exc:
            raise Unreachable(f"{self.base_url} unreachable: {_describe(exc)} ({exc})") from exc
        with self._lock:
            if self._robots is None:
                self._install_robots(self._policy_from(answer))

    # -- one page --------------------------------------------------------------

    def _fetch(
        self, path: str, headers: dict[str, str], etag: str | None, last_modified: str | None
    ) -> FetchResult:
        url = self._url(path)
        if url is None:
            reason = f"refused: {path!r} is not a path on this site"
            return _failed(path, path, None, reason, 0, refused=True)
        current, attempts = url, 0
        for _hop in range(self._max_redirects + 1):
            exchange = self._exchange(current, headers)
            attempts += exchange.attempts
            answer = exchange.answer
            if answer is None:
                status, why = exchange.status, exchange.error
                return _failed(url, current, status, why, attempts, refused=exchange.refused)
            if answer.status not in _REDIRECTS:
                return _result(url, current, answer, attempts, etag, last_modified)
            target = urljoin(current, answer.headers.get("location", ""))
            error = self._redirect_error(answer, target)
            if error is not None:
                off_host = error.startswith("redirect to another host")
                return _failed(url, current, answer.status, error, attempts, refused=off_host)
            current = target
        return _failed(url, current, None, f"more than {self._max_redirects} redirects", attempts)

    def _url(self, path: str) -> str | None:
        """The absolute URL of a site path, or None for anything that could leave the site."""
        if not path.startswith("/") or path.startswith("//"):
            return None
        if any(ch.isspace() or ord(ch) < 32 for ch in path):
            return None
        url = self.base_url + path
        return url if (urlsplit(url).hostname or "").lower() == self._host else None

    def _redirect_error(self, answer: _Answer, target: str) -> str | None:
        if "location" not in answer.headers:
            return f"HTTP {answer.status} without Location"
        parts = urlsplit(target)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or host != self._host:
            return f"redirect to another host refused: {host or target}"
        return None

    def _exchange(self, url: str, headers: dict[str, str]) -> _Exchange:
        """Robots and pause checks, then the request with its retries."""
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if not self._policy().allows(target):
            return _Exchange(None, "disallowed by robots.txt", 0, None, refused=True)
        if self.paused:
            reason = "paused: the site asked for a pause beyond the Retry-After cap; not asked"
            return _Exchange(None, reason, 0, None)
        return self._with_retries(url, headers)

    # -- retries ---------------------------------------------------------------

    def _with_retries(self, url: str, headers: dict[str, str]) -> _Exchange:
        kind, status = "error", None
        for attempt in range(1, self._max_tries + 1):
            try:
                answer = self._send(url, headers)
            except _TooLarge as exc:
                return _Exchange(None, str(exc), attempt, exc.status, refused=True)
            except httpx.RequestError as exc:
                kind, status, wait = _describe(exc), None, self._backoff_delay(attempt)
                log.info("%s on %s (try %d): %s", kind, url, attempt, exc)
            else:
                status = answer.status
                if status not in _RETRY_AFTER and status != 408 and status < 500:
                    return _Exchange(answer, None, attempt, status)
                kind, wait = f"HTTP {status}", self._backoff_delay(attempt)
                if status in _RETRY_AFTER:
                    refusal = self._honour_retry_after(answer, wait)
                    if refusal is not None:
                        return _Exchange(None, refusal, attempt, status)
                    wait = 0.0  # the pacer now holds every request for the delay
                log.info("HTTP %d on %s (try %d)", status, url, attempt)
            if attempt < self._max_tries:
                self._clock.sleep(wait)
        return _Exchange(None, f"{kind} after {self._max_tries} tries", self._max_tries, status)

    def _honour_retry_after(self, answer: _Answer, fallback: float) -> str | None:
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

    def _send(self, url: str, headers: dict[str, str], timeout: float | None = None) -> _Answer:
        """One paced request; the body streamed and capped."""
        self._pacer.wait()
        with self._lock:
            self.requests_made += 1
        limit = httpx.USE_CLIENT_DEFAULT if timeout is None else httpx.Timeout(timeout)
        with self._http.stream("GET", url, headers=headers, timeout=limit) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self._max_body:
                raise _TooLarge(
                    response.status_code,
                    f"body of {declared} bytes (Content-Length) exceeds the "
                    f"{self._max_body}-byte cap; refused unread",
                )
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > self._max_body:
                    raise _TooLarge(
                        response.status_code,
                        f"body exceeds the {self._max_body}-byte cap; stopped reading",
                    )
            return _Answer(response.status_code, response.headers, bytes(body))

    # -- robots.txt ------------------------------------------------------------

    def _policy(self) -> RobotsPolicy:
        """This run's robots policy, fetched on first use."""
        with self._lock:
            if self._robots is None:
                try:
                    policy = self._policy_from(self._get_robots(None))
                except (httpx.RequestError, _TooLarge) as exc:
                    log.warning("robots.txt unreadable (%s): allowing all", exc)
                    policy = RobotsPolicy.allow_all()
                self._install_robots(policy)
            assert self._robots is not None
            return self._robots

    def _get_robots(self, timeout: float | None) -> _Answer:
        return self._send(self._origin + "/robots.txt", {}, timeout)

    def _policy_from(self, answer: _Answer) -> RobotsPolicy:
        """200: obey it; 4xx (none): allow all; 5xx, 3xx: allow all, but say so."""
        if answer.status == 200:
            text = answer.body.decode("utf-8", errors="replace")
            return RobotsPolicy.parse(text, self._product)
        if not 400 <= answer.status < 500:
            log.warning("robots.txt answered HTTP %d: allowing all", answer.status)
        return RobotsPolicy.allow_all()

    def _install_robots(self, policy: RobotsPolicy) -> None:
        if not self._obey_robots:
            policy = RobotsPolicy.allow_all()
        self._robots = policy
        self._pacer.crawl_delay = policy.crawl_delay
        if policy.crawl_delay:
            log.info("robots.txt Crawl-delay %g s", policy.crawl_delay)


def _conditional(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _result(
    url: str, final: str, answer: _Answer, attempts: int, etag: str | None, lm: str | None
) -> FetchResult:
    """The page's answer as a FetchResult (200, 304, 404/410, or another 4xx/3xx: failed)."""
    status, headers = answer.status, answer.headers
    plain = FetchResult(url, final, status, None, None, None, None, attempts)
    if status == 200:
        new_etag, new_lm = headers.get("etag"), headers.get("last-modified")
        return replace(plain, body=answer.body, etag=new_etag, last_modified=new_lm)
    if status == 304:  # keep the caller's validators unless the server sent fresh ones
        kept_etag, kept_lm = headers.get("etag", etag), headers.get("last-modified", lm)
        return replace(plain, etag=kept_etag, last_modified=kept_lm)
    if status in _GONE:
        return plain
    return replace(plain, error=f"HTTP {status}")


def _failed(
    url: str,
    final: str,
    status: int | None,
    error: str | None,
    attempts: int,
    *,
    refused: bool = False,
) -> FetchResult:
    return FetchResult(url, final, status, None, None, None, error or "failed", attempts, refused)


def _describe(exc: httpx.RequestError) -> str:
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


__all__ = [
    "DEFAULT_UA",
    "Clock",
    "FetchResult",
    "Outcome",
    "PoliteClient",
    "SystemClock",
    "Unreachable",
]
