"""A light loopback site for the end-to-end benchmark: same bytes, a fraction of the CPU.

``tests.support.siteserver.SiteServer`` is a thread-per-connection
``http.server`` with a request log and fault injection: ~0.4 ms of CPU per
51 KB page, taken from the same two cores the measured ``anq`` run uses. The
benchmark needs none of its features, so this server answers from responses
rendered once (status line, headers, body), on one asyncio loop in a thread:
a real HTTP/1.1 keep-alive server on 127.0.0.1, with ``Content-Length``,
``ETag``, ``Last-Modified`` and ``If-None-Match`` (304), serving exactly the
page bytes it was given; anything else answers 404.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import socket
import threading
import time

_MAX_HEAD = 16 * 1024


def _response(status: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items())]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class _Page:
    __slots__ = ("etag", "full", "not_modified")

    def __init__(self, body: bytes, modified: str) -> None:
        self.etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        validators = {"ETag": self.etag, "Last-Modified": modified}
        html = {"Content-Type": "text/html; charset=utf-8", **validators}
        self.full = _response("200 OK", html, body)
        self.not_modified = _response("304 Not Modified", validators, b"")


_NOT_FOUND = _response("404 Not Found", {"Content-Type": "text/html"}, b"<h1>Not found</h1>")


class _Connection(asyncio.Protocol):
    """One keep-alive connection: split requests on the blank line, answer each at once."""

    def __init__(self, pages: dict[str, _Page]) -> None:
        self.pages = pages
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            self.transport.write(self._answer(head))
        if len(self.buffer) > _MAX_HEAD:
            self.transport.close()

    def _answer(self, head: bytes) -> bytes:
        request_line, _, header_block = head.partition(b"\r\n")
        parts = request_line.split(b" ")
        path = parts[1].split(b"?", 1)[0].decode("latin-1") if len(parts) == 3 else ""
        page = self.pages.get(path)
        if page is None:
            return _NOT_FOUND
        for line in header_block.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"if-none-match" and page.etag in value.decode("latin-1"):
                return page.not_modified
        return page.full


class LoopbackSite:
    """``with LoopbackSite(pages) as site: site.base_url`` (pages: path -> body)."""

    def __init__(self, pages: dict[str, bytes]) -> None:
        modified = email.utils.formatdate(time.time(), usegmt=True)
        self.pages = {path: _Page(body, modified) for path, body in pages.items()}
        self.sizes = [len(body) for body in pages.values()]
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="loopback-site")
        self._server: asyncio.Server | None = None

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            self._loop.create_server(lambda: _Connection(self.pages), "127.0.0.1", 0)
        )
        self._ready.set()
        self._loop.run_forever()
        self._server.close()
        self._loop.run_until_complete(self._server.wait_closed())
        self._loop.close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __enter__(self) -> LoopbackSite:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
