"""Content-codings decoded by hand, a chunk at a time, against the body cap.

httpx decodes every layer of ``Content-Encoding: gzip, gzip`` whole before the
caller sees a byte, so a 2 KB answer can grow to gigabytes before a cap is
checked. Here the raw bytes are decoded layer by layer with ``max_length``:
no layer ever holds more than one chunk, and every layer's output counts
against the cap. At most two codings (gzip, deflate; identity is ignored) are
accepted; anything else is refused.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable, Iterator
from typing import IO

#: Codings accepted, and how many may be stacked (``gzip, gzip`` is legal HTTP,
#: a third layer has no honest use).
CODINGS = frozenset({"gzip", "x-gzip", "deflate"})
MAX_CODINGS = 2
_CHUNK = 64 * 1024


class BadEncoding(Exception):
    """An encoding anq will not decode (unknown, or too many layers)."""


class DecodeFailed(Exception):
    """The body does not decode under the coding it declares."""


class CapExceeded(Exception):
    """A layer produced more than the cap allows."""


class TimeUp(Exception):
    """The response's deadline passed while its body was being read."""


def read_decoded(
    raw: Iterable[bytes], coding: str | None, cap: int, end: float, keep_prefix: bool
) -> tuple[bytes, bool]:
    """The body of ``raw`` decoded under the Content-Encoding ``coding``, read until the
    monotonic instant ``end``; with ``keep_prefix`` a longer body is cut to ``cap``
    bytes (the flag says so) instead of refused."""
    body = bytearray()
    for chunk in decode(raw, codings(coding), cap):
        if time.monotonic() >= end:
            raise TimeUp("response deadline passed")
        body += chunk
        if len(body) > cap and keep_prefix:
            return bytes(body[:cap]), True
        if len(body) > cap:
            raise CapExceeded(f"body exceeds the {cap}-byte cap")
    return bytes(body), False


def write_decoded(
    raw: Iterable[bytes], coding: str | None, cap: int, end: float, sink: IO[bytes]
) -> int:
    """As :func:`read_decoded`, but each decoded chunk goes to ``sink`` (written from its
    start, truncated first) instead of memory; returns the bytes written."""
    sink.seek(0)
    sink.truncate()
    size = 0
    for chunk in decode(raw, codings(coding), cap):
        if time.monotonic() >= end:
            raise TimeUp("response deadline passed")
        size += len(chunk)
        if size > cap:
            raise CapExceeded(f"body exceeds the {cap}-byte cap")
        sink.write(chunk)
    return size


def codings(header: str | None) -> list[str]:
    """The codings of a Content-Encoding value, first applied first; refuse the rest."""
    names = [part.strip().lower() for part in (header or "").split(",")]
    names = [name for name in names if name and name != "identity"]
    unknown = [name for name in names if name not in CODINGS]
    if unknown:
        raise BadEncoding(f"Content-Encoding {unknown[0][:40]!r} not supported")
    if len(names) > MAX_CODINGS:
        raise BadEncoding(f"{len(names)} stacked content-codings, more than {MAX_CODINGS}")
    return names


class _Layer:
    """One coding, decoded incrementally; gzip members may follow one another."""

    def __init__(self, name: str) -> None:
        self._gzip = name != "deflate"
        self._zlib_header: bool | None = None  # deflate: zlib-wrapped or raw, seen on use
        self._obj = self._new()

    def _new(self) -> zlib._Decompress:
        if self._gzip:
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(zlib.MAX_WBITS if self._zlib_header else -zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self._gzip and self._zlib_header is None:
            if not data:
                return
            self._zlib_header = (data[0] & 0x0F) == 8 and int.from_bytes(data[:2]) % 31 == 0
            self._obj = self._new()
        try:
            while True:  # until the input is used and zlib holds no more output
                out = self._obj.decompress(data, _CHUNK)
                data = self._obj.unconsumed_tail
                if self._obj.eof and self._gzip and self._obj.unused_data:
                    data, self._obj = self._obj.unused_data, self._new()
                if out:
                    yield out
                if not data and len(out) < _CHUNK:
                    return
        except zlib.error as exc:
            raise DecodeFailed(f"decode error: {exc}") from exc

    def finish(self) -> Iterator[bytes]:
        try:
            tail = self._obj.flush()
        except zlib.error as exc:
            raise DecodeFailed(f"decode error: {exc}") from exc
        if tail:
            yield tail


def decode(raw: Iterable[bytes], names: list[str], cap: int) -> Iterator[bytes]:
    """The decoded body of ``raw`` under ``names``, in chunks of at most 64 KiB per
    layer; :class:`CapExceeded` once the input of any layer passes ``cap`` bytes.
    The caller counts the output (it may keep a prefix rather than refuse)."""
    stream: Iterator[bytes] = iter(raw)
    for name in names:
        stream = _through(_Layer(name), _counted(stream, cap))
    return stream


def _through(layer: _Layer, chunks: Iterator[bytes]) -> Iterator[bytes]:
    for chunk in chunks:
        yield from layer.feed(chunk)
    yield from layer.finish()


def _counted(chunks: Iterator[bytes], cap: int) -> Iterator[bytes]:
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > cap:
            raise CapExceeded(f"body exceeds the {cap}-byte cap")
        yield chunk
