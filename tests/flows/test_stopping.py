"""The stop signals, in a real process: the first asks the run to stop, a second ends it."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from flows.stopping import RunStopped, Stopper

#: A process that owns the signals, signals itself, and reports what happened.
CHILD = """
import os, signal, sys
from flows.stopping import RunStopped, Stopper
signum = int(sys.argv[1])
with Stopper().installed() as stopper:
    stopper.check()
    os.kill(os.getpid(), signum)
    try:
        stopper.check()
    except RunStopped as err:
        print(err, flush=True)
    if sys.argv[2] == "twice":
        os.kill(os.getpid(), signum)
print("still running", flush=True)
"""

SIGNALS = [signal.SIGTERM, signal.SIGINT]


def _child(signum: int, times: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(int(signum)), times],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
def test_the_first_signal_is_a_stop_the_run_sees(signum: signal.Signals) -> None:
    done = _child(signum, "once")
    assert done.stdout.splitlines() == [f"stopped by {signum.name}", "still running"]


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
def test_a_second_signal_ends_the_process_at_once(signum: signal.Signals) -> None:
    done = _child(signum, "twice")
    assert (done.returncode, done.stdout.splitlines()) == (
        128 + signum,
        [f"stopped by {signum.name}"],
    )


def test_no_signal_no_stop() -> None:
    Stopper().check()  # does not raise


def test_the_reason_names_the_signal() -> None:
    assert str(RunStopped(signal.SIGTERM)) == "stopped by SIGTERM"
