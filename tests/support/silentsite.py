"""A site that takes every page request and never answers it (robots.txt excepted)."""

from __future__ import annotations

import contextlib
import socket
import threading


class SilentSite:
    """A raw socket server on 127.0.0.1: robots.txt answered 404, every other request held."""

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self.held: list[str] = []
        self._open: list[socket.socket] = []
        self._closed = False

    def __enter__(self) -> SilentSite:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed = True
        for conn in [self._sock, *self._open]:
            with contextlib.suppress(OSError):
                conn.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self._open.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while True:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                path = head.split(b" ", 2)[1].decode()
                if not path.startswith("/robots.txt"):
                    self.held.append(path)
                    return  # never answered; the socket stays open until __exit__
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
