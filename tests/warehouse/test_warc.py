"""The archive's files are plain ``.warc.gz``: warcio reads every record back, byte for byte."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import zlib
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from extractors.uid import make_uid
from warehouse import warc
from warehouse.archive import RawArchive

AT = dt.datetime(2026, 3, 1, 2, 30, 15, 250000)
HEADERS = (
    (b"Content-Type", b"text/html; charset=utf-8"),
    (b"ETag", b'"abc"'),
    (b"Content-Encoding", b"gzip"),  # the body is stored decoded
    (b"Content-Length", b"4321"),
    (b"X-Odd-Case", b"kept as sent"),
)
#: Three pages of one thousand, the second answered twice with the same body.
PAGES = [
    (make_uid(16, "QE", 1), "<html>première</html>".encode(), AT),
    (make_uid(16, "QE", 2), b"<html>" + bytes(range(256)) * 40 + b"</html>", AT),
    (make_uid(16, "QE", 2), b"<html>" + bytes(range(256)) * 40 + b"</html>", AT),
    (make_uid(16, "QE", 999), b"", AT + dt.timedelta(seconds=1)),
]


def _url(n: int) -> str:
    return f"https://www.assemblee-nationale.fr/dyn/16/questions/QANR5L16QE{n}"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    archive = RawArchive(tmp_path_factory.mktemp("raw"))
    for uid, body, at in PAGES:
        archive.put(uid, body, warc.Response(_url(uid.number), at, 200, "OK", headers=HEADERS))
    return archive.warc_path(make_uid(16, "QE", 1))


@pytest.fixture(scope="module")
def records(written: Path) -> list[dict[str, Any]]:
    """Every record as warcio reads it, digests checked."""
    out = []
    with written.open("rb") as stream:
        iterator = ArchiveIterator(stream, check_digests=True)
        for record in iterator:
            body = record.content_stream().read()
            out.append(
                {
                    "type": record.rec_type,
                    "headers": dict(record.rec_headers.headers),
                    "status": record.http_headers.statusline,
                    "http": record.http_headers.headers,
                    "body": body,
                    "digests": (record.digest_checker.passed, record.digest_checker.problems),
                    "offset": iterator.get_record_offset(),
                    "length": iterator.get_record_length(),
                }
            )
    return out


def test_warcio_reads_one_record_per_distinct_body(records: list[dict[str, Any]]) -> None:
    assert [r["type"] for r in records] == ["response"] * 3


@pytest.mark.parametrize("i", [0, 1, 2])
def test_bodies_come_back_byte_identical(records: list[dict[str, Any]], i: int) -> None:
    expected = [PAGES[0][1], PAGES[1][1], PAGES[3][1]][i]
    assert records[i]["body"] == expected


@pytest.mark.parametrize("i", [0, 1, 2])
def test_digests_pass_warcio_checks(records: list[dict[str, Any]], i: int) -> None:
    assert records[i]["digests"] == (True, [])


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WARC-Target-URI", _url(1)),
        ("WARC-Date", "2026-03-01T02:30:15.250000Z"),
        ("Content-Type", "application/http;msgtype=response"),
        ("Anq-Uid", "QANR5L16QE1"),
        (
            "WARC-Payload-Digest",
            "sha256:" + base64.b32encode(hashlib.sha256(PAGES[0][1]).digest()).decode(),
        ),
    ],
)
def test_record_headers(records: list[dict[str, Any]], name: str, value: str) -> None:
    assert records[0]["headers"][name] == value


def test_record_ids_are_distinct_urns(records: list[dict[str, Any]]) -> None:
    ids = [r["headers"]["WARC-Record-ID"] for r in records]
    assert (len(set(ids)), all(i.startswith("<urn:uuid:") for i in ids)) == (3, True)


def test_status_line_as_received(records: list[dict[str, Any]]) -> None:
    assert records[0]["status"] == "200 OK"


def test_response_headers_as_received_the_encoded_ones_renamed(
    records: list[dict[str, Any]],
) -> None:
    assert records[0]["http"] == [
        ("Content-Type", "text/html; charset=utf-8"),
        ("ETag", '"abc"'),
        ("X-Archive-Orig-Content-Encoding", "gzip"),
        ("X-Archive-Orig-Content-Length", "4321"),
        ("X-Odd-Case", "kept as sent"),
        ("Content-Length", str(len(PAGES[0][1]))),
    ]


def test_each_record_is_its_own_gzip_member(written: Path, records: list[dict[str, Any]]) -> None:
    raw = written.read_bytes()
    ends = [r["offset"] + r["length"] for r in records]
    members = []
    for r in records:
        inflate = zlib.decompressobj(31)
        inflate.decompress(raw[r["offset"] : r["offset"] + r["length"]])
        members.append(inflate.eof and not inflate.unused_data)
    assert (members, ends[-1]) == ([True] * 3, len(raw))


def test_any_gzip_reader_reads_the_file_whole(written: Path) -> None:
    text = gzip.decompress(written.read_bytes())
    assert text.count(b"WARC/1.1\r\n") == 3


def test_a_header_with_a_line_break_is_refused() -> None:
    bad = warc.Response(_url(1), AT, 200, headers=((b"X-Bad", b"a\r\nWARC-Type: evil"),))
    with pytest.raises(ValueError, match="line break"):
        warc.member("QANR5L16QE1", "0" * 64, b"", bad, 1)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (dt.datetime(2026, 3, 1, 2, 30, 15), "2026-03-01T02:30:15Z"),
        (dt.datetime(2026, 3, 1, 2, 30, 15, 7), "2026-03-01T02:30:15.000007Z"),
    ],
)
def test_warc_date_is_utc_iso(at: dt.datetime, expected: str) -> None:
    assert warc.warc_date(at) == expected


def test_a_timezone_aware_date_is_refused() -> None:
    with pytest.raises(ValueError, match="naive UTC"):
        warc.warc_date(dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
