"""WARC records: a page as the response anq received, in the web archives' standard format.

Each stored page is one WARC/1.1 ``response`` record (ISO 28500): the record
headers (``WARC-Target-URI`` the URL asked, ``WARC-Date`` the fetch time,
``WARC-Payload-Digest`` and ``WARC-Block-Digest`` in ``sha256:`` base32, and
``Anq-Uid`` the question), then the HTTP status line and response headers as
received, then the body. The body is stored decoded, as the extractor read
it, so the headers that described the bytes on the wire (``Content-Encoding``,
``Transfer-Encoding``, a ``Content-Length`` that no longer matches) are kept
renamed ``X-Archive-Orig-<name>``, as pywb names them, and a true
``Content-Length`` is added.

Each record is its own gzip member, as in any ``.warc.gz``. The member's
header carries the member's length in its extra field (subfield ``AQ``, as
BGZF carries ``BC``), which gzip readers and warcio skip: a scan reads each
record's first bytes and jumps to the next, so a file is its own index
(:mod:`warehouse.warcfile`). The bytes depend on the page and its response
alone (gzip ``mtime`` 0, the record id a UUID5 of URI, date and digest).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

#: Every member anq writes starts with these bytes: the gzip magic, deflate, FEXTRA
#: set, mtime 0, no extra flags, OS unknown, 12 bytes of extra field, subfield "AQ"
#: of 8 bytes (the member's length, little-endian, follows).
MARK = b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff\x0c\x00AQ\x08\x00"
HEAD = len(MARK) + 8

#: Record headers longer than this are not anq's (a URL is at most a few hundred bytes).
MAX_HEADERS = 1 << 16

_EOR = b"\r\n\r\n"
_RENAMED = (b"content-encoding", b"transfer-encoding")
_ORIG = b"X-Archive-Orig-"
_SHA256 = re.compile(r"[0-9a-f]{64}")

Key = tuple[str, str]


class BadRecord(ValueError):
    """Bytes that do not read as one of anq's WARC records; ``problem`` says why."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass(frozen=True)
class Response:
    """What a WARC record says of the response besides its body."""

    url: str  # the URL asked for (the last one, after redirects)
    date: dt.datetime  # when it was received, naive UTC
    status: int
    reason: str = ""
    http_version: str = "HTTP/1.1"
    headers: tuple[tuple[bytes, bytes], ...] = ()  # as received, names as sent


@dataclass(frozen=True)
class RecordAt:
    """Where a record is: its file (relative to the archive root), offset and length."""

    file: str
    offset: int
    length: int


def member(uid: str, sha256: str, body: bytes, response: Response, level: int) -> bytes:
    """The gzip member that stores ``body`` (whose sha256 is ``sha256``) for ``uid``."""
    http = http_head(response, len(body))
    block = hashlib.sha256(http)
    block.update(body)
    block_digest, payload_digest = _b32(block.digest()), _b32(bytes.fromhex(sha256))
    date = warc_date(response.date)
    record_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{response.url} {date} {block_digest}")
    fields = [
        ("WARC-Type", "response"),
        ("WARC-Record-ID", f"<urn:uuid:{record_id}>"),
        ("WARC-Date", date),
        ("WARC-Target-URI", response.url),
        ("Content-Type", "application/http;msgtype=response"),
        ("WARC-Payload-Digest", f"sha256:{payload_digest}"),
        ("WARC-Block-Digest", f"sha256:{block_digest}"),
        ("Anq-Uid", uid),
        ("Content-Length", str(len(http) + len(body))),
    ]
    head = "WARC/1.1\r\n" + "".join(f"{name}: {value}\r\n" for name, value in fields) + "\r\n"
    return _gzip_member((head.encode("utf-8"), http, body, _EOR), level)


def http_head(response: Response, length: int) -> bytes:
    """The status line and headers, those that described the encoded body renamed."""
    lines = [f"{response.http_version} {response.status} {response.reason}".rstrip().encode()]
    kept_length = False
    for name, value in response.headers:
        if any(c in name + value for c in b"\r\n"):
            raise ValueError(f"{response.url}: a header holds a line break: {name!r}")
        low = name.lower()
        if low in _RENAMED or (low == b"content-length" and value.strip() != b"%d" % length):
            name = _ORIG + name
        elif low == b"content-length":
            kept_length = True
        lines.append(name + b": " + value)
    if not kept_length:
        lines.append(b"Content-Length: %d" % length)
    return b"\r\n".join(lines) + _EOR


def warc_date(at: dt.datetime) -> str:
    """``at`` (naive UTC) as WARC-Date: ISO 8601 in UTC, microseconds when there are any."""
    if at.tzinfo is not None:
        raise ValueError(f"a WARC date is naive UTC, got {at!r}")
    return at.isoformat(timespec="microseconds" if at.microsecond else "seconds") + "Z"


def _gzip_member(parts: Iterable[bytes], level: int) -> bytes:
    """One gzip member of ``parts`` with its own length in its header (no copy of the input)."""
    squeeze = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    crc, size, out = 0, 0, []
    for part in parts:
        crc, size = zlib.crc32(part, crc), size + len(part)
        out.append(squeeze.compress(part))
    out.append(squeeze.flush())
    length = HEAD + sum(map(len, out)) + 8
    trailer = crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")
    return b"".join([MARK, length.to_bytes(8, "little"), *out, trailer])


def member_length(head: bytes) -> int | None:
    """The length a member starting with ``head`` declares; None if it is not anq's."""
    if len(head) < HEAD or not head.startswith(MARK):
        return None
    length = int.from_bytes(head[len(MARK) : HEAD], "little")
    return length if length > HEAD + 8 else None


def head_key(start: bytes) -> Key | None:
    """The (uid, sha256) a member's first bytes name; None until they hold the whole header."""
    # Raw deflate past anq's fixed gzip header (the CRC is checked on reads, not here),
    # inflated only as far as the record headers go.
    inflate, text = zlib.decompressobj(-zlib.MAX_WBITS), b""
    try:
        text = inflate.decompress(start[HEAD:], 1024)
        while _EOR not in text and inflate.unconsumed_tail and len(text) < MAX_HEADERS:
            text += inflate.decompress(inflate.unconsumed_tail, 4096)
    except zlib.error:
        return None
    end = text.find(_EOR)
    if end < 0:
        return None
    try:
        return _key(_fields(text[:end]))
    except BadRecord:
        return None


@dataclass(frozen=True)
class Record:
    """One record read back: its key, headers, and where block and body are in ``raw``."""

    key: Key
    fields: dict[str, str]
    raw: bytes
    block: slice
    body_start: int

    def body(self) -> bytes:
        return self.raw[self.body_start : self.block.stop]

    def digests_problem(self) -> str | None:
        """What is wrong with the block and payload digests; None when both match."""
        view = memoryview(self.raw)
        block = _b32(hashlib.sha256(view[self.block]).digest())
        if self.fields.get("warc-block-digest") != f"sha256:{block}":
            return "the block does not match WARC-Block-Digest"
        payload = hashlib.sha256(view[self.body_start : self.block.stop]).hexdigest()
        return None if payload == self.key[1] else "content does not match its sha256"


def read_record(data: bytes) -> Record:
    """The record a whole member holds; raises :class:`BadRecord`."""
    inflate = zlib.decompressobj(31)
    try:
        raw = inflate.decompress(data)
    except zlib.error as err:
        raise BadRecord(f"cannot unzip: {err}") from err
    if not inflate.eof or inflate.unused_data:
        raise BadRecord("cannot unzip: not one whole gzip member")
    end = raw.find(_EOR, 0, MAX_HEADERS)
    if end < 0:
        raise BadRecord("no end to the record headers")
    fields = _fields(raw[:end])
    key = _key(fields)
    length = fields.get("content-length", "")
    start = end + len(_EOR)
    if not length.isdigit() or raw[start + int(length) :] != _EOR:
        raise BadRecord("the block does not have its Content-Length")
    block = slice(start, start + int(length))
    http_end = raw.find(_EOR, start, block.stop)
    if http_end < 0:
        raise BadRecord("no end to the HTTP headers")
    return Record(key, fields, raw, block, http_end + len(_EOR))


def _fields(head: bytes) -> dict[str, str]:
    """Record header fields, names lower-cased; raises BadRecord unless a WARC/1.x record."""
    lines = head.decode("utf-8", "replace").split("\r\n")
    if not lines[0].startswith("WARC/1."):
        raise BadRecord("not a WARC record")
    fields = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip().lower()] = value.strip()
    return fields


def _key(fields: dict[str, str]) -> Key:
    """(uid, sha256 hex) from ``Anq-Uid`` and ``WARC-Payload-Digest``."""
    uid, digest = fields.get("anq-uid", ""), fields.get("warc-payload-digest", "")
    if fields.get("warc-type") != "response" or not uid or not digest.startswith("sha256:"):
        raise BadRecord("not a response record of anq's (WARC-Type, Anq-Uid, sha256 digest)")
    try:
        sha = base64.b32decode(digest.removeprefix("sha256:")).hex()
    except (binascii.Error, ValueError) as err:
        raise BadRecord(f"WARC-Payload-Digest is not base32: {digest}") from err
    if _SHA256.fullmatch(sha) is None:
        raise BadRecord(f"WARC-Payload-Digest is not a sha256: {digest}")
    return uid, sha


def _b32(digest: bytes) -> str:
    return base64.b32encode(digest).decode("ascii")
