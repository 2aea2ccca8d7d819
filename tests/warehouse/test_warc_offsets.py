"""Where each page's WARC record is, kept in ``raw_pages``: reads go straight there, no scan;
a place out of date is looked past; reparse and verify-archive use it."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from extractors.uid import make_uid, parse_uid
from tests.warehouse.conftest import rows
from tests.warehouse.replay_story import FakeSite, reparse, snapshot
from warehouse import warcfile
from warehouse.archive import RawArchive
from warehouse.db import connect
from warehouse.verify import verify_archive
from warehouse.warc import RecordAt, Response

UID = make_uid(16, "QE", 5)
AT = dt.datetime(2026, 3, 1, 12, 0)
BODIES = [b"<html>%d</html>" % n + b"." * 500 * n for n in range(5)]


@pytest.fixture
def no_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any walk of a WARC file now fails: what still reads, reads by its place."""

    def refused(*args: object) -> Iterator[warcfile.Piece]:
        raise AssertionError("the file was scanned")

    monkeypatch.setattr(warcfile, "walk", refused)


def _filled(root: Path) -> list[RecordAt]:
    archive = RawArchive(root)
    answer = Response("https://an.example/q", AT, 200)
    places = [archive.put(UID, body, answer).at for body in BODIES]
    return [at for at in places if at is not None]


@pytest.mark.parametrize("n", range(len(BODIES)))
def test_a_page_is_read_at_its_place_without_a_scan(
    tmp_path: Path, n: int, request: pytest.FixtureRequest
) -> None:
    places = _filled(tmp_path)
    request.getfixturevalue("no_scan")
    sha = hashlib.sha256(BODIES[n]).hexdigest()
    assert RawArchive(tmp_path).get(UID, sha, places[n]) == BODIES[n]


@pytest.mark.parametrize(
    "stale",
    [
        lambda at: RecordAt(at.file, 0, 10),  # another record's start, another length
        lambda at: RecordAt(at.file, at.offset + 3, at.length),  # inside the record
        lambda at: RecordAt(at.file, 10**9, at.length),  # past the end
        lambda at: RecordAt(at.file, -1, -1),  # nonsense
        lambda at: RecordAt("../../elsewhere.warc.gz", at.offset, at.length),  # not its file
    ],
    ids=["another record", "inside", "past the end", "nonsense", "another file"],
)
def test_a_place_out_of_date_is_looked_past(tmp_path: Path, stale: object) -> None:
    at = _filled(tmp_path)[3]
    sha = hashlib.sha256(BODIES[3]).hexdigest()
    assert RawArchive(tmp_path).get(UID, sha, stale(at)) == BODIES[3]  # type: ignore[operator]


def test_the_place_of_another_record_of_the_same_length_is_looked_past(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    twins = [archive.put(UID, b"<html>%d</html>" % n, Response("u", AT, 200)) for n in (1, 2)]
    first, second = (t.at for t in twins)
    assert first is not None and second is not None and first.length == second.length
    assert RawArchive(tmp_path).get(UID, twins[1].sha256, first) == b"<html>2</html>"


def test_raw_pages_names_each_record(db_path: Path, archive: RawArchive, site: FakeSite) -> None:
    with connect(db_path) as con:
        listed = rows(
            con, "SELECT uid, sha256, warc_file, warc_offset, warc_length FROM pipeline.raw_pages"
        )
    located = [(uid, sha, archive.locate(parse_uid(uid), sha)) for uid, sha, *_ in listed]
    assert [(u, s, RecordAt(f, o, n)) for u, s, f, o, n in listed] == located


def test_reparse_reads_every_page_at_its_place(
    db_path: Path, archive: RawArchive, site: FakeSite, request: pytest.FixtureRequest
) -> None:
    before = snapshot(db_path)
    request.getfixturevalue("no_scan")
    result = reparse(db_path, RawArchive(archive.root), site.extract)
    assert (snapshot(db_path), result.damaged, result.pages) == (before, [], 10)


def test_reparse_looks_up_pages_whose_rows_give_no_place(
    db_path: Path, archive: RawArchive, site: FakeSite
) -> None:
    before = snapshot(db_path)
    with connect(db_path) as con:
        con.execute("UPDATE raw_pages SET warc_file = NULL, warc_offset = NULL, warc_length = NULL")
    result = reparse(db_path, RawArchive(archive.root), site.extract)
    assert (snapshot(db_path), result.damaged) == (before, [])


def test_verify_lists_a_row_whose_place_is_wrong(
    db_path: Path, archive: RawArchive, site: FakeSite
) -> None:
    with connect(db_path) as con:
        con.execute("UPDATE raw_pages SET warc_offset = warc_offset + 1 WHERE uid = 'QANR5L17QE2'")
    report = verify_archive(archive.root, db_path)
    found = [(f.uid, f.problem.startswith("raw_pages places it at")) for f in report.misplaced]
    assert (found, report.damaged) == ([("QANR5L17QE2", True)], [])
