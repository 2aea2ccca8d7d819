"""However ``anq`` ends (but ``kill -9``), its run lock file goes with it.

A sync is stopped by SIGTERM, SIGHUP or Ctrl-C (SIGINT) while it holds the
lock (the lock is taken before Prefect starts, so this is early in the run):
it exits with one line and leaves no ``<db>.lock`` behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import BIN
from tests.support.siteserver import Fault, SiteServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stopped_run_removes_its_lock_file(tmp_path: Path, sig: signal.Signals) -> None:
    db = tmp_path / "anq.duckdb"
    lock = db.with_name(db.name + ".lock")
    with SiteServer(seed=3) as site:
        site.add_fault(Fault.slow(30), pattern="/dyn/*")
        command = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "flows.cli"]
        proc = subprocess.Popen(
            [*command, "sync", "--db", str(db), "--base-url", site.base_url, "--rate", "0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PREFECT_API_URL": ""},
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while not lock.exists() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert lock.exists(), proc.stderr.read() if proc.stderr else ""
            time.sleep(0.5)
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert (proc.returncode != 0, "Traceback" in err, lock.exists()) == (True, False, False), err
