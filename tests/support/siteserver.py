"""A real, fault-injecting HTTP/1.1 site on 127.0.0.1 for tests and benchmarks.

Why: the polite client (``extractors/http/client.py``) and the end-to-end tests must
meet real sockets, real keep-alive, real resets and real truncated bodies, not
a mocked transport. This server is small, starts in milliseconds on an
ephemeral port, and never listens on anything but 127.0.0.1.

API (stable: add, do not rename)::

    from tests.support.siteserver import Fault, SiteServer

    with SiteServer(seed=0) as site:          # or the ``site_server`` fixture
        site.pages["/dyn/16/questions/QANR5L16QE1"] = b"<html>...</html>"
        site.set_page("/p", b"...", last_modified=datetime(2024, 1, 1, tzinfo=UTC))
        site.robots_txt = "User-agent: *\\nDisallow: /private\\nCrawl-delay: 2\\n"
        site.redirects["/old"] = "/new"       # 302 (``site.redirect_status``)
        site.add_fault(Fault.status(503, retry_after="2"), pattern="/dyn/*",
                       probability=0.2)        # seeded RNG: deterministic
        site.add_fault(Fault.reset(), pattern="/p", times=1)   # first hit only
        url = site.base_url + "/dyn/16/questions/QANR5L16QE1"
        ...
        site.requests                         # list[RequestRecord], by arrival time
        site.count(status=304)                # how many 304 answers (path= too)
        site.peak_rate(window=1.0)            # most requests in any window
        site.clear_log(); site.clear_faults()

    etag_for(body) -> str                     # the ETag the site gives a body
    http_date(datetime | unix_seconds) -> str # an IMF-fixdate, e.g. for Retry-After

    # pytest: in a conftest.py, ``from tests.support.siteserver import site_server``
    # (re-export it; ruff wants ``# noqa: F401``) and ask for ``site_server``.

Behaviour:

* ``pages: dict[str, bytes]`` (mutable, path -> body) answers 200 with
  ``Content-Type: text/html; charset=utf-8``, a strong ``ETag`` derived from
  the body and a ``Last-Modified`` (the moment the server first saw that body,
  or the one given to :meth:`SiteServer.set_page`). ``If-None-Match`` (which
  wins) and ``If-Modified-Since`` are honoured with 304.
* Unknown paths answer 404. The query string is ignored for routing.
* ``robots_txt: str | None`` is served at ``/robots.txt``; ``None`` -> 404.
* ``redirects: dict[str, str]`` maps a path to a ``Location`` (relative or
  absolute, any host), answered with ``redirect_status`` (302).
* Faults (:class:`Fault`, added with :meth:`SiteServer.add_fault`) are checked
  before routing, in the order they were added; the first rule whose glob
  ``pattern`` matches the path, whose ``times`` budget is not spent, and whose
  ``probability`` draw (``random.Random(seed)``) succeeds, decides the answer:
  ``Fault.status(code, retry_after=...)`` (429/500/503/...; ``retry_after``
  is sent verbatim, ``retry_after_in=s`` sends an HTTP date ``s`` seconds
  ahead), ``Fault.slow(delay)`` (answers normally after ``delay`` seconds),
  ``Fault.truncate()`` (Content-Length of the full body, half of it sent,
  then close), ``Fault.reset()`` (no answer, close with SO_LINGER 0: a TCP
  RST), ``Fault.oversize(size, declare_length=True)`` (a 200 of ``size``
  bytes, with Content-Length or chunked), ``Fault.garbled()`` (a 200 whose
  ``Content-Encoding: gzip`` body is not gzip: a decoding error).
* Every request is logged (:class:`RequestRecord`: path with query, method,
  lower-cased headers, ``time.monotonic()`` at arrival, answered status or
  ``None`` for a reset, fault kind) under a lock, before the answer's first
  byte leaves: a client that got its answer always finds its request logged.
* :meth:`SiteServer.stop` (or leaving the ``with``) closes the listener and
  every open keep-alive connection, and wakes any ``slow`` fault.
"""

from __future__ import annotations

import contextlib
import email.utils
import fnmatch
import hashlib
import random
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import urlsplit

import pytest

FaultKind = Literal["status", "slow", "truncate", "reset", "oversize", "garbled", "dribble"]

_QUIET_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


@dataclass(frozen=True)
class Fault:
    """One way for the server to misbehave; build it with the class methods."""

    kind: FaultKind
    code: int = 200
    retry_after: str | None = None
    retry_after_in: float | None = None
    delay: float = 0.0
    size: int = 0
    declare_length: bool = True

    @classmethod
    def status(
        cls, code: int, *, retry_after: str | None = None, retry_after_in: float | None = None
    ) -> Fault:
        """An error answer (429, 500, 503, ...), optionally with Retry-After."""
        return cls("status", code=code, retry_after=retry_after, retry_after_in=retry_after_in)

    @classmethod
    def slow(cls, delay: float) -> Fault:
        """Wait ``delay`` seconds before answering normally."""
        return cls("slow", delay=delay)

    @classmethod
    def truncate(cls) -> Fault:
        """Promise the whole body in Content-Length, send half, then close."""
        return cls("truncate")

    @classmethod
    def reset(cls) -> Fault:
        """Read the request, answer nothing, and reset the connection."""
        return cls("reset")

    @classmethod
    def oversize(cls, size: int, *, declare_length: bool = True) -> Fault:
        """Answer 200 with ``size`` bytes (Content-Length, or chunked if not declared)."""
        return cls("oversize", size=size, declare_length=declare_length)

    @classmethod
    def dribble(cls, gap: float) -> Fault:
        """Answer 200 with headers at once, then one body byte every ``gap`` seconds:
        each read is quick, the response never ends."""
        return cls("dribble", delay=gap)

    @classmethod
    def garbled(cls) -> Fault:
        """Answer 200 with ``Content-Encoding: gzip`` over bytes that are not gzip."""
        return cls("garbled")


@dataclass
class FaultRule:
    """When a fault fires: path glob, probability, and an optional budget."""

    fault: Fault
    pattern: str = "*"
    probability: float = 1.0
    times: int | None = None
    hits: int = 0


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it."""

    path: str
    method: str
    headers: dict[str, str]
    time: float
    status: int | None
    fault: FaultKind | None = None


@dataclass
class _Page:
    etag: str
    last_modified: datetime


def http_date(moment: datetime | float) -> str:
    """An IMF-fixdate (``Sun, 06 Nov 1994 08:49:37 GMT``) for a datetime or a Unix time."""
    stamp = moment.timestamp() if isinstance(moment, datetime) else moment
    return email.utils.formatdate(stamp, usegmt=True)


def etag_for(body: bytes) -> str:
    """The strong ETag the server gives a body (tests can predict it)."""
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


class _Handler(BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1, no Nagle (else ~40 ms per request), no stderr noise."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 10.0
    server: _Server
    arrived: float
    recorded: bool
    fault: Fault | None

    def setup(self) -> None:
        super().setup()
        self.server.site._track(self.connection, add=True)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.site._track(self.connection, add=False)

    def send_response(self, code: int, message: str | None = None) -> None:
        """Log the request before its answer leaves, so a client never outruns the log."""
        self.server.site._record(self, code)
        super().send_response(code, message)

    def do_GET(self) -> None:
        self.server.site._handle(self)

    def do_HEAD(self) -> None:
        self.server.site._handle(self)

    def log_message(self, format: str, *args: object) -> None:
        """Silence the default per-request line on stderr."""

    def send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        """Write a complete answer with its Content-Length."""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, site: SiteServer) -> None:
        self.site = site
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up mid-answer are expected here; stay quiet."""


class SiteServer:
    """The loopback site: pages, robots.txt, redirects, faults and a request log."""

    def __init__(
        self,
        *,
        seed: int = 0,
        pages: dict[str, bytes] | None = None,
        robots_txt: str | None = None,
    ) -> None:
        self.pages: dict[str, bytes] = dict(pages or {})
        self.robots_txt = robots_txt
        self.redirects: dict[str, str] = {}
        self.redirect_status = 302
        self.faults: list[FaultRule] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._log: list[RequestRecord] = []
        self._stamps: dict[str, _Page] = {}
        self._conns: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> SiteServer:
        """Bind an ephemeral port on 127.0.0.1 and serve in a background thread."""
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections, wake slow answers."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The ephemeral port (the server must be started)."""
        if self._server is None:
            raise RuntimeError("SiteServer is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    # -- configuration -----------------------------------------------------

    def set_page(self, path: str, body: bytes, *, last_modified: datetime | None = None) -> None:
        """Serve ``body`` at ``path``; optionally pin its Last-Modified."""
        with self._lock:
            self.pages[path] = body
            if last_modified is not None:
                self._stamps[path] = _Page(etag_for(body), last_modified.replace(microsecond=0))

    def add_fault(
        self,
        fault: Fault,
        *,
        pattern: str = "*",
        probability: float = 1.0,
        times: int | None = None,
    ) -> FaultRule:
        """Add a rule (checked after the earlier ones); returns it so tests can read ``hits``."""
        rule = FaultRule(fault, pattern, probability, times)
        with self._lock:
            self.faults.append(rule)
        return rule

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        with self._lock:
            self.faults.clear()

    # -- the request log ---------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the log, in arrival order."""
        with self._lock:
            return sorted(self._log, key=lambda r: r.time)

    def clear_log(self) -> None:
        """Forget the requests seen so far."""
        with self._lock:
            self._log.clear()

    def count(self, *, path: str | None = None, status: int | None = None) -> int:
        """How many requests matched ``path`` (exact, query included) and/or ``status``."""
        return sum(
            1
            for r in self.requests
            if (path is None or r.path == path) and (status is None or r.status == status)
        )

    def peak_rate(self, window: float = 1.0, *, path: str | None = None) -> int:
        """The most requests that arrived within any half-open window of ``window`` seconds."""
        times = [r.time for r in self.requests if path is None or r.path == path]
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

    # -- serving (called from handler threads) -------------------------------

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def _pick_fault(self, path: str) -> Fault | None:
        with self._lock:
            for rule in self.faults:
                if not fnmatch.fnmatchcase(path, rule.pattern):
                    continue
                if rule.times is not None and rule.hits >= rule.times:
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                rule.hits += 1
                return rule.fault
        return None

    def _record(self, h: _Handler, status: int | None) -> None:
        """Append the request once (first answer wins); the handler carries arrival and fault."""
        if getattr(h, "recorded", True):
            return
        h.recorded = True
        headers = {k.lower(): v for k, v in h.headers.items()}
        kind = h.fault.kind if h.fault is not None else None
        record = RequestRecord(h.path, h.command, headers, h.arrived, status, kind)
        with self._lock:
            self._log.append(record)

    def _handle(self, h: _Handler) -> None:
        h.arrived, h.recorded = time.monotonic(), False
        path = urlsplit(h.path).path
        h.fault = fault = self._pick_fault(path)
        try:
            if fault is not None and fault.kind != "slow":
                self._answer_fault(h, fault)
            else:
                if fault is not None and self._stopping.wait(fault.delay):
                    h.close_connection = True
                    return
                self._answer_route(h, path)
        except _QUIET_ERRORS:
            h.close_connection = True
        finally:
            self._record(h, None)  # no answer was started: a reset, or a stop

    def _answer_route(self, h: _Handler, path: str) -> int:
        if path == "/robots.txt" and self.robots_txt is not None:
            h.send(200, {"Content-Type": "text/plain; charset=utf-8"}, self.robots_txt.encode())
            return 200
        if path in self.redirects:
            h.send(self.redirect_status, {"Location": self.redirects[path]}, b"")
            return self.redirect_status
        body = self.pages.get(path)
        if body is None:
            h.send(404, {"Content-Type": "text/html; charset=utf-8"}, b"<h1>Not found</h1>")
            return 404
        return self._answer_page(h, path, body)

    def _stamp(self, path: str, body: bytes) -> _Page:
        tag = etag_for(body)
        with self._lock:
            page = self._stamps.get(path)
            if page is None or page.etag != tag:
                page = _Page(tag, datetime.now(UTC).replace(microsecond=0))
                self._stamps[path] = page
            return page

    def _answer_page(self, h: _Handler, path: str, body: bytes) -> int:
        page = self._stamp(path, body)
        validators = {"ETag": page.etag, "Last-Modified": http_date(page.last_modified)}
        if _not_modified(h, page):
            h.send(304, validators, b"")
            return 304
        h.send(200, {"Content-Type": "text/html; charset=utf-8", **validators}, body)
        return 200

    def _answer_fault(self, h: _Handler, fault: Fault) -> int | None:
        h.close_connection = fault.kind in ("truncate", "reset")
        if fault.kind == "status":
            headers = {"Content-Type": "text/plain"}
            if fault.retry_after is not None:
                headers["Retry-After"] = fault.retry_after
            elif fault.retry_after_in is not None:
                headers["Retry-After"] = http_date(time.time() + fault.retry_after_in)
            h.send(fault.code, headers, f"fault {fault.code}".encode())
            return fault.code
        if fault.kind == "truncate":
            return _send_truncated(h, self.pages.get(urlsplit(h.path).path))
        if fault.kind == "reset":
            _reset(h)
            return None
        if fault.kind == "dribble":
            return self._dribble(h, fault.delay)
        if fault.kind == "garbled":
            h.send(200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, b"not gzip")
            return 200
        return _send_oversize(h, fault)

    def _dribble(self, h: _Handler, gap: float) -> int:
        h.close_connection = True
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        while not self._stopping.wait(gap):
            h.wfile.write(b"<")
            h.wfile.flush()
        return 200


def _not_modified(h: _Handler, page: _Page) -> bool:
    """If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)."""
    inm = h.headers.get("If-None-Match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or page.etag in tags
    ims = h.headers.get("If-Modified-Since")
    if ims is None:
        return False
    try:
        since = email.utils.parsedate_to_datetime(ims)
    except (TypeError, ValueError):
        return False
    return page.last_modified <= since


def _send_truncated(h: _Handler, body: bytes | None) -> int:
    full = body if body else b"x" * 4096
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", str(len(full)))
    h.end_headers()
    h.wfile.write(full[: len(full) // 2])
    h.wfile.flush()
    return 200


def _reset(h: _Handler) -> None:
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()


def _send_oversize(h: _Handler, fault: Fault) -> int:
    chunk = b"x" * 65536
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    if fault.declare_length:
        h.send_header("Content-Length", str(fault.size))
    else:
        h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    left = fault.size
    while left > 0:
        piece = chunk[: min(left, len(chunk))]
        left -= len(piece)
        if fault.declare_length:
            h.wfile.write(piece)
        else:
            h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
    if not fault.declare_length:
        h.wfile.write(b"0\r\n\r\n")
    return 200


@pytest.fixture
def site_server() -> Iterator[SiteServer]:
    """A started :class:`SiteServer` (seed 0), stopped after the test."""
    with SiteServer(seed=0) as site:
        yield site


__all__ = [
    "Fault",
    "FaultRule",
    "RequestRecord",
    "SiteServer",
    "etag_for",
    "http_date",
    "site_server",
]
