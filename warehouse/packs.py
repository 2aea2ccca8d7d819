"""Pack files, the archive's format before WARC: read, never written any more.

A pack held the pages of 1,000 question numbers, ``{number // 1000:04d}.pack``,
each record a header line, then the gzip member of the body::

    ANQPACK1 <uid> <sha256> <length>\\n<length bytes of gzip>

The file is its own index: :func:`scan` walks the headers, skipping over the
data by its length. A record torn by a crash mid-append was followed by the
next append: the scan notices that a record does not end where a header (or
the end of the file) starts, drops it and resynchronises on the next header
mark. The gzip CRC and the sha256 check on every read catch the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from warehouse.warcfile import Index, next_mark

MAGIC = b"ANQPACK1 "
_MAX_HEADER = 160  # magic + uid (<= 24) + sha256 (64) + length + separators


#: The same index as a WARC file's: the data offset and length of each (uid, sha256).
PackIndex = Index


def refresh(path: Path, index: PackIndex) -> None:
    """Extend ``index`` with the records written since it was last scanned."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    if size <= index.scanned_to:
        return
    with path.open("rb") as handle:
        for key, start, length in scan(handle, index.scanned_to, size):
            index.entries.setdefault(key, (start, length))
            # Only whole records move the mark: a tail that does not read as
            # one may be an append still in progress in another process.
            index.scanned_to = start + length


def scan(handle: BinaryIO, offset: int, size: int) -> Iterator[tuple[tuple[str, str], int, int]]:
    """Each whole record from ``offset`` to ``size``: key, data offset, data length."""
    for key, _at, start, length in walk(handle, offset, size):
        if key is not None:
            yield key, start, length


#: What :func:`walk` yields: (key, header offset, data offset, data length) for a
#: record; (None, start, start, length) for a stretch that does not read as one.
Piece = tuple[tuple[str, str] | None, int, int, int]


def walk(handle: BinaryIO, offset: int, size: int) -> Iterator[Piece]:
    """The records from ``offset`` to ``size``, and the unreadable stretches between them."""
    while offset < size:
        handle.seek(offset)
        head = handle.read(_MAX_HEADER)
        parsed = _header(head)
        if parsed is not None:
            key, header_len, length = parsed
            end = offset + header_len + length
            if end == size or (end < size and _starts_record(handle, end)):
                yield key, offset, offset + header_len, length
                offset = end
                continue
        # A torn or damaged record: the next one starts at the next mark.
        resume = next_mark(handle, offset + 1, size, MAGIC)
        yield None, offset, offset, resume - offset
        offset = resume


def _header(head: bytes) -> tuple[tuple[str, str], int, int] | None:
    """``((uid, sha), header length, data length)`` if ``head`` opens with a valid header."""
    if not head.startswith(MAGIC):
        return None
    newline = head.find(b"\n")
    if newline < 0:
        return None
    parts = head[len(MAGIC) : newline].split(b" ")
    if len(parts) != 3 or not parts[2].isdigit() or len(parts[1]) != 64:
        return None
    try:
        uid, sha = parts[0].decode("ascii"), parts[1].decode("ascii")
    except UnicodeDecodeError:
        return None
    return (uid, sha), newline + 1, int(parts[2])


def _starts_record(handle: BinaryIO, offset: int) -> bool:
    handle.seek(offset)
    return handle.read(len(MAGIC)) == MAGIC
