"""kill -9 in the middle of a backfill, then resume: the warehouse ends exactly as an
uninterrupted backfill leaves it, the dead run is marked ``crashed``, and no page
the killed run had loaded is asked for again.

A run writes a private copy of ``--db`` and publishes it when it ends; a killed
run never gets there, so the batches it committed are in its copy, not yet in
``--db``, and reach ``--db`` with the next run, which resumes that copy. The
site's request log tells when the killed run is mid-way. Its process group is
killed (the command and Prefect's temporary API server).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.e2e.conftest import Done, anq, query
from tests.e2e.site import FixtureSite
from tests.resilience.conftest import STARTUP, contents, copy_db, dyn_requests, path_of, wait_for
from tests.support.siteserver import SiteServer
from warehouse.publish import working_path

pytestmark = [pytest.mark.slow]

PAGES = 2000
GAPS = {n for n in range(1, PAGES + 1) if n % 500 == 250}  # 404s: settled too
KILL_AT = 800  # page requests seen by the site before the kill


def _populate(site: FixtureSite) -> None:
    for n in range(1, PAGES + 1):
        if n in GAPS:
            continue
        fields: dict[str, Any] = {
            "title": f"Q{n}",
            "question_published_on": dt.date(2024, 1, 1) + dt.timedelta(days=n % 300),
            "question_paragraphs": [f"Texte {n}."],
        }
        if n % 4 == 0:
            fields.update(
                answer_paragraphs=[f"Réponse {n}."],
                answer_published_on=dt.date(2024, 12, 1),
            )
        site.put(f"QANR5L17QE{n}", **fields)


def _args(db: Path, base_url: str) -> list[str]:
    return [
        "backfill",
        *("--db", str(db), "--base-url", base_url, "--rate", "0"),
        *("--legislature", "17", "--type", "QE", "--from-number", "1"),
        *("--to-number", str(PAGES)),
    ]


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory, procs: Any) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("crash")
    killed_db, clean_db = tmp / "killed" / "anq.duckdb", tmp / "clean" / "anq.duckdb"
    for db in (killed_db, clean_db):
        db.parent.mkdir()  # anq refuses a --db whose directory does not exist
    steps: dict[str, Any] = {}
    with SiteServer(seed=5) as server:
        _populate(FixtureSite(server))
        run = procs(_args(killed_db, server.base_url), tmp / "run1")
        wait_for(
            lambda: dyn_requests(server) >= KILL_AT or not run.running(),
            STARTUP,
            f"{KILL_AT} page requests from the backfill",
        )
        steps["alive_at_kill"] = run.running()
        run.kill9()
        steps["log1"] = server.requests
        steps["published_at_kill"] = killed_db.exists()
        at_kill = copy_db(working_path(killed_db), tmp / "at_kill")
        con = duckdb.connect(str(at_kill))
        try:
            steps["settled_at_kill"] = {
                r[0] for r in con.execute("SELECT uid FROM pipeline.fetch_state").fetchall()
            }
            steps["runs_at_kill"] = con.execute("SELECT state FROM runs").fetchall()
        finally:
            con.close()
        server.clear_log()
        steps["resume"] = anq(*_args(killed_db, server.base_url))
        steps["log2"] = server.requests
        server.clear_log()
        steps["clean"] = anq(*_args(clean_db, server.base_url))
    steps["killed"] = contents(killed_db)
    steps["reference"] = contents(clean_db)
    steps["runs"] = query(killed_db, "SELECT flow, state FROM runs ORDER BY started_at")
    steps["dupes"] = query(
        killed_db,
        "SELECT (SELECT count(*) - count(DISTINCT uid) FROM questions), "
        "(SELECT count(*) - count(DISTINCT (uid, version)) FROM question_versions), "
        "(SELECT count(*) FROM question_versions WHERE version <> 1)",
    )[0]
    return steps


@pytest.mark.parametrize("step", ["resume", "clean"])
def test_run_exits_zero(story: dict[str, Any], step: str) -> None:
    done: Done = story[step]
    assert done.code == 0, done.err[-3000:]


def test_killed_mid_way(story: dict[str, Any]) -> None:
    """The kill landed while the run was alive, with some batches loaded and not all."""
    assert story["alive_at_kill"] and 0 < len(story["settled_at_kill"]) < PAGES


def test_killed_runs_batches_wait_in_its_copy(story: dict[str, Any]) -> None:
    """The killed run was the first: nothing was published, its batches are in its copy."""
    assert (story["published_at_kill"], len(story["settled_at_kill"]) > 0) == (False, True)


def test_killed_run_left_running(story: dict[str, Any]) -> None:
    assert story["runs_at_kill"] == [("running",)]


def test_killed_run_marked_crashed(story: dict[str, Any]) -> None:
    assert story["runs"] == [("backfill", "crashed"), ("backfill", "completed")]


def test_questions_identical_to_uninterrupted_run(story: dict[str, Any]) -> None:
    assert story["killed"]["questions"] == story["reference"]["questions"]


def test_versions_identical_to_uninterrupted_run(story: dict[str, Any]) -> None:
    assert story["killed"]["versions"] == story["reference"]["versions"]


def test_every_question_loaded(story: dict[str, Any]) -> None:
    assert len(story["killed"]["questions"]) == PAGES - len(GAPS)


def test_no_duplicate_rows_or_versions(story: dict[str, Any]) -> None:
    assert story["dupes"] == (0, 0, 0)


def test_resume_skips_everything_already_loaded(story: dict[str, Any]) -> None:
    loaded = {path_of(uid) for uid in story["settled_at_kill"]}
    again = [r.path for r in story["log2"] if r.path in loaded]
    assert again == []


def test_no_page_fetched_twice_once_loaded(story: dict[str, Any]) -> None:
    """Across both runs, a page loaded by the killed run was asked exactly once."""
    loaded = {path_of(uid) for uid in story["settled_at_kill"]}
    asked = Counter(r.path for r in story["log1"] + story["log2"] if r.path in loaded)
    assert set(asked.values()) == {1}


def test_resume_fetches_the_rest(story: dict[str, Any]) -> None:
    """Every number not settled at the kill is asked for by the resume."""
    rest = {path_of(f"QANR5L17QE{n}") for n in range(1, PAGES + 1)} - {
        path_of(uid) for uid in story["settled_at_kill"]
    }
    assert rest <= {r.path for r in story["log2"]}
