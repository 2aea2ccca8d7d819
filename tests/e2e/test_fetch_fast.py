"""``anq fetch`` and ``anq reparse`` against a running Prefect server: Prefect's
client never loaded, and each run still a flow run of the server, with its state
and report.

Everything is real: ``prefect server start`` on a loopback port, the loopback
site, the ``anq`` console script. The server is read back through its REST API.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import BIN, anq, query
from tests.e2e.prefect_reads import PROBE, artifacts, flow_name, flow_run, running
from tests.e2e.site import FixtureSite
from tests.support.silentsite import SilentSite
from tests.support.siteserver import SiteServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

UID = "QANR5L16QE1"


@pytest.fixture(scope="module")
def fetched(
    tmp_path_factory: pytest.TempPathFactory, prefect_server: dict[str, str]
) -> dict[str, Any]:
    db = tmp_path_factory.mktemp("fast") / "anq.duckdb"
    with SiteServer(seed=4) as server:
        FixtureSite(server).put(UID, title="Question rapide")
        done = anq("fetch", UID, "--db", str(db), "--base-url", server.base_url,
                   env=prefect_server)  # fmt: skip
        log = server.requests
    (run_id,) = query(db, "SELECT prefect_flow_run_id FROM runs WHERE flow = 'fetch'")[0]
    return {"done": done, "log": log, "db": db, "run": run_id, **prefect_server}


def test_the_fetch_completes(fetched: dict[str, Any]) -> None:
    assert fetched["done"].code == 0, fetched["done"].err[-2000:]


def test_the_server_holds_a_completed_fetchflow_run(fetched: dict[str, Any]) -> None:
    run = flow_run(fetched["PREFECT_API_URL"], fetched["run"])
    flow = flow_name(fetched["PREFECT_API_URL"], run["flow_id"])
    assert (flow, run["state"]["type"], run["parameters"]["uids"]) == ("fetch", "COMPLETED", [UID])


def test_the_run_report_is_an_artifact_of_theflow_run(fetched: dict[str, Any]) -> None:
    (artifact,) = artifacts(fetched["PREFECT_API_URL"], fetched["run"])
    (report,) = query(fetched["db"], "SELECT report FROM runs WHERE flow = 'fetch'")[0]
    assert (artifact["key"], artifact["type"], artifact["data"]) == (
        "anq-fetch-report",
        "markdown",
        report,
    )


def test_robots_txt_is_asked_once_then_the_page(fetched: dict[str, Any]) -> None:
    assert [r.path for r in fetched["log"]] == ["/robots.txt", f"/dyn/16/questions/{UID}"]


def test_prefect_is_never_imported(tmp_path: Path, prefect_server: dict[str, str]) -> None:
    with SiteServer(seed=5) as server:
        FixtureSite(server).put(UID, title="Question sans Prefect")
        done = subprocess.run(
            [sys.executable, "-c", PROBE, "fetch", UID, "--json",
             "--db", str(tmp_path / "anq.duckdb"), "--base-url", server.base_url],
            capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
            env={**os.environ, **prefect_server},
        )  # fmt: skip
    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "prefect modules: []"), (
        done.stderr
    )


def test_an_unanswering_prefect_api_fails_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    with SiteServer(seed=6) as server:
        FixtureSite(server).put(UID, title="Question")
        done = anq("fetch", UID, "--db", str(db), "--base-url", server.base_url,
                   env={"PREFECT_API_URL": "http://127.0.0.1:9/api"})  # fmt: skip
    assert (done.code, done.err.count("\n"), db.exists()) == (1, 1, False), done.err
    assert done.err.startswith("anq: fetch could not run: Prefect API"), done.err


def test_a_stopped_fetch_is_a_failed_flow_run(
    tmp_path: Path, prefect_server: dict[str, str]
) -> None:
    """Signalled while its page request hangs: the run is RUNNING in the server and
    inside its work (the flow run is created first, so RUNNING alone is too early)."""
    db = tmp_path / "anq.duckdb"
    with SilentSite() as site:
        command = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "flows.cli"]
        proc = subprocess.Popen(
            [*command, "fetch", UID, "--db", str(db), "--base-url", site.base_url],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **prefect_server},
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while not (site.held and running(prefect_server["PREFECT_API_URL"], "fetch")):
                assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
                time.sleep(0.1)
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    (run_id,) = query(db, "SELECT prefect_flow_run_id FROM runs")[0]
    state = flow_run(prefect_server["PREFECT_API_URL"], run_id)["state"]["type"]
    assert (proc.returncode, state, err) == (
        1,
        "FAILED",
        "anq: fetch run failed: stopped by SIGTERM\n",
    )


@pytest.fixture(scope="module")
def reparsed(fetched: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A copy of the fetched warehouse, reparsed from the fetch's archive."""
    db = tmp_path_factory.mktemp("reparse") / "anq.duckdb"
    shutil.copy(fetched["db"], db)
    before = query(db, "SELECT * FROM questions ORDER BY uid")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "reparse", "--db", str(db),
         "--archive", str(fetched["db"].with_name("anq-raw"))],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
        env={**os.environ, "PREFECT_HOME": fetched["PREFECT_HOME"],
             "PREFECT_API_URL": fetched["PREFECT_API_URL"]},
    )  # fmt: skip
    (run_id,) = query(db, "SELECT prefect_flow_run_id FROM runs WHERE flow = 'reparse'")[0]
    return {"done": done, "db": db, "before": before, "run": run_id}


def test_a_reparse_never_imports_prefect(reparsed: dict[str, Any]) -> None:
    done = reparsed["done"]
    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "prefect modules: []"), (
        done.stderr[-2000:]
    )


def test_the_reparse_is_a_completed_flow_run_with_its_report(
    fetched: dict[str, Any], reparsed: dict[str, Any]
) -> None:
    api = fetched["PREFECT_API_URL"]
    run = flow_run(api, reparsed["run"])
    (artifact,) = artifacts(api, reparsed["run"])
    (report,) = query(reparsed["db"], "SELECT report FROM runs WHERE flow = 'reparse'")[0]
    assert (flow_name(api, run["flow_id"]), run["state"]["type"]) == ("reparse", "COMPLETED")
    assert (artifact["key"], artifact["data"]) == ("anq-reparse-report", report)


def test_the_reparse_gives_the_same_questions(reparsed: dict[str, Any]) -> None:
    assert query(reparsed["db"], "SELECT * FROM questions ORDER BY uid") == reparsed["before"]
