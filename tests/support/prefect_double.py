"""A loopback HTTP server that answers as Prefect's REST API does for the calls anq
makes (flows, flow runs, states, artifacts, logs), busy answers included."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class PrefectDouble(ThreadingHTTPServer):
    """Answers ``busy`` 503s (Retry-After: 0) first, then Prefect's answers."""

    def __init__(self, busy: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.busy = busy
        self.calls: list[str] = []
        self.bodies: list[Any] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api"


class _Handler(BaseHTTPRequestHandler):
    server: PrefectDouble

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        self.server.calls.append(self.path)
        self.server.bodies.append(body)
        if self.server.busy:
            self.server.busy -= 1
            self._answer(503, {"exception_message": "Service Unavailable"}, retry_after="0")
        else:
            self._answer(201, {"id": f"id-{len(self.server.calls)}"})

    def _answer(self, status: int, body: dict[str, str], retry_after: str | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        if retry_after is not None:
            self.send_header("retry-after", retry_after)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def prefect_double(busy: int = 0) -> Iterator[PrefectDouble]:
    api = PrefectDouble(busy)
    thread = threading.Thread(target=api.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        api.shutdown()
        api.server_close()
