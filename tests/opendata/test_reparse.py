"""``anq reparse`` on questions born from the open data: the record's versions stay first,
the pages' versions follow them, as the nightly runs wrote them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from extractors.model import Question
from extractors.opendata import RecordItem, archive_for
from flows.opendata_load import stage_row
from tests.opendata.dump import record_for
from tests.warehouse.conftest import T0, answered, question, rows, uid
from tests.warehouse.replay_story import FakeSite, observe, reparse, snapshot
from warehouse import opendata as od
from warehouse.archive import RawArchive
from warehouse.db import connect
from warehouse.load import load_batch
from warehouse.runs import start_run

ARC = archive_for(17, "QE")
assert ARC is not None
DAY = dt.timedelta(days=1)
BORN, FOLLOWED, ONLY_RECORD, PAGE_FIRST = (str(uid(n)) for n in (1, 2, 3, 4))


def _archive(con: duckdb.DuckDBPyConnection, questions: list[Question], at: dt.datetime) -> None:
    items = [RecordItem("m", 0, record_for(q)) for q in questions]
    staged = [stage_row(item, ARC, "https://x", at, at) for item in items]
    od.load_records(con, [r for r in staged if isinstance(r, dict)])
    od.bootstrap(con, 17, "QE", at, at)


@pytest.fixture
def story(db_path: Path, archive: RawArchive) -> FakeSite:
    """Q1 born from a record, then its page read and answered; Q2's record changed before
    its page was read; Q3 only ever a record; Q4's page read before any archive."""
    site = FakeSite()
    q1, q2, q4 = question(1), question(2), question(4)
    with connect(db_path) as con:
        run_id = start_run(con, "sync", {})
        load_batch(con, run_id, [observe(site, archive, uid(4), site.page("P4", q4), T0)])
        _archive(con, [q1, q2, question(3), q4], T0 + DAY)
        _archive(con, [q1, dataclasses.replace(q2, title="Titre suivi"), question(3), q4],
                 T0 + 2 * DAY)  # fmt: skip
        pages = [(uid(1), "P1", q1), (uid(2), "P2", q2)]
        load_batch(con, run_id, [observe(site, archive, u, site.page(b, q), T0 + 3 * DAY)
                                 for u, b, q in pages])  # fmt: skip
        p1 = site.page("P1 answered", answered(q1))
        load_batch(con, run_id, [observe(site, archive, uid(1), p1, T0 + 4 * DAY)])
    return site


def test_the_story_holds_opendata_versions_first(db_path: Path, story: FakeSite) -> None:
    with connect(db_path) as con:
        history = rows(con, "SELECT uid, version, source FROM question_versions ORDER BY 1, 2")
    assert history == [
        (BORN, 1, "opendata"), (BORN, 2, "page"), (BORN, 3, "page"),
        (FOLLOWED, 1, "opendata"), (FOLLOWED, 2, "opendata"), (FOLLOWED, 3, "page"),
        (ONLY_RECORD, 1, "opendata"), (PAGE_FIRST, 1, "page"),
    ]  # fmt: skip


@pytest.mark.parametrize("legislature", [None, 17])
def test_reparse_gives_back_the_same_history(
    db_path: Path, archive: RawArchive, story: FakeSite, legislature: int | None
) -> None:
    before = snapshot(db_path)
    reparse(db_path, archive, story.extract, legislature=legislature)
    assert snapshot(db_path) == before


def test_an_extractor_fix_rewrites_only_the_page_versions(
    db_path: Path, archive: RawArchive, story: FakeSite
) -> None:
    def fixed(raw: bytes, url: str) -> Question | None:
        found = story.extract(raw, url)
        return None if found is None else dataclasses.replace(found, title="Corrigé")

    reparse(db_path, archive, fixed)
    with connect(db_path) as con:
        titles = rows(con, "SELECT uid, version, title FROM question_versions "
                           "WHERE uid = ? ORDER BY 2", BORN)  # fmt: skip
    assert titles == [(BORN, 1, "Question 1"), (BORN, 2, "Corrigé"), (BORN, 3, "Corrigé")]


def test_no_page_reading_keeps_every_row_as_it_was(
    db_path: Path, archive: RawArchive, story: FakeSite
) -> None:
    before = snapshot(db_path)
    reparse(db_path, archive, lambda raw, url: None)
    assert snapshot(db_path) == before
