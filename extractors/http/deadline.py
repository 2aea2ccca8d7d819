"""A deadline for a whole response, headers and body together, that holds whatever
the server does.

httpx's ``timeout=`` limits each socket read, not a response: a server sending
one byte every few seconds never trips it. So every socket read made while a
deadline is set (see :func:`response_deadline`) waits at most the time left,
and a read once the deadline has passed fails at once with a timeout. The
deadline is per thread: the client's threads each fetch their own page.
"""

from __future__ import annotations

import functools
import math
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

from extractors.http.pacing import Clock

_local = threading.local()


@contextmanager
def response_deadline(seconds: float) -> Iterator[float]:
    """Bound every socket read of this thread for ``seconds`` from now; yield the
    monotonic instant the deadline falls on."""
    previous = getattr(_local, "deadline", None)
    _local.deadline = time.monotonic() + seconds
    try:
        yield _local.deadline
    finally:
        _local.deadline = previous


class ResponseDeadline(Exception):
    """A response did not end within its deadline; ``status`` None if no headers came."""

    def __init__(self, seconds: float, status: int | None) -> None:
        super().__init__(f"response deadline of {seconds:.3g} s passed")
        self.status = status


class PastDeadline(Exception):
    """The page's deadline passed, or would pass before its next request could start."""


class PageTime:
    """One page's deadline, counted from its first request (the pacer's queue before
    it is politeness, not the page's fault)."""

    def __init__(self, clock: Clock, limit: float) -> None:
        self.limit = limit
        self._clock = clock
        self.end: float | None = None

    def start(self) -> None:
        if self.end is None:
            self.end = self._clock.monotonic() + self.limit

    def left(self) -> float:
        return math.inf if self.end is None else self.end - self._clock.monotonic()

    def reason(self, tries: int) -> str:
        return f"page deadline of {self.limit:g} s passed after {tries} tries"


def _bounded(timeout: float | None) -> float | None:
    """``timeout`` shortened to the time left before this thread's deadline."""
    deadline: float | None = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("response deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout))
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.SyncBackend):
    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = super().connect_tcp(host, port, _bounded(timeout), local_address, socket_options)
        return _DeadlineStream(stream)


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """httpx's default verifying context, built once per process: loading the CA
    bundle costs a tenth of a second, and every client of a run can share it."""
    return httpx.create_ssl_context()


def deadline_transport() -> httpx.HTTPTransport:
    """httpx's own transport, its sockets wrapped so reads honour the deadline.

    httpx takes no network backend, so its connection pool is rebuilt with one
    (the pool's other settings are httpx's defaults, as the client uses them).
    """
    ssl_context = shared_ssl_context()
    transport = httpx.HTTPTransport(verify=ssl_context)
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=5.0,
        network_backend=_DeadlineBackend(),
    )
    return transport
