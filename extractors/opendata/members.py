"""The records of one archive, streamed: zip members one at a time, never the whole
archive decompressed in memory, nor its directory held (:mod:`extractors.opendata.zipread`).

Two layouts are read:

* one JSON file per question, each ``{"question": {...}}`` (the 16th and 17th);
* a file holding a list of such records (older archives): ``[{...}, {...}]`` is
  decoded record by record from a bounded text buffer (no third-party parser),
  and the wrapped form ``{"<name>": {"question": [...]}}`` is decoded whole, refused
  above :data:`WHOLE_MEMBER_CAP` bytes uncompressed.

Anything else refuses the archive with :class:`ArchiveFormatError`. A member that
is not valid JSON, or a record that is not an object, is one failed item: the
caller records it and goes on.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any
from zipfile import BadZipFile

from extractors.opendata.zipread import Member, members, open_member, read_member

#: Largest member decoded in one piece (the wrapped list form only).
WHOLE_MEMBER_CAP = 256_000_000
#: Members up to this size are read in one piece (a single question is a few kB).
SMALL_MEMBER = 1_000_000
#: Characters read at a time from a list member.
CHUNK = 1 << 16
#: Largest single record of a list member (a guard against a member that never closes).
MAX_RECORD_CHARS = 64_000_000


class ArchiveFormatError(Exception):
    """The archive is not a zip of open-data question records."""


@dataclass(frozen=True, slots=True)
class RecordItem:
    """One record of an archive, or the reason one could not be read."""

    member: str
    index: int
    data: Mapping[str, Any] | None
    error: str | None = None


def iter_records(fileobj: IO[bytes]) -> Iterator[RecordItem]:
    """Every record of the zip in ``fileobj``, member by member, in archive order."""
    try:
        entries = members(fileobj)
    except BadZipFile as err:
        raise ArchiveFormatError(f"not a zip archive: {err}") from None
    for entry in entries:
        if not entry.is_dir():
            yield from _member(fileobj, entry)


def _member(fileobj: IO[bytes], info: Member) -> Iterator[RecordItem]:
    name = info.name
    try:
        if info.size <= SMALL_MEMBER:  # one question per file: read it whole, cheaply
            body = read_member(fileobj, info).decode("utf-8-sig")
            head = body.lstrip()[:1]
            if head == "{":
                yield from _object_member(name, info, body)
                return
        with open_member(fileobj, info) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig")
            head = _peek(text)
            if head == "[":
                yield from _list_member(name, text)
            elif head == "{":
                yield from _object_member(name, info, head + text.read())
            else:
                raise ArchiveFormatError(f"{name}: neither a record nor a list of records")
    except (BadZipFile, OSError, UnicodeDecodeError, EOFError) as err:
        yield RecordItem(name, 0, None, f"unreadable member: {err}")


def _peek(text: IO[str]) -> str:
    """The first character that is not whitespace (consumed)."""
    while True:
        ch = text.read(1)
        if not ch or not ch.isspace():
            return ch


def _object_member(name: str, info: Member, body: str) -> Iterator[RecordItem]:
    if info.size > WHOLE_MEMBER_CAP:
        raise ArchiveFormatError(f"{name}: {info.size} bytes, over the decoding cap")
    try:
        data = json.loads(body)
    except json.JSONDecodeError as err:
        yield RecordItem(name, 0, None, f"invalid JSON: {err}")
        return
    if "question" in data:
        yield RecordItem(name, 0, data)
        return
    inner = next(iter(data.values()), None) if len(data) == 1 else None
    listed = inner.get("question") if isinstance(inner, Mapping) else None
    if not isinstance(listed, list):
        raise ArchiveFormatError(f"{name}: an object that is neither a record nor a list")
    for index, item in enumerate(listed):
        yield _item(name, index, {"question": item})


def _list_member(name: str, text: IO[str]) -> Iterator[RecordItem]:
    """``[{...}, {...}]`` decoded one element at a time from a bounded buffer."""
    decoder = json.JSONDecoder()
    buffer, pos, index = "", 0, 0
    while True:
        buffer, pos = buffer[pos:].lstrip(" \t\r\n,"), 0
        if not buffer:
            buffer = text.read(CHUNK).lstrip(" \t\r\n,")
            if not buffer:
                yield RecordItem(name, index, None, "list not closed by ']'")
                return
        if buffer[0] == "]":
            return
        try:
            value, pos = decoder.raw_decode(buffer)
        except json.JSONDecodeError as err:
            more = text.read(CHUNK)
            if not more or len(buffer) > MAX_RECORD_CHARS:
                yield RecordItem(name, index, None, f"invalid JSON: {err}")
                return
            buffer += more
            continue
        yield _item(name, index, value)
        index += 1


def _item(name: str, index: int, value: Any) -> RecordItem:
    if isinstance(value, Mapping):
        return RecordItem(name, index, value)
    return RecordItem(name, index, None, f"a {type(value).__name__}, not a record")
