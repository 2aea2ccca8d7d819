"""A raw-socket HTTP server on 127.0.0.1 that misbehaves byte by byte.

:class:`~tests.support.siteserver.SiteServer` speaks correct HTTP through the
standard library; a hostile server must be free to send one byte of its
headers every few seconds, headers httpx would never write, or a body that
lies about its coding. Each route is a function writing the raw answer::

    with HostileServer() as server:
        server.routes["/p"] = dribble(b"HTTP/1.1 200 OK\\r\\n...", gap=0.3)
        server.routes["/robots.txt"] = answer(200, {"Content-Type": "text/plain"}, b"...")
        server.requests  # [(path, {lowercased header: value}), ...]

Every answer closes its connection; unknown paths get a 404.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

#: Writes one answer on the socket; ``stopping`` is set when the server stops.
Route = Callable[[socket.socket, threading.Event], None]


def answer(status: int, headers: dict[str, str] | list[tuple[str, str]], body: bytes) -> Route:
    """A complete answer with a Content-Length; header values may be any bytes (latin-1)."""
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
    head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in pairs)
    head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    raw = head.encode("latin-1") + body

    def route(conn: socket.socket, stopping: threading.Event) -> None:
        conn.sendall(raw)

    return route


def dribble(raw: bytes, *, gap: float, start: int = 0) -> Route:
    """Send ``raw[:start]`` at once, then one byte every ``gap`` seconds."""

    def route(conn: socket.socket, stopping: threading.Event) -> None:
        conn.sendall(raw[:start])
        for i in range(start, len(raw)):
            if stopping.wait(gap):
                return
            conn.sendall(raw[i : i + 1])

    return route


def slow_body(body_size: int, *, gap: float) -> Route:
    """Headers at once (Content-Length ``body_size``), then a byte every ``gap`` seconds."""
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {body_size}\r\n\r\n".encode()
    return dribble(head + b"x" * body_size, gap=gap, start=len(head))


def slow_headers(*, gap: float) -> Route:
    """The status line and headers one byte every ``gap`` seconds, never ending."""
    return dribble(b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 100_000, gap=gap)


class HostileServer:
    """Routes on an ephemeral 127.0.0.1 port, one thread per connection."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._stopping = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() in progress
        self._sock.close()
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _addr = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            path, headers = _read_request(conn)
            with self._lock:
                self.requests.append((path, headers))
            route = self.routes.get(path, answer(404, {}, b"not here"))
            route(conn, self._stopping)
        except OSError:
            pass  # the client gave up: that is what these tests want
        finally:
            with self._lock:
                self._conns.discard(conn)
            with contextlib.suppress(OSError):
                conn.close()


def _read_request(conn: socket.socket) -> tuple[str, dict[str, str]]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    path = parts[1] if len(parts) > 1 else "/"
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return path, headers
