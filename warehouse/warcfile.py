"""WARC files: records appended under a lock, an index read back from the file, torn tails cut.

A file is a series of gzip members (:mod:`warehouse.warc`), each declaring
its length in its header, so :func:`walk` reads each record's first bytes
(the member's length and the record headers' uid and digest) and jumps to
the next. A record counts only when it ends where the next one (or the file)
does, or, when junk follows it, once it inflates whole; a stretch that does
not read as a record is skipped, and the walk resynchronises on the next
member mark.

Appends are one ``write`` under ``flock``, so processes sharing a file never
interleave. A process killed mid-write can leave a torn record at the end;
the next append, holding the lock (so no append is in progress), reads the
file to its end first and cuts whatever follows the last whole record
before writing, so the file stays a series of whole records that standard
WARC readers go through. Reading under the lock also lets an append see a
record another process stored meanwhile, and not store it twice.
"""

from __future__ import annotations

import fcntl
import logging
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from warehouse.warc import HEAD, MARK, Key, head_key, member_length

log = logging.getLogger("anq.archive")

SUFFIX = ".warc.gz"

#: Bytes read at a record's start: its gzip header and, compressed, its record headers.
_PEEK = 1024
_READ = 1 << 16


@dataclass(slots=True)
class Index:
    """Where each ``(uid, sha256)`` of one file is: offset and length of its record."""

    entries: dict[Key, tuple[int, int]] = field(default_factory=dict)
    scanned_to: int = 0  # the end of the last whole record read


def append(path: Path, data: bytes, key: Key, index: Index, *, fsync: bool) -> tuple[int, int]:
    """Append one record under an exclusive ``flock``, unless ``key`` is there by now.

    Returns where the record of ``key`` is (offset, length). ``index`` is
    brought up to the file's end first; the caller keeps other threads off it.
    """
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        refresh(path, index)
        found = index.entries.get(key)
        if found is not None:
            return found
        start = index.scanned_to
        torn = os.fstat(fd).st_size - start
        if torn > 0:
            log.warning("%s: cut %d bytes at %d that are no whole record", path, torn, start)
            os.ftruncate(fd, start)
        view = memoryview(data)
        while view:  # a regular file takes it in one write; loop only if the kernel splits it
            view = view[os.write(fd, view) :]
        if fsync:
            os.fsync(fd)
        index.entries[key] = (start, len(data))
        index.scanned_to = start + len(data)
        return start, len(data)
    finally:
        os.close(fd)  # also releases the lock


def refresh(path: Path, index: Index) -> None:
    """Extend ``index`` with the records written since it was last scanned."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    if size <= index.scanned_to:
        return
    with path.open("rb") as handle:
        for key, start, length in walk(handle, index.scanned_to, size):
            if key is not None:
                index.entries.setdefault(key, (start, length))
                # Only whole records move the mark: a tail that does not read as
                # one may be an append still in progress in another process.
                index.scanned_to = start + length


#: What :func:`walk` yields: (key, offset, length) of a record, or (None, offset,
#: length) of a stretch that does not read as one.
Piece = tuple[Key | None, int, int]


def walk(handle: BinaryIO, offset: int, size: int) -> Iterator[Piece]:
    """The records from ``offset`` to ``size``, and the unreadable stretches between them."""
    while offset < size:
        handle.seek(offset)
        head = handle.read(_PEEK)
        length = member_length(head)
        if length is not None:
            end = offset + length
            whole = end == size or (end < size and _followed(handle, offset, length))
            key = _key(handle, offset, length, head) if whole else None
            if key is not None:
                yield key, offset, length
                offset = end
                continue
        # A torn or damaged record: the next one starts at the next mark.
        resume = next_mark(handle, offset + 1, size, MARK)
        yield None, offset, resume - offset
        offset = resume


def _key(handle: BinaryIO, offset: int, length: int, head: bytes) -> Key | None:
    """The key a record's headers name, reading further when they outgrow the first peek."""
    key = head_key(head[:length])
    if key is None and length > len(head):
        handle.seek(offset)
        key = head_key(handle.read(min(length, HEAD + (1 << 16))))
    return key


def _followed(handle: BinaryIO, offset: int, length: int) -> bool:
    """Whether a record ends where it says: the next starts there, or (junk follows) it inflates."""
    handle.seek(offset + length)
    if handle.read(len(MARK)) == MARK:
        return True
    handle.seek(offset)
    inflate = zlib.decompressobj(31)
    try:
        inflate.decompress(handle.read(length))
    except zlib.error:
        return False
    return inflate.eof and not inflate.unused_data


def next_mark(handle: BinaryIO, offset: int, size: int, mark: bytes) -> int:
    """The offset of the next ``mark`` at or after ``offset`` (``size`` if none)."""
    while offset < size:
        handle.seek(offset)
        block = handle.read(_READ + len(mark))
        found = block.find(mark)
        if found >= 0:
            return offset + found
        offset += _READ
    return size


def read_at(path: Path, offset: int, length: int) -> bytes:
    """The bytes of one record."""
    with path.open("rb") as handle:
        handle.seek(offset)
        data = handle.read(length)
    if len(data) != length:
        raise EOFError(f"{path}: record at {offset} is cut short")
    return data
