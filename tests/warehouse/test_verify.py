"""``verify_archive``: every record checked against its sha256, every listed page looked for,
nothing rebuilt or written."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tests.warehouse.conftest import uid
from tests.warehouse.replay_story import DAMAGE, Q1, FakeSite, record
from warehouse import warc
from warehouse.archive import RawArchive
from warehouse.verify import VerifyReport, verify_archive

#: What each kind of damage to q1 shows: (damaged findings, unreadable stretches).
SHOWN = {
    "flipped byte": (1, 0),  # C's record fails its CRC
    # C's header names another sha, which its content does not match; and C is not found
    "wrong digest": (2, 0),
    "truncated": (1, 1),  # the last record is cut: not found, and its start is a stretch
    "zeroed stretch": (2, 1),  # two records lost in one stretch: the one before C, and C
}


def _verify(archive: RawArchive, db: Path | None) -> VerifyReport:
    return verify_archive(archive.root, db)


def test_an_intact_archive_has_no_finding(
    db_path: Path, archive: RawArchive, site: FakeSite
) -> None:
    report = _verify(archive, db_path)
    assert (report.damaged, report.stretches, report.records, report.listed) == ([], [], 8, 8)


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_each_kind_of_damage_is_found(
    db_path: Path, archive: RawArchive, site: FakeSite, kind: str
) -> None:
    harm, _records = DAMAGE[kind]
    harm(archive)
    report = _verify(archive, db_path)
    assert (len(report.damaged), len(report.stretches)) == SHOWN[kind], report


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_findings_name_the_uid_and_the_file(
    db_path: Path, archive: RawArchive, site: FakeSite, kind: str
) -> None:
    DAMAGE[kind][0](archive)
    report = _verify(archive, db_path)
    file = str(archive.warc_path(uid(1)))
    assert {(f.uid, f.path) for f in report.damaged} == {(Q1, file)}


def test_a_flipped_byte_is_found_at_its_offset(
    db_path: Path, archive: RawArchive, site: FakeSite
) -> None:
    offsets = DAMAGE["flipped byte"][0](archive)
    assert {f.offset for f in _verify(archive, db_path).damaged} == offsets


def test_without_a_warehouse_every_record_is_still_checked(
    tmp_path: Path, archive: RawArchive, site: FakeSite
) -> None:
    DAMAGE["flipped byte"][0](archive)
    report = _verify(archive, tmp_path / "none.duckdb")
    assert (report.records, report.listed, len(report.damaged)) == (8, 0, 1)


def test_pages_stored_in_files_of_their_own_are_checked(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    sha = "0" * 64
    path = archive.path(uid(1), sha)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not even gzip")
    found = _verify(archive, None).damaged
    assert [(f.uid, f.sha256, f.offset) for f in found] == [(Q1, sha, None)]


def test_a_record_whose_headers_were_altered_fails_its_block_digest(
    db_path: Path, archive: RawArchive, site: FakeSite
) -> None:
    """The body still matches its sha256; the status line no longer matches the record."""
    path, offset, length = record(archive, b"C")
    raw = path.read_bytes()
    text = gzip.decompress(raw[offset : offset + length]).replace(b" 200 OK", b" 200 KO", 1)
    forged = gzip.compress(text, mtime=0)
    member = warc.MARK + (len(forged) + 14).to_bytes(8, "little") + forged[10:]
    path.write_bytes(raw[:offset] + member + raw[offset + length :])
    found = [(f.uid, f.problem) for f in _verify(archive, db_path).damaged]
    assert found == [(Q1, "the block does not match WARC-Block-Digest")]
