"""Archives from before WARC still read: packs and one file per body, through reads,
``put``'s one-copy rule, reparse and verify-archive."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import NamedTuple

import pytest

from extractors.uid import make_uid, parse_uid
from tests.warehouse.conftest import rows
from tests.warehouse.older import (
    PACK,
    PACKED,
    OwnFileWriter,
    PackWriter,
    UpgradedWriter,
    pack_record,
)
from tests.warehouse.replay_story import Archiver, FakeSite, reparse, script, snapshot
from warehouse.archive import ArchiveCorrupt, RawArchive
from warehouse.db import connect
from warehouse.runs import start_run
from warehouse.verify import verify_archive
from warehouse.warc import Response

UID = make_uid(16, "QE", 12345)
AT = dt.datetime(2026, 3, 1, 12, 0)


def _pack(root: Path, data: bytes = PACK) -> Path:
    path = RawArchive(root).pack_path(UID)
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("uid", sorted(PACKED))
def test_pages_of_a_pack_are_read(tmp_path: Path, uid: str) -> None:
    _pack(tmp_path)
    sha = hashlib.sha256(PACKED[uid]).hexdigest()
    assert RawArchive(tmp_path).get(parse_uid(uid), sha) == PACKED[uid]


def test_pages_stored_one_file_each_are_read(tmp_path: Path) -> None:
    body = b"<html>own file</html>"
    sha = OwnFileWriter(tmp_path).put(UID, body, Response("u", AT, 200)).sha256
    assert RawArchive(tmp_path).get(UID, sha) == body


def test_own_file_path_is_the_documented_layout(tmp_path: Path) -> None:
    sha = "a" * 64
    expected = tmp_path / "16" / "QE" / "0012" / "QANR5L16QE12345" / f"{sha}.html.gz"
    assert RawArchive(tmp_path).path(UID, sha) == expected


@pytest.mark.parametrize("writer", [PackWriter, OwnFileWriter])
def test_a_body_held_by_an_older_archive_is_not_stored_again(
    tmp_path: Path, writer: type[PackWriter] | type[OwnFileWriter]
) -> None:
    response = Response("https://an.example/q", AT, 200)
    writer(tmp_path).put(UID, b"<html>old</html>", response)
    stored = RawArchive(tmp_path).put(UID, b"<html>old</html>", response)
    assert (stored.at, RawArchive(tmp_path).warc_path(UID).exists()) == (None, False)


def test_a_torn_pack_record_is_skipped_and_the_next_one_read(tmp_path: Path) -> None:
    """A crash mid-append left half a record, and the old writer appended after it."""
    torn = pack_record(str(UID), "e" * 64, b"x" * 4000)
    later = b"<html>after the crash</html>"
    sha = hashlib.sha256(later).hexdigest()
    _pack(tmp_path, PACK + torn[: len(torn) // 2] + pack_record(str(UID), sha, later))
    archive = RawArchive(tmp_path)
    assert (archive.get(UID, sha), archive.has(UID, "e" * 64)) == (later, False)


def test_an_altered_pack_record_is_corrupt(tmp_path: Path) -> None:
    raw = bytearray(PACK)
    raw[len(PACK) - 6] ^= 0x01  # the last record's gzip CRC
    _pack(tmp_path, bytes(raw))
    sha = hashlib.sha256(PACKED["QANR5L16QE12999"]).hexdigest()
    with pytest.raises(ArchiveCorrupt, match="cannot unzip"):
        RawArchive(tmp_path).get(make_uid(16, "QE", 12999), sha)


@pytest.mark.parametrize("kind", ["intact", "altered"])
def test_verify_archive_checks_packs(tmp_path: Path, kind: str) -> None:
    raw = bytearray(PACK)
    if kind == "altered":
        raw[len(PACK) - 6] ^= 0x01
    _pack(tmp_path, bytes(raw))
    report = verify_archive(tmp_path)
    assert (report.records, len(report.damaged)) == (2, 0 if kind == "intact" else 1)


WRITERS = {"packs": PackWriter, "own files": OwnFileWriter, "upgraded": UpgradedWriter}
#: raw_pages rows (of 10) that name their WARC record: the upgraded archive's later pages,
#: but for a body its pack already held.
PLACED = {"packs": 0, "own files": 0, "upgraded": 5}


class Older(NamedTuple):
    kind: str
    db: Path
    root: Path
    site: FakeSite


@pytest.fixture(params=sorted(WRITERS))
def older(request: pytest.FixtureRequest, tmp_path: Path) -> Older:
    """The replay story's warehouse, its pages archived by an older writer."""
    db, root = tmp_path / "anq.duckdb", tmp_path / "raw"
    writer: Archiver = WRITERS[request.param](root)
    with connect(db) as con:
        site = script(con, start_run(con, "sync", {}), writer)
    return Older(request.param, db, root, site)


def test_an_older_archive_replays_to_the_same_tables(older: Older) -> None:
    before = snapshot(older.db)
    with connect(older.db) as con:
        con.execute("UPDATE questions SET title = 'damaged'")
        con.execute("DELETE FROM question_versions WHERE version > 1")
    result = reparse(older.db, RawArchive(older.root), older.site.extract)
    assert (snapshot(older.db), result.damaged, result.pages) == (before, [], 10)


def test_an_older_archive_verifies_clean(older: Older) -> None:
    report = verify_archive(older.root, older.db)
    assert (report.damaged, report.stretches, report.listed) == ([], [], 8)


def test_pages_archived_before_warc_have_no_place_in_raw_pages(older: Older) -> None:
    with connect(older.db) as con:
        placed = rows(con, "SELECT count(warc_file), count(*) FROM pipeline.raw_pages")
    assert placed == [(PLACED[older.kind], 10)]
