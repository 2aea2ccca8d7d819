"""The lean zip reader gives what ``zipfile`` gives, member by member, and refuses what it
refuses: damaged directories up front, a damaged member when it is read."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

from extractors.opendata.zipread import Member, members, open_member, read_member

TEXT = "Question écrite n° 1 : les moyens alloués au ministère. " * 40


def _write(add: Callable[[zipfile.ZipFile], None]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        add(zf)
    return out.getvalue()


def _files(zf: zipfile.ZipFile) -> None:
    zf.writestr("a/Q1.json", TEXT, zipfile.ZIP_DEFLATED)
    zf.writestr("a/", b"")
    zf.writestr("stored.json", TEXT.encode(), zipfile.ZIP_STORED)
    zf.writestr("empty.json", b"", zipfile.ZIP_DEFLATED)
    zf.writestr("big.json", TEXT * 200, zipfile.ZIP_DEFLATED)
    zf.writestr("é-non-ascii.json", b"{}", zipfile.ZIP_DEFLATED)


def _zip64_members(zf: zipfile.ZipFile) -> None:
    for name in ("one.json", "two.json"):
        with zf.open(name, "w", force_zip64=True) as out:
            out.write(TEXT.encode())


def _zip64_end() -> bytes:
    """ZIP64 end records, as past 65,535 entries (zipfile told the limit is 2)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 2)
        return _write(_files)


def _streamed() -> bytes:  # written to a pipe: sizes in data descriptors after each member
    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: Any) -> int:
            view = memoryview(b)
            self.data += view
            return view.nbytes

    sink = Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as zf:
        _files(zf)
    return bytes(sink.data)


def _commented(comment: bytes) -> bytes:
    def add(zf: zipfile.ZipFile) -> None:
        _files(zf)
        zf.comment = comment

    return _write(add)


ARCHIVES = {
    "deflated and stored": _write(_files),
    "zip64 members": _write(_zip64_members),
    "zip64 end records": _zip64_end(),
    "data descriptors": _streamed(),
    "archive comment": _commented(b"Archive des questions " * 100),
}


def _streamed_read(fp: io.BytesIO, member: Member) -> bytes:
    with open_member(fp, member) as raw:
        return raw.read()


#: The two ways of reading a member: streamed (large members) and whole (small ones).
READERS = {"streamed": _streamed_read, "whole": read_member}
Reader = Callable[[io.BytesIO, Member], bytes]


def _ours(body: bytes, read: Reader = read_member) -> list[tuple[str, bytes]]:
    fp = io.BytesIO(body)
    return [(m.name, read(fp, m)) for m in members(fp)]


def _theirs(body: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


@pytest.mark.parametrize("read", READERS.values(), ids=READERS.keys())
@pytest.mark.parametrize("body", ARCHIVES.values(), ids=ARCHIVES.keys())
def test_every_member_reads_as_zipfile_reads_it(body: bytes, read: Reader) -> None:
    assert _ours(body, read) == _theirs(body)


def test_an_end_signature_in_the_comment_is_not_taken_for_the_end() -> None:
    body = _commented(b"PK\x05\x06 is not the end record " * 100)
    assert [name for name, _ in _ours(body)] == [name for name, _ in _ours(_write(_files))]


def test_a_member_read_in_small_pieces_is_whole() -> None:
    body = _write(_files)
    fp = io.BytesIO(body)
    big = next(m for m in members(fp) if m.name == "big.json")
    with open_member(fp, big) as raw:
        pieces = iter(lambda: raw.read(7), b"")
        assert b"".join(pieces) == (TEXT * 200).encode()


def _central(body: bytes) -> int:
    return body.rindex(b"PK\x01\x02")  # the last entry of the directory


def _patched(body: bytes, at: int, raw: bytes) -> bytes:
    return body[:at] + raw + body[at + len(raw) :]


BROKEN = {
    "not a zip": b"not a zip at all" * 10,
    "truncated": _write(_files)[:-30],
    "bad entry signature": _patched(_write(_files), _central(_write(_files)), b"PK\x01\x09"),
}


@pytest.mark.parametrize("body", BROKEN.values(), ids=BROKEN.keys())
def test_a_damaged_directory_is_refused_before_any_member(body: bytes) -> None:
    with pytest.raises(zipfile.BadZipFile):
        members(io.BytesIO(body))


def _one(body: bytes) -> tuple[io.BytesIO, Member]:
    fp = io.BytesIO(body)
    return fp, next(iter(members(fp)))


def _flagged(flag: int) -> bytes:
    body = _write(lambda zf: zf.writestr("Q.json", TEXT, zipfile.ZIP_DEFLATED))
    at = _central(body) + 8  # general purpose flags
    flags = int.from_bytes(body[at : at + 2], "little") | flag
    return _patched(body, at, flags.to_bytes(2, "little"))


def _corrupt() -> bytes:
    body = _write(lambda zf: zf.writestr("Q.json", TEXT, zipfile.ZIP_STORED))
    at = body.index(TEXT[:20].encode())
    return _patched(body, at, b"X")


def _method(method: int) -> bytes:
    body = _write(lambda zf: zf.writestr("Q.json", TEXT, zipfile.ZIP_DEFLATED))
    return _patched(body, _central(body) + 10, method.to_bytes(2, "little"))


DAMAGED = {"encrypted": _flagged(0x1), "bad CRC-32": _corrupt(), "bzip2": _method(12)}


@pytest.mark.parametrize("read", READERS.values(), ids=READERS.keys())
@pytest.mark.parametrize("body", DAMAGED.values(), ids=DAMAGED.keys())
def test_a_damaged_member_raises_as_it_is_read(body: bytes, read: Reader) -> None:
    fp, member = _one(body)
    with pytest.raises(zipfile.BadZipFile):
        read(fp, member)
