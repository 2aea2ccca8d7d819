"""Concurrency: a second ``anq sync`` on a file that a run holds exits 3 with one
line saying why; a user's read-only DuckDB session held open while a sync runs
does not fail it, nor delay it (the run writes a private copy). The sync runs at
``--rate 5`` with ~20% of page requests failing (500, truncated bodies, resets),
so the site also measures that retries never push the peak rate above ``--rate``.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Done, anq, query
from tests.e2e.site import FixtureSite
from tests.resilience.conftest import STARTUP, dyn_requests, wait_for
from tests.support.siteserver import Fault, SiteServer
from warehouse.db import connect

pytestmark = [pytest.mark.slow]

PAGES = 40
RATE = 5
HOLD = 4.0

#: A user's SQL session: opens the file read-only (retrying until a run publishes it),
#: holds it HOLD seconds, and prints when it held it (time.monotonic, as the site logs).
HOLDER = f"""
import sys, time, duckdb
while True:
    try:
        con = duckdb.connect(sys.argv[1], read_only=True)
        break
    except duckdb.IOException:
        time.sleep(0.01)
start = time.monotonic()
con.execute("SELECT count(*) FROM runs").fetchall()
time.sleep({HOLD})
end = time.monotonic()
con.close()
print(start, end)
"""


def _args(db: Path, base_url: str) -> list[str]:
    return [
        "sync",
        *("--db", str(db), "--base-url", base_url, "--rate", str(RATE)),
        *("--legislature", "17", "--type", "QE", "--miss-run", "3", "--batch-size", "5"),
    ]


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory, procs: Any) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("lock")
    db = tmp / "anq.duckdb"
    connect(db).close()  # a warehouse to open: a first run's file appears only when it ends
    steps: dict[str, Any] = {"db": db}
    with SiteServer(seed=6) as server:
        site = FixtureSite(server)
        for n in range(1, PAGES + 1):
            site.put(f"QANR5L17QE{n}", question_published_on=dt.date(2024, 3, 1))
        for fault in (Fault.status(500), Fault.truncate(), Fault.reset()):
            server.add_fault(fault, pattern="/dyn/*", probability=1 - 0.8 ** (1 / 3))
        first = procs(_args(db, server.base_url), tmp / "first")
        lock = db.with_name(db.name + ".lock")
        wait_for(
            lambda: lock.exists() and lock.read_text().strip() == str(first.pid),
            STARTUP,
            "the first sync to take the run lock",
        )
        steps["second"] = anq(*_args(db, server.base_url), timeout=STARTUP)
        steps["first_alive_after_second"] = first.running()
        wait_for(
            lambda: dyn_requests(server) >= 10 or not first.running(),
            STARTUP,
            "the first sync's first batches",
        )
        holder = subprocess.run(
            [sys.executable, "-c", HOLDER, str(db)],
            capture_output=True,
            text=True,
            timeout=STARTUP,
        )
        steps["holder"] = holder
        steps["first"] = first.wait()
        steps["log"] = server.requests
        steps["peak"] = server.peak_rate(1.0)
        steps["ended"] = time.monotonic()
    steps["runs"] = query(db, "SELECT flow, state, failures FROM runs")
    steps["questions"] = query(db, "SELECT count(*) FROM questions")[0][0]
    steps["failed"] = query(
        db, "SELECT count(*) FROM pipeline.fetch_state WHERE last_outcome = 'failed'"
    )[0][0]
    return steps


def test_second_sync_exits_3(story: dict[str, Any]) -> None:
    done: Done = story["second"]
    assert done.code == 3, (done.code, done.err[-2000:])


def test_second_sync_says_why_in_one_line(story: dict[str, Any]) -> None:
    lines = story["second"].err.strip().splitlines()
    assert len(lines) == 1 and "being written by another anq run" in lines[0], lines


def test_second_sync_leaves_the_first_running(story: dict[str, Any]) -> None:
    assert story["first_alive_after_second"]


def test_read_only_session_was_held(story: dict[str, Any]) -> None:
    holder = story["holder"]
    assert holder.returncode == 0 and len(holder.stdout.split()) == 2, holder.stderr


def test_sync_ran_across_the_held_session(story: dict[str, Any]) -> None:
    """Page requests before the session opened and after it closed: the sync was
    running the whole time the file was held, and went on afterwards."""
    start, end = (float(x) for x in story["holder"].stdout.split())
    times = [r.time for r in story["log"] if r.path.startswith("/dyn/")]
    assert min(times) < start and max(times) > end


def test_sync_completes_despite_the_session(story: dict[str, Any]) -> None:
    done: Done = story["first"]
    assert done.code == 0, done.err[-3000:]


def test_runs_row_completed(story: dict[str, Any]) -> None:
    assert [(flow, state) for flow, state, _ in story["runs"]] == [("sync", "completed")]


def test_every_page_loaded_or_recorded(story: dict[str, Any]) -> None:
    """Under faults, each page is a question or a recorded failure (retried next run)."""
    ((_flow, _state, failures),) = story["runs"]
    assert (story["questions"] + story["failed"], failures) == (PAGES, story["failed"])


def test_faults_fired(story: dict[str, Any]) -> None:
    """The premise of the rate test: retries happened during the measured run."""
    assert any(r.fault is not None for r in story["log"])


def test_peak_rate_within_limit_under_retries(story: dict[str, Any]) -> None:
    assert 0 < story["peak"] <= RATE
