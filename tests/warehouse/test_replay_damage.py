"""Reparse over a damaged archive: the questions it cannot read back keep every row and
version as they were, and each damaged record is reported with its file and offset."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from tests.warehouse.conftest import T0, rows, uid
from tests.warehouse.replay_story import (
    DAMAGE,
    Q1,
    FakeSite,
    Snapshot,
    fixed,
    reparse,
    snapshot,
    wrong_digest,
)
from warehouse import warc
from warehouse.archive import RawArchive
from warehouse.db import connect
from warehouse.replay import ReplayResult


class Damaged(NamedTuple):
    before: Snapshot  # q1's rows before the damage
    after: Snapshot  # and after the reparse
    result: ReplayResult
    offsets: set[int | None]  # where the damaged records start (None: not found)
    records: int


@pytest.fixture(params=sorted(DAMAGE))
def damaged(
    request: pytest.FixtureRequest, db_path: Path, archive: RawArchive, site: FakeSite
) -> Damaged:
    """A reparse with a fixed extractor over an archive with one kind of damage to q1."""
    harm, records = DAMAGE[request.param]
    before = snapshot(db_path, f"uid = '{Q1}'")
    offsets = harm(archive)
    result = reparse(db_path, RawArchive(archive.root), fixed(site))
    return Damaged(before, snapshot(db_path, f"uid = '{Q1}'"), result, offsets, records)


def test_damaged_question_keeps_every_row_and_version(damaged: Damaged) -> None:
    assert damaged.after == damaged.before and damaged.before["question_versions"]


def test_every_damaged_record_is_reported(damaged: Damaged, archive: RawArchive) -> None:
    file = str(archive.warc_path(uid(1)))
    found = {(d.uid, d.path) for d in damaged.result.damaged}
    assert (found, len(damaged.result.damaged)) == ({(Q1, file)}, damaged.records)


def test_the_offset_of_each_damaged_record_is_reported(damaged: Damaged) -> None:
    assert {d.offset for d in damaged.result.damaged} == damaged.offsets


def test_damage_is_recorded_in_the_warehouse(damaged: Damaged, db_path: Path) -> None:
    with connect(db_path) as con:
        listed = rows(con, "SELECT DISTINCT uid, run_id FROM pipeline.archive_damage")
        count = rows(con, "SELECT count(*) FROM pipeline.archive_damage")
    assert (listed, count) == ([(Q1, "reparse-test")], [(damaged.records,)])


def test_other_questions_are_rebuilt(damaged: Damaged, db_path: Path) -> None:
    with connect(db_path) as con:
        titles = rows(
            con, "SELECT DISTINCT title LIKE '%(fixed)' FROM question_versions WHERE uid <> ?", Q1
        )
    assert titles == [(True,)]


def test_a_clean_reparse_empties_the_damage_list(
    db_path: Path, archive: RawArchive, site: FakeSite
) -> None:
    wrong_digest(archive)
    reparse(db_path, RawArchive(archive.root), site.extract)
    restored = warc.Response("https://an.example/c", T0, 200)  # e.g. from a backup
    RawArchive(archive.root).put(uid(1), b"C", restored)
    reparse(db_path, RawArchive(archive.root), site.extract)
    with connect(db_path) as con:
        assert rows(con, "SELECT count(*) FROM pipeline.archive_damage") == [(0,)]
