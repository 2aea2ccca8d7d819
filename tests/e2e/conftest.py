"""End-to-end fixtures: the real ``anq`` command, a real DuckDB file, a loopback site."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.e2e.site import FixtureSite
from tests.support.siteserver import SiteServer

BIN = Path(sys.executable).parent / "anq"
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy for 127.0.0.1


@dataclass(frozen=True)
class Done:
    """A finished ``anq`` command."""

    code: int
    out: str
    err: str


def anq(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 300,
    prefix: list[str] | None = None,
    cwd: Path | None = None,
) -> Done:
    """Run the installed ``anq`` console script as a user would (``prefix``: e.g. setpriv)."""
    command = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "flows.cli"]
    proc = subprocess.run(
        [*(prefix or []), *command, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )
    return Done(proc.returncode, proc.stdout, proc.stderr)


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    """Read the warehouse with a fresh read-only connection (as a user's SQL session)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def server() -> Iterator[SiteServer]:
    with SiteServer(seed=1) as site:
        yield site


@pytest.fixture(scope="module")
def site(server: SiteServer) -> FixtureSite:
    return FixtureSite(server)


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A ``prefect server start`` on a free loopback port; the environment that uses it."""
    home = tmp_path_factory.mktemp("prefect-home")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1"}  # fmt: skip
    prefect = Path(sys.executable).parent / "prefect"
    proc = subprocess.Popen(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not _healthy(api):
            assert proc.poll() is None and time.monotonic() < deadline, "no Prefect server"
            time.sleep(0.5)
        yield {"PREFECT_HOME": str(home), "PREFECT_API_URL": api}
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def _healthy(api: str) -> bool:
    try:
        with _LOOPBACK.open(f"{api}/health", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False
