"""A page whose body never ends costs that page, not the run: the real ``anq fetch``
ends within the page deadline, records the page as failed with the reason, and
the next run against a healthy site is clean.

The page's server sends its headers, then one byte every 0.2 s of a promised
100,000 (five and a half hours): every socket read is quick, so only the
deadlines can end it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Done, anq, query
from tests.e2e.site import FixtureSite
from tests.resilience.conftest import path_of
from tests.support.siteserver import Fault, SiteServer

pytestmark = [pytest.mark.slow]

SLOW, FINE = "QANR5L16QE1", "QANR5L16QE2"
PAGE_DEADLINE = 2.0


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("slow-site")
    db = tmp / "anq.duckdb"
    steps: dict[str, Any] = {}
    with SiteServer(seed=3) as server:
        site = FixtureSite(server)
        site.put(SLOW, title="Lente")
        site.put(FINE, title="Rapide")
        server.add_fault(Fault.dribble(0.2), pattern=path_of(SLOW))
        common = ("--db", str(db), "--base-url", server.base_url, "--rate", "0")
        steps["first"] = anq(
            "fetch", SLOW, FINE, *common, "--response-deadline", "1", "--page-deadline", "2"
        )
        steps["arrivals"] = [r.time for r in server.requests if r.path == path_of(SLOW)]
        steps["first_run"] = query(
            db, "SELECT epoch(finished_at - started_at), failures FROM runs ORDER BY started_at"
        )
        steps["failures"] = query(db, "SELECT uid, stage, error FROM pipeline.failures")
        server.clear_faults()
        steps["second"] = anq("fetch", SLOW, *common)
    steps["questions"] = {r[0] for r in query(db, "SELECT uid FROM questions")}
    steps["open_failures"] = query(
        db, "SELECT uid FROM pipeline.failures WHERE resolved_at IS NULL"
    )
    steps["state"] = dict(query(db, "SELECT uid, last_outcome FROM pipeline.fetch_state"))
    return steps


@pytest.mark.parametrize("run", ["first", "second"])
def test_runs_complete(story: dict[str, Any], run: str) -> None:
    done: Done = story[run]
    assert done.code == 0, done.err[-3000:]


def test_the_slow_page_ends_within_its_deadline(story: dict[str, Any]) -> None:
    arrivals = story["arrivals"]
    assert arrivals and arrivals[-1] - arrivals[0] < PAGE_DEADLINE


def test_the_run_is_not_held(story: dict[str, Any]) -> None:
    """The whole run, loading included, within a few seconds of the page deadline."""
    [(seconds, failures)] = story["first_run"]
    assert (failures, seconds < PAGE_DEADLINE + 8) == (1, True), seconds


def test_the_slow_page_is_recorded_with_the_reason(story: dict[str, Any]) -> None:
    [(uid, stage, error)] = story["failures"]
    assert (uid, stage, error.startswith("page deadline of 2 s passed")) == (SLOW, "fetch", True)


def test_the_next_healthy_run_is_clean(story: dict[str, Any]) -> None:
    assert (story["questions"], story["open_failures"], story["state"][SLOW]) == (
        {SLOW, FINE},
        [],
        "question",
    )
