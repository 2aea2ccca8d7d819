"""The deployment as an operator runs it: server, pool, ``prefect deploy``, a worker.

Everything is real and local: ``prefect server start`` on a free loopback
port with its own ``PREFECT_HOME``, ``prefect deploy --all`` on the repo's
``prefect.yaml``, ``prefect deployment run`` with parameters, and a process
worker that runs the backfill against a loopback fixture site into a DuckDB
file in tmp. Then the stored schedule, the run's state, its artifact, its
logs and the ``runs`` row are read back. Every process started here is in its
own process group and is stopped (SIGINT, then SIGKILL) even on failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from tests.support.pages import render_question
from tests.support.siteserver import SiteServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

REPO = Path(__file__).resolve().parents[2]
PREFECT = Path(sys.executable).parent / "prefect"
#: Names a question but matches no template: an extraction failure, logged with its uid.
BROKEN = b"<html><body><main><p>QANR5L16QE5 : page en travaux</p></main></body></html>"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Procs:
    """Processes started by this test, each in its own group, stopped by PID."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        out = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            args, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_default_sigint,
        )  # fmt: skip
        self.started.append(proc)
        return proc

    def run(self, name: str, args: list[str], env: dict[str, str], timeout: float = 120) -> str:
        proc = self.start(name, args, env)
        try:
            code = proc.wait(timeout)
        finally:
            self.stop(proc)
        text = (self.logs / f"{name}.log").read_text(errors="replace")
        assert code == 0, f"{' '.join(args[1:])} exited {code}:\n{text[-3000:]}"
        return text

    def stop(self, proc: subprocess.Popen[bytes], grace: float = 20) -> None:
        """SIGINT to the group (a worker ignores SIGTERM for a while), then SIGKILL."""
        if proc.poll() is None:
            _signal_group(proc.pid, signal.SIGINT)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait(10)
        _signal_group(proc.pid, signal.SIGKILL)  # children left behind in the group

    def stop_all(self) -> None:
        for proc in reversed(self.started):
            self.stop(proc)


def _default_sigint() -> None:
    """Children of a shell's background job inherit an ignored SIGINT: undo that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Procs]:
    started = Procs(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


def _wait(what: str, check: Any, timeout: float, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def _healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _environment(tmp_path: Path, api: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ANQ_"))}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_API_URL=api,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_WORKER_QUERY_SECONDS="2",
        PREFECT_WORKER_PREFETCH_SECONDS="5",
    )
    return env


def _site_pages(site: SiteServer) -> None:
    for n in range(1, 13):
        uid = f"QANR5L16QE{n}"
        site.pages[f"/dyn/16/questions/{uid}"] = render_question(uid=uid).encode()
    site.pages["/dyn/16/questions/QANR5L16QE5"] = BROKEN  # looks like a question, unreadable


def _api(api: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    response = httpx.request(method, f"{api}{path}", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def test_deploy_schedule_manual_run_report(tmp_path: Path, procs: Procs) -> None:
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = _environment(tmp_path, api)
    procs.start("server", [str(PREFECT), "server", "start", "--host", "127.0.0.1",
                           "--port", str(port)], env)  # fmt: skip
    _wait("the Prefect server", lambda: _healthy(api), timeout=240)
    procs.run("pool", [str(PREFECT), "work-pool", "create", "anq-pool", "--type", "process"], env)
    # ANQ_PROJECT_DIR is deliberately absent here: the pull step resolves it on the worker.
    procs.run("deploy", [str(PREFECT), "--no-prompt", "deploy", "--all"], env, timeout=180)

    nightly = _api(api, "GET", "/deployments/name/sync/nightly")
    schedule = nightly["schedules"][0]["schedule"]
    assert (schedule["cron"], schedule["timezone"]) == ("0 2 * * *", "Europe/Paris")
    assert nightly["global_concurrency_limit"]["limit"] == 1
    assert nightly["parameters"]["options"]["legislatures"] == [17]
    assert nightly["work_pool_name"] == "anq-pool"
    assert "{{ $ANQ_PROJECT_DIR }}" in json.dumps(nightly["pull_steps"])
    assert _api(api, "GET", "/deployments/name/backfill/manual")["schedules"] == []
    assert _api(api, "GET", "/deployments/name/fetch/manual")["schedules"] == []

    db = tmp_path / "data" / "anq.duckdb"
    with SiteServer(seed=0) as site:
        _site_pages(site)
        out = procs.run("trigger", [
            str(PREFECT), "deployment", "run", "backfill/manual",
            "--param", "legislature=16", "--param", "to_number=12",
            "--param", "options=" + json.dumps(
                {"types": ["QE"], "base_url": site.base_url, "db": str(db), "rate": 0}
            ),
        ], env)  # fmt: skip
        match = re.search(r"UUID:\s*([0-9a-f-]{36})", out)
        assert match, out
        flow_run_id = match.group(1)
        worker_env = {**env, "ANQ_PROJECT_DIR": str(REPO)}
        worker = procs.start("worker", [str(PREFECT), "worker", "start", "--pool", "anq-pool"],
                             worker_env)  # fmt: skip
        state = _wait("the backfill run to finish", lambda: _final_state(api, flow_run_id), 200)
        worker_log = (tmp_path / "worker.log").read_text(errors="replace")
        assert state == "COMPLETED", worker_log[-4000:]
        # The library's line about the page, uid first. Logs reach the API in
        # batches, the last ones as the run's process exits: wait before stopping.
        _wait("the anq log line about QANR5L16QE5", lambda: _uid_logged(api, flow_run_id), 60)
        procs.stop(worker)

    artifact = _api(api, "POST", "/artifacts/filter",
                    {"artifacts": {"flow_run_id": {"any_": [flow_run_id]}}})  # fmt: skip
    by_type = {a["type"]: a for a in artifact}
    assert sorted(by_type) == ["markdown", "progress"]  # the run report, and the progress
    assert by_type["markdown"]["key"] == "anq-backfill-report"
    assert float(by_type["progress"]["data"]) == 100.0
    report = by_type["markdown"]["data"]
    assert "| new questions | 11 |" in report
    assert "| QANR5L16QE5 | extract |" in report

    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "SELECT state, pages_new, failures, prefect_flow_run_id, report FROM runs"
        ).fetchall()
    finally:
        con.close()
    assert row == [("completed", 11, 1, flow_run_id, report)]


def _uid_logged(api: str, flow_run_id: str) -> bool:
    logs = _api(api, "POST", "/logs/filter", {"logs": {"flow_run_id": {"any_": [flow_run_id]}}})
    return any(
        e["name"].startswith("anq.") and e["message"].startswith("QANR5L16QE5: ") for e in logs
    )


def _final_state(api: str, flow_run_id: str) -> str | None:
    state = _api(api, "GET", f"/flow_runs/{flow_run_id}")["state"]
    return state["type"] if state and state["type"] in ("COMPLETED", "FAILED", "CRASHED") else None
