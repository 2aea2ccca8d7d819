"""SIGTERM and Ctrl-C stop a run within seconds, even while a page request hangs.

The site answers robots.txt (so the CLI's reachability check passes) and then
accepts every page request and never answers it: the run's page thread sits
in a socket read. Once that request is in flight the real ``anq fetch`` gets
one signal: SIGTERM to the process (a service manager, a Prefect worker),
SIGINT to its whole process group (Ctrl-C in a terminal, which also reaches
the Prefect API server it started). It must exit within 5 s, leave its run
``failed`` with the reason, load nothing, and leave the lock free.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Done, anq, query
from tests.e2e.site import FixtureSite
from tests.resilience.conftest import STARTUP, dyn_requests, wait_for
from tests.support.silentsite import SilentSite
from tests.support.siteserver import SiteServer
from warehouse.runlock import RunLock

pytestmark = [pytest.mark.slow]

UID = "QANR5L16QE1"
#: What "stops within a few seconds" means here, from the signal to the exit.
STOP_WITHIN = 5.0


def _fetch_args(db: Path, base_url: str) -> list[str]:
    return ["fetch", UID, "--db", str(db), "--base-url", base_url, "--rate", "0"]


#: (signal, sent to the whole process group)
SENT = [(signal.SIGTERM, False), (signal.SIGINT, True)]


@pytest.fixture(scope="module", params=SENT, ids=["SIGTERM", "SIGINT-group"])
def story(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, procs: Any
) -> dict[str, Any]:
    signum, group = request.param
    tmp = tmp_path_factory.mktemp(f"stop-{signum.name}")
    db = tmp / "anq.duckdb"
    steps: dict[str, Any] = {"signal": signum}
    with SilentSite() as site:
        run = procs(_fetch_args(db, site.base_url), tmp / "run")
        wait_for(lambda: bool(site.held) or not run.running(), STARTUP, "a page request")
        steps["held"] = list(site.held)
        if not run.running():
            early = run.wait()
            pytest.fail(f"anq ended before the signal ({early.code}): {early.err[-3000:]}")
        time.sleep(0.5)  # well inside the request: the client's own timeouts are far longer
        sent = time.monotonic()
        (os.killpg if group else os.kill)(run.pid, signum)
        done: Done = run.wait(timeout=60)
        steps["took"] = time.monotonic() - sent
        steps["stopped"] = done
    lock = RunLock(db)
    lock.acquire()  # raises RunLocked if the stopped run left it taken
    lock.release()
    steps["runs"] = query(db, "SELECT flow, state, message FROM runs")
    steps["loaded"] = query(db, "SELECT count(*) FROM pipeline.fetch_state")[0][0]
    with SiteServer(seed=7) as server:
        FixtureSite(server).put(UID, title="Titre")
        steps["next"] = anq(*_fetch_args(db, server.base_url))
    steps["runs_after"] = query(db, "SELECT state FROM runs ORDER BY started_at")
    return steps


def test_a_page_request_was_held_when_the_signal_came(story: dict[str, Any]) -> None:
    assert story["held"] == [f"/dyn/16/questions/{UID}"]


def test_the_command_exits_within_seconds(story: dict[str, Any]) -> None:
    assert story["took"] < STOP_WITHIN, story["stopped"].err[-3000:]


def test_the_command_says_why_it_stopped(story: dict[str, Any]) -> None:
    done: Done = story["stopped"]
    assert f"stopped by {story['signal'].name}" in done.err, done.err[-3000:]


def test_the_command_exits_failed(story: dict[str, Any]) -> None:
    """1 (run failed) when Prefect winds down in time, else the shell's status for the signal."""
    assert story["stopped"].code in (1, 128 + story["signal"])


def test_the_run_is_recorded_failed_with_the_reason(story: dict[str, Any]) -> None:
    assert story["runs"] == [("fetch", "failed", f"stopped by {story['signal'].name}")]


def test_the_abandoned_batch_is_not_loaded(story: dict[str, Any]) -> None:
    assert story["loaded"] == 0


def test_the_next_run_completes(story: dict[str, Any]) -> None:
    """The lock itself was taken and let go above; here a whole run goes through."""
    assert story["next"].code == 0, story["next"].err[-3000:]
    assert story["runs_after"] == [("failed",), ("completed",)]


def test_a_run_waiting_for_a_starting_prefect_api_stops_within_seconds(
    tmp_path: Path, procs: Any
) -> None:
    """Its pages are in, and the temporary API of a Prefect home never used is still
    creating its database (seconds): the wait for it ends on the signal too."""
    db = tmp_path / "anq.duckdb"
    with SiteServer(seed=8) as server:
        FixtureSite(server).put(UID, title="Titre")
        run = procs(_fetch_args(db, server.base_url), tmp_path / "run",
                    env={"PREFECT_HOME": str(tmp_path / "new-prefect-home")})  # fmt: skip
        wait_for(lambda: dyn_requests(server) > 0 or not run.running(), STARTUP, "the page")
        time.sleep(0.2)  # the page loading or loaded; the API still starting (seconds)
        sent = time.monotonic()
        os.kill(run.pid, signal.SIGTERM)
        done: Done = run.wait(timeout=60)
        took = time.monotonic() - sent
    assert (done.code, done.err.splitlines()[-1:], took < STOP_WITHIN) == (
        1,
        ["anq: fetch run failed: stopped by SIGTERM"],
        True,
    ), done.err[-3000:]
    assert query(db, "SELECT state, message FROM runs") == [("failed", "stopped by SIGTERM")]
