"""Reparse: replaying the archive through the load path gives back exactly what the fetches
wrote, into a fresh file, and keeps the rows of questions none of whose pages it can read."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.model import Question
from tests.warehouse.conftest import rows, uid
from tests.warehouse.replay_story import FakeSite, fixed, reparse, snapshot
from warehouse.archive import RawArchive
from warehouse.db import connect


@pytest.mark.parametrize("batch_size", [1, 2, 1000])
def test_replay_gives_identical_tables(
    db_path: Path, archive: RawArchive, site: FakeSite, batch_size: int
) -> None:
    before = snapshot(db_path)
    assert len(before["question_versions"]) == 2 + 1 + 3  # q1: A, C; q2: B2; q4: x, y, x
    with connect(db_path) as con:
        con.execute("UPDATE questions SET title = 'damaged'")
        con.execute("DELETE FROM question_versions WHERE version > 1")
    reparse(db_path, archive, site.extract, batch_size=batch_size)
    assert snapshot(db_path) == before


def test_replay_leaves_no_sorted_log_behind(
    db_path: Path, archive: RawArchive, site: FakeSite
) -> None:
    reparse(db_path, archive, site.extract, batch_size=2)
    assert not list(db_path.parent.glob("*.parquet"))


def test_replay_counts(db_path: Path, archive: RawArchive, site: FakeSite) -> None:
    counts = reparse(db_path, archive, site.extract).counts()
    assert counts == {
        "pages_replayed": 10,  # raw_pages: q1 5, q2 1, q3 1, q4 3
        "reparsed": 3,
        "versions": 6,
        "kept": 0,
        "no_question": 2,  # q1's and q3's broken pages
        "extraction_errors": 0,
        "damaged_records": 0,
    }


def test_replay_of_one_legislature_leaves_others(
    db_path: Path, archive: RawArchive, site: FakeSite
) -> None:
    before = snapshot(db_path)
    with connect(db_path) as con:
        con.execute("UPDATE questions SET title = 'damaged'")
    reparse(db_path, archive, site.extract, legislature=16)
    after = snapshot(db_path, "legislature = 16"), snapshot(db_path, "legislature = 17")
    assert after[0]["questions"] == [r for r in before["questions"] if r[1] == 16]
    assert {r[5] for r in after[1]["questions"]} == {"damaged"}


def test_uid_without_any_question_keeps_its_rows(
    db_path: Path, archive: RawArchive, site: FakeSite
) -> None:
    with connect(db_path) as con:
        con.execute("UPDATE questions SET title = 'kept as it was'")
    before = snapshot(db_path)
    result = reparse(db_path, archive, lambda raw, url: None)
    assert (snapshot(db_path), result.kept) == (before, 3)


def test_extractor_errors_skip_the_page(db_path: Path, archive: RawArchive, site: FakeSite) -> None:
    def fails_on_c(raw: bytes, url: str) -> Question | None:
        if raw == b"C":
            raise ValueError("answer_text: cannot be read")
        return site.extract(raw, url)

    result = reparse(db_path, archive, fails_on_c)
    with connect(db_path) as con:
        status = rows(con, "SELECT status FROM questions WHERE uid = ?", str(uid(1)))
    assert (result.extraction_errors, status) == (2, [("open",)])  # C logged twice


def test_an_extractor_fix_rewrites_every_version(
    db_path: Path, archive: RawArchive, site: FakeSite
) -> None:
    reparse(db_path, archive, fixed(site))
    with connect(db_path) as con:
        titles = rows(con, "SELECT DISTINCT title LIKE '%(fixed)' FROM question_versions")
    assert titles == [(True,)]
