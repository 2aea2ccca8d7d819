"""The pipeline end to end, as a user runs it: sync, sync again, the site changes,
sync, reparse, export, fetch; each step through the real ``anq`` command."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from extractors.model import QUESTION_COLUMNS
from tests.e2e.conftest import Done, anq, query
from tests.e2e.site import FixtureSite, populate

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LATER = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S")
CHANGED = {"QANR5L16QE4", "QANR5L16QE8", "QANR5L16QOSD3"}
WITHDRAWN = "QANR5L16QE8"
NEW = {"QANR5L16QE13", "QANR5L16QE14", "QANR5L17QE6"}


def _common(tmp: Path, base_url: str) -> list[str]:
    return [
        "--db",
        str(tmp / "anq.duckdb"),
        "--base-url",
        base_url,
        "--rate",
        "0",
        "--legislature",
        "16",
        "--legislature",
        "17",
        "--miss-run",
        "3",
    ]


def _snapshot(db: Path) -> dict[str, Any]:
    cols = ", ".join(f'"{c}"' for c in QUESTION_COLUMNS)
    return {
        "questions": query(
            db, f"SELECT {cols}, first_seen_at, last_changed_at FROM questions ORDER BY uid"
        ),
        "versions": query(
            db,
            f"SELECT {cols}, version, valid_from, valid_to, content_hash "
            "FROM question_versions ORDER BY uid, version",
        ),
        "fetched": dict(query(db, "SELECT uid, last_fetched_at FROM questions")),
        "runs": query(
            db,
            "SELECT flow, state, requests, pages_new, pages_changed, "
            "pages_unchanged, not_found, failures FROM runs ORDER BY started_at",
        ),
    }


@pytest.fixture(scope="module")
def story(site: FixtureSite, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the whole story once; each test checks one thing of it."""
    tmp = tmp_path_factory.mktemp("e2e")
    db = tmp / "anq.duckdb"
    common = _common(tmp, site.server.base_url)
    populate(site)
    steps: dict[str, Any] = {"db": db, "tmp": tmp}
    steps["sync1"] = anq("sync", *common)
    steps["after1"] = _snapshot(db)
    site.server.clear_log()
    steps["sync2"] = anq("sync", *common)
    steps["log2"] = list(site.server.requests)
    steps["after2"] = _snapshot(db)
    site.update(
        "QANR5L16QE4",
        answer_paragraphs=["Réponse enfin publiée."],
        answer_published_on=dt.date(2024, 9, 3),
        answer_jo_page=4242,
    )
    site.update(WITHDRAWN, closed_on=dt.date(2024, 6, 9), closure_reason="Retrait")
    site.update(
        "QANR5L16QOSD3",
        answer_paragraphs=["M. le ministre. Réponse."],
        answer_heading="QUESTION ORALE 3",
        answer_published_on=dt.date(2024, 2, 1),
    )
    for uid in NEW:
        site.put(uid, question_published_on=dt.date(2024, 10, 1))
    steps["expected"] = {uid: site.expected(uid) for uid in site.specs}
    steps["sync3"] = anq("sync", *common, env={"ANQ_NOW": LATER})
    steps["after3"] = _snapshot(db)
    steps["reparse"] = anq("reparse", "--db", str(db))
    steps["after_reparse"] = _snapshot(db)
    for fmt in ("parquet", "csv"):
        steps[f"export_{fmt}"] = anq(
            "export", "--db", str(db), "--format", fmt, "--out", str(tmp / fmt)
        )
    steps["stats"] = anq("stats", "--db", str(db))
    return steps


@pytest.mark.parametrize(
    "step", ["sync1", "sync2", "sync3", "reparse", "export_parquet", "export_csv", "stats"]
)
def test_command_exits_zero(story: dict[str, Any], step: str) -> None:
    done: Done = story[step]
    assert done.code == 0, done.err[-3000:]


def test_first_sync_loads_every_question(story: dict[str, Any]) -> None:
    uids = {row[0] for row in story["after1"]["questions"]}
    assert uids == set(story["expected"]) - NEW


def test_first_sync_one_version_each(story: dict[str, Any]) -> None:
    versions = {row[0] for row in story["after1"]["versions"]}
    assert len(story["after1"]["versions"]) == len(versions)


def test_first_sync_run_counts(story: dict[str, Any]) -> None:
    flow, state, _req, new, changed, _unch, _missing, failures = story["after1"]["runs"][0]
    assert (flow, state, new, changed, failures) == ("sync", "completed", 22, 0, 0)


def test_second_sync_adds_no_version(story: dict[str, Any]) -> None:
    assert story["after2"]["versions"] == story["after1"]["versions"]


def test_second_sync_changes_no_question(story: dict[str, Any]) -> None:
    assert story["after2"]["questions"] == story["after1"]["questions"]


def test_second_sync_only_probes(story: dict[str, Any]) -> None:
    """Nothing is due a minute later: the run asks only for numbers past the end."""
    loaded = {row[0] for row in story["after1"]["questions"]}
    known = {f"/dyn/{uid[6:8]}/questions/{uid}" for uid in loaded}
    assert not [r.path for r in story["log2"] if r.path in known]


def test_changes_become_new_versions(story: dict[str, Any]) -> None:
    twice = {row[0] for row in story["after3"]["versions"] if row[-4] == 2}
    assert twice == CHANGED


def test_new_numbers_are_discovered(story: dict[str, Any]) -> None:
    uids = {row[0] for row in story["after3"]["questions"]}
    assert uids >= NEW


@pytest.mark.parametrize("column", QUESTION_COLUMNS)
def test_every_field_matches_the_site(story: dict[str, Any], column: str) -> None:
    index = QUESTION_COLUMNS.index(column)
    got = {row[0]: row[index] for row in story["after3"]["questions"]}
    want = {uid: getattr(q, column) for uid, q in story["expected"].items()}
    assert got == want


def test_withdrawn_status(story: dict[str, Any]) -> None:
    row = next(r for r in story["after3"]["questions"] if r[0] == WITHDRAWN)
    status = row[QUESTION_COLUMNS.index("status")]
    reason = row[QUESTION_COLUMNS.index("closure_reason")]
    assert (status, reason) == ("withdrawn", "Retrait")


def test_previous_version_is_closed(story: dict[str, Any]) -> None:
    first = [r for r in story["after3"]["versions"] if r[0] in CHANGED and r[-4] == 1]
    assert all(r[-2] is not None for r in first) and len(first) == len(CHANGED)


def test_reparse_rebuilds_identical_tables(story: dict[str, Any]) -> None:
    before, after = story["after3"], story["after_reparse"]
    assert (after["questions"], after["versions"]) == (before["questions"], before["versions"])


def test_export_parquet_reads_back(story: dict[str, Any]) -> None:
    out = story["tmp"] / "parquet"
    count = (
        duckdb.connect()
        .execute(
            f"SELECT count(*) FROM read_parquet('{out}/questions/**/*.parquet', "
            "hive_partitioning = true)"
        )
        .fetchone()
    )
    assert count is not None and count[0] == len(story["expected"])


def test_export_csv_reads_back(story: dict[str, Any]) -> None:
    out = story["tmp"] / "csv"
    count = (
        duckdb.connect().execute(f"SELECT count(*) FROM read_csv('{out}/questions.csv')").fetchone()
    )
    assert count is not None and count[0] == len(story["expected"])
