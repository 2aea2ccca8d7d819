"""A zip archive's members, read one entry of its central directory at a time.

``zipfile.ZipFile`` builds a ``ZipInfo`` for every member as it opens an archive and keeps
them until it closes: for a legislature's archive of 60,000 one-question files, tens of MB
of Python objects for the whole load (docs/benchmarks.md, "Open data"). Here an entry is
read, its member read, and the entry dropped, so the memory does not grow with the member
count. Stored and deflated members, ZIP64 sizes and offsets; an encrypted member, another
compression method or a CRC-32 that differs raise ``zipfile.BadZipFile``, as zipfile does.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from zipfile import BadZipFile

_END = struct.Struct("<4s4H2LH")
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")
_ENTRY = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_ZIP64 = 0x0001
_MAX_COMMENT = 0xFFFF
_STORED, _DEFLATED = 0, 8
_ENCRYPTED, _UTF8 = 0x1, 0x800
#: Compressed bytes read at a time from a member.
CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class Member:
    """One central-directory entry: what reading its member needs."""

    name: str
    method: int
    flags: int
    crc: int
    compressed_size: int
    size: int
    offset: int

    def is_dir(self) -> bool:
        return self.name.endswith("/")


def members(fp: IO[bytes]) -> Iterator[Member]:
    """Every entry in directory order. The end records and every entry are checked before
    this returns (a bad directory raises ``BadZipFile`` here, before any member is read).
    Read each member before asking for the next entry: both move ``fp``."""
    count, start = _directory(fp)
    for _ in _entries(fp, count, start):
        pass
    return _entries(fp, count, start)


def _entries(fp: IO[bytes], count: int, pos: int) -> Iterator[Member]:
    for _ in range(count):
        fp.seek(pos)
        entry = _ENTRY.unpack(_exactly(fp, _ENTRY.size, "central directory entry"))
        if entry[0] != b"PK\x01\x02":
            raise BadZipFile("bad central directory entry")
        flags, method, crc, csize, size, nlen, xlen, clen = entry[5:7] + entry[9:15]
        raw = _exactly(fp, nlen + xlen + clen, "central directory entry")
        pos += _ENTRY.size + nlen + xlen + clen
        size, csize, offset = _zip64(raw[nlen : nlen + xlen], size, csize, entry[18])
        name = raw[:nlen].decode("utf-8" if flags & _UTF8 else "cp437")
        yield Member(name, method, flags, crc, csize, size, offset)


def open_member(fp: IO[bytes], member: Member) -> io.BufferedReader:
    """The member's bytes, decompressed and checked as they are read."""
    start = _data_start(fp, member)
    return io.BufferedReader(_MemberReader(fp, start, member), CHUNK)


def read_member(fp: IO[bytes], member: Member) -> bytes:
    """The member's bytes, whole (for a small member: a few kB, one read)."""
    fp.seek(_data_start(fp, member))
    raw = _exactly(fp, member.compressed_size, member.name)
    try:
        data = zlib.decompress(raw, -15) if member.method == _DEFLATED else raw
    except zlib.error as err:
        raise BadZipFile(f"{member.name}: {err}") from None
    _check(member, len(data), zlib.crc32(data))
    return data


def _data_start(fp: IO[bytes], member: Member) -> int:
    if member.flags & _ENCRYPTED:
        raise BadZipFile(f"{member.name}: encrypted")
    if member.method not in (_STORED, _DEFLATED):
        raise BadZipFile(f"{member.name}: compression method {member.method}")
    fp.seek(member.offset)
    local = _LOCAL.unpack(_exactly(fp, _LOCAL.size, "local header"))
    if local[0] != b"PK\x03\x04":
        raise BadZipFile(f"{member.name}: bad local header")
    name_length, extra_length = int(local[-2]), int(local[-1])
    return member.offset + _LOCAL.size + name_length + extra_length


def _check(member: Member, size: int, crc: int) -> None:
    if size != member.size or crc != member.crc:
        raise BadZipFile(f"{member.name}: bad CRC-32 or size")


class _MemberReader(io.RawIOBase):
    """Reads ``member`` from ``start`` in ``fp``, seeking before each read (the caller may
    move ``fp`` in between); checks size and CRC-32 at the end, as zipfile does."""

    def __init__(self, fp: IO[bytes], start: int, member: Member) -> None:
        self._fp, self._pos, self._member = fp, start, member
        self._left = member.compressed_size
        self._inflate = zlib.decompressobj(-15) if member.method == _DEFLATED else None
        self._tail = self._ready = b""
        self._crc = self._out = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not len(buffer):
            return 0
        if not self._ready:
            self._ready = self._produce(len(buffer))
        n = min(len(buffer), len(self._ready))
        data, self._ready = self._ready[:n], self._ready[n:]
        buffer[:n] = data
        self._crc, self._out = zlib.crc32(data, self._crc), self._out + n
        if not n:
            _check(self._member, self._out, self._crc)
        return n

    def _produce(self, most: int) -> bytes:
        """Up to ``most`` bytes (more only for the decompressor's last flush); b"" at the end."""
        while self._tail or self._left:
            if not self._tail:
                self._fp.seek(self._pos)
                self._tail = _exactly(self._fp, min(CHUNK, self._left), self._member.name)
                self._pos, self._left = self._pos + len(self._tail), self._left - len(self._tail)
            if self._inflate is None:
                data, self._tail = self._tail[:most], self._tail[most:]
                return data
            try:
                data = self._inflate.decompress(self._tail, most)
            except zlib.error as err:
                raise BadZipFile(f"{self._member.name}: {err}") from None
            self._tail = self._inflate.unconsumed_tail
            if data:
                return data
        if self._inflate is not None:
            data, self._inflate = self._inflate.flush(), None
            return data
        return b""


def _directory(fp: IO[bytes]) -> tuple[int, int]:
    """(entries, offset of the central directory), from the end records."""
    end = fp.seek(0, io.SEEK_END)
    back = min(end, _END.size + _MAX_COMMENT)
    fp.seek(end - back)
    tail = fp.read(back)
    at = _end_record(tail)
    _sig, _disk, _cd_disk, _here, count, _size, offset, _clen = _END.unpack_from(tail, at)
    locator = at - _END64_LOCATOR.size
    if locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        fp.seek(_END64_LOCATOR.unpack_from(tail, locator)[2])
        record = _END64.unpack(_exactly(fp, _END64.size, "zip64 end record"))
        if record[0] != b"PK\x06\x06":
            raise BadZipFile("bad zip64 end record")
        count, offset = record[7], record[9]
    return count, offset


def _end_record(tail: bytes) -> int:
    """Where the end record starts: the last signature whose comment ends the file."""
    at = len(tail)
    while (at := tail.rfind(b"PK\x05\x06", 0, at)) >= 0:
        fits = len(tail) - at >= _END.size
        if fits and at + _END.size + _END.unpack_from(tail, at)[-1] == len(tail):
            return at
    raise BadZipFile("File is not a zip file")


def _zip64(extra: bytes, size: int, csize: int, offset: int) -> tuple[int, int, int]:
    """The 64-bit values of the fields set to 0xFFFFFFFF, from the ZIP64 extra field."""
    pos = 0
    while pos + 4 <= len(extra):
        kind, length = struct.unpack_from("<2H", extra, pos)
        if kind == _ZIP64:
            values = iter(struct.unpack_from(f"<{length // 8}Q", extra, pos + 4))
            size = next(values) if size == 0xFFFFFFFF else size
            csize = next(values) if csize == 0xFFFFFFFF else csize
            offset = next(values) if offset == 0xFFFFFFFF else offset
            break
        pos += 4 + length
    return size, csize, offset


def _exactly(fp: IO[bytes], n: int, what: str) -> bytes:
    data = fp.read(n)
    if len(data) != n:
        raise BadZipFile(f"truncated {what}")
    return data
