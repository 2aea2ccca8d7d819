"""``anq backfill`` and ``anq sync`` record their flow run through Prefect's REST API,
in a running server or in the temporary API anq starts, without Prefect's client,
and their work does not wait for that API to start.

Everything is real: ``prefect server start`` on a loopback port (the temporary API
shares its Prefect home, so the server reads back what it recorded), the loopback
site, the ``anq`` command.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from flows.cli import running
from flows.config_resolve import resolve
from tests.e2e.conftest import anq, query
from tests.e2e.prefect_reads import PROBE, artifacts, flow_name, flow_run, logs
from tests.e2e.site import FixtureSite
from tests.support.siteserver import SiteServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SPAN = ["--legislature", "16", "--type", "QE"]


def _serve(server: SiteServer) -> None:
    site = FixtureSite(server)
    for n in (1, 2, 3):
        site.put(f"QANR5L16QE{n}", title=f"Question {n}")


@pytest.fixture(scope="module")
def backfilled(
    tmp_path_factory: pytest.TempPathFactory, prefect_server: dict[str, str]
) -> dict[str, Any]:
    """An ``anq backfill`` against the running server."""
    db = tmp_path_factory.mktemp("backfill") / "anq.duckdb"
    with SiteServer(seed=11) as server:
        _serve(server)
        done = anq("backfill", *SPAN, "--from-number", "1", "--to-number", "3",
                   "--db", str(db), "--base-url", server.base_url, env=prefect_server)  # fmt: skip
    rows = query(db, "SELECT prefect_flow_run_id, report FROM runs") if db.exists() else []
    return {"done": done, "rows": rows, "api": prefect_server["PREFECT_API_URL"]}


@pytest.fixture(scope="module")
def synced(
    tmp_path_factory: pytest.TempPathFactory, prefect_server: dict[str, str]
) -> dict[str, Any]:
    """An ``anq sync`` on the temporary API (no ``PREFECT_API_URL``), in the server's home."""
    db = tmp_path_factory.mktemp("sync") / "anq.duckdb"
    environ = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    with SiteServer(seed=12) as server:
        _serve(server)
        done = subprocess.run(
            [sys.executable, "-c", PROBE, "sync", *SPAN, "--db", str(db),
             "--base-url", server.base_url],
            capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
            env={**environ, "PREFECT_HOME": prefect_server["PREFECT_HOME"]},
        )  # fmt: skip
    rows = query(db, "SELECT prefect_flow_run_id, report FROM runs") if db.exists() else []
    return {"done": done, "rows": rows, "api": prefect_server["PREFECT_API_URL"]}


def test_the_backfill_is_a_completed_flow_run_with_its_report(backfilled: dict[str, Any]) -> None:
    assert backfilled["done"].code == 0, backfilled["done"].err[-2000:]
    ((run_id, report),) = backfilled["rows"]
    run = flow_run(backfilled["api"], run_id)
    (artifact,) = artifacts(backfilled["api"], run_id)
    assert (flow_name(backfilled["api"], run["flow_id"]), run["state"]["type"]) == (
        "backfill",
        "COMPLETED",
    )
    assert (artifact["key"], artifact["data"]) == ("anq-backfill-report", report)


def test_the_backfills_log_records_are_the_flow_runs_logs(backfilled: dict[str, Any]) -> None:
    ((run_id, _),) = backfilled["rows"]
    messages = [entry["message"] for entry in logs(backfilled["api"], run_id)]
    assert "L16 QE: 3 numbers done from 1" in messages, messages


def test_a_sync_on_the_temporary_api_never_imports_prefect(synced: dict[str, Any]) -> None:
    done = synced["done"]
    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "prefect modules: []"), (
        done.stderr[-2000:]
    )


def test_a_sync_on_the_temporary_api_is_a_completed_flow_run(synced: dict[str, Any]) -> None:
    ((run_id, report),) = synced["rows"]
    run = flow_run(synced["api"], run_id)
    (artifact,) = artifacts(synced["api"], run_id)
    assert (flow_name(synced["api"], run["flow_id"]), run["state"]["type"]) == (
        "sync",
        "COMPLETED",
    )
    assert (artifact["key"], artifact["data"]) == ("anq-sync-report", report)


def test_the_work_does_not_wait_for_a_starting_api(
    tmp_path: Path, prefect_server: dict[str, str]
) -> None:
    """The API "answers" only once the site has served a page: a run that waited for
    it before its first page would never get there."""
    with SiteServer(seed=13) as server:
        _serve(server)

        def starting_api() -> str:
            deadline = time.monotonic() + 60
            while not any(r.path.startswith("/dyn/") for r in server.requests):
                if time.monotonic() > deadline:
                    raise RuntimeError("no page asked for while the API was starting")
                time.sleep(0.05)
            return prefect_server["PREFECT_API_URL"]

        flags = {"db": str(tmp_path / "anq.duckdb"), "base_url": server.base_url,
                 "legislatures": [16], "types": ["QE"]}  # fmt: skip
        settings = resolve(flags, command="backfill")
        params = {"legislature": 16, "from_number": 1, "to_number": 3, "latest": None}
        kwargs = {**params, "options": {}}
        summary = running._start_direct("backfill", starting_api, kwargs, settings, None)
    ((run_id,),) = query(tmp_path / "anq.duckdb", "SELECT prefect_flow_run_id FROM runs")
    state = flow_run(prefect_server["PREFECT_API_URL"], run_id)["state"]["type"]
    assert (summary["new"], state) == (3, "COMPLETED")


def test_a_profile_naming_the_api_runs_the_flow_through_prefect(
    tmp_path: Path, prefect_server: dict[str, str]
) -> None:
    """Prefect's own settings decide: the temporary API declines, Prefect runs the flow
    (its batches then are task runs) on the API the profile names."""
    api = prefect_server["PREFECT_API_URL"]
    profiles = tmp_path / "profiles.toml"
    profiles.write_text(f'active = "mine"\n\n[profiles.mine]\nPREFECT_API_URL = "{api}"\n')
    db = tmp_path / "anq.duckdb"
    with SiteServer(seed=14) as server:
        _serve(server)
        done = anq("backfill", *SPAN, "--from-number", "1", "--to-number", "3",
                   "--db", str(db), "--base-url", server.base_url,
                   env={"PREFECT_PROFILES_PATH": str(profiles)})  # fmt: skip
    assert done.code == 0, done.err[-2000:]
    ((run_id,),) = query(db, "SELECT prefect_flow_run_id FROM runs")
    body = {"flow_runs": {"id": {"any_": [run_id]}}}
    tasks = httpx.post(f"{api}/task_runs/filter", json=body, timeout=10).json()
    assert (flow_run(api, run_id)["state"]["type"], {t["name"] for t in tasks}) == (
        "COMPLETED",
        {"batch-QANR5L16QE1"},
    )
