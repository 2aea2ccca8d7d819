"""The temporary Prefect API anq runs in a child process (``flows/api.py``)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from flows import api
from tests.support.procs import alive

REPO = Path(__file__).resolve().parents[2]


def test_a_users_api_url_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: api.ApiChild) -> None:
        raise AssertionError("no temporary API when PREFECT_API_URL is set")

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setattr(api.ApiChild, "start", refuse)
    with api.temporary_api() as child:
        assert child is None


@pytest.mark.parametrize(
    "setting",
    [
        {"PREFECT_SERVER_EPHEMERAL_ENABLED": "false"},
        {"PREFECT_API_URL": "http://127.0.0.1:9/api"},
    ],
    ids=["temporary API turned off", "an API named"],
)
def test_the_child_declines_when_prefects_settings_decide(
    monkeypatch: pytest.MonkeyPatch, setting: dict[str, str]
) -> None:
    for key, value in setting.items():
        monkeypatch.setenv(key, value)
    child = api.ApiChild()
    child.start()
    try:
        assert child.serves() is False
    finally:
        child.stop()


@pytest.mark.slow
def test_the_child_serves_prefects_api() -> None:
    with api.temporary_api() as child:
        assert child is not None and child.serves()
        url = child.wait_ready()
        with urllib.request.urlopen(f"{url}/health", timeout=10) as answer:
            assert answer.status == 200


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
def test_the_api_child_dies_with_a_killed_command(tmp_path: Path) -> None:
    script = (
        "import os, signal\n"
        "from flows.api import ApiChild\n"
        "child = ApiChild()\n"
        "child.start()\n"
        "print(child.proc.pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == -signal.SIGKILL
    pid = int(done.stdout.split()[0])
    try:
        deadline = time.monotonic() + 30
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
