"""``anq backfill`` over fetch worker processes loads what one process loads, and reparses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from extractors.uid import make_uid
from tests.e2e.conftest import Done, anq, query
from tests.support.pages import render_question
from tests.support.siteserver import SiteServer

LAST = 150  # numbers 1-155 asked in batches of 80 and 75: both go to the workers
GONE = {17, 99}
NOW = "2026-03-01T12:00:00"


def _pages() -> dict[str, bytes]:
    pages = {}
    for n in range(1, LAST + 1):
        if n in GONE:
            continue
        uid = make_uid(17, "QE", n)
        answered = n % 3 == 0
        html = render_question(
            uid=str(uid),
            title=f"Question {n} sur les workers",
            answer_paragraphs=[f"Réponse {n}."] if answered else None,
            answer_published_on=dt.date(2025, 6, 3) if answered else None,
        )
        pages[uid.path()] = html.encode()
    return pages


@pytest.fixture(scope="module")
def site() -> Iterator[SiteServer]:
    with SiteServer(seed=5, pages=_pages()) as server:
        yield server


def _backfill(site: SiteServer, db: Path, workers: str) -> Done:
    return anq(
        "backfill",
        *("--legislature", "17", "--type", "QE", "--from-number", "1"),
        *("--to-number", str(LAST + 5), "--batch-size", "80"),
        *("--rate", "0", "--workers", workers, "--db", str(db), "--base-url", site.base_url),
        env={"ANQ_NOW": NOW},
    )


def _tables(db: Path) -> dict[str, Any]:
    return {
        "questions": query(db, "SELECT * EXCLUDE (first_seen_at) FROM questions ORDER BY uid"),
        "versions": query(db, "SELECT * FROM question_versions ORDER BY uid, version"),
        "raw": query(db, "SELECT uid, sha256, size FROM raw_pages ORDER BY uid"),
        "state": query(db, "SELECT uid, last_outcome FROM fetch_state ORDER BY uid"),
    }


@pytest.fixture(scope="module")
def story(site: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("workers")
    one, two = tmp / "one.duckdb", tmp / "two.duckdb"
    steps: dict[str, Any] = {"one": _backfill(site, one, "1"), "two": _backfill(site, two, "2")}
    steps["tables_one"], steps["tables_two"] = _tables(one), _tables(two)
    steps["reparse"] = anq("reparse", "--db", str(two))
    steps["after_reparse"] = _tables(two)
    return steps


@pytest.mark.parametrize("step", ["one", "two", "reparse"])
def test_command_succeeds(story: dict[str, Any], step: str) -> None:
    done: Done = story[step]
    assert done.code == 0, done.err[-3000:]


def test_every_page_is_loaded(story: dict[str, Any]) -> None:
    assert len(story["tables_two"]["questions"]) == LAST - len(GONE)


@pytest.mark.parametrize("table", ["questions", "versions", "raw", "state"])
def test_two_workers_load_what_one_process_loads(story: dict[str, Any], table: str) -> None:
    assert story["tables_two"][table] == story["tables_one"][table]


@pytest.mark.parametrize("table", ["questions", "versions"])
def test_reparse_of_the_workers_archive_is_identical(story: dict[str, Any], table: str) -> None:
    assert story["after_reparse"][table] == story["tables_two"][table]
