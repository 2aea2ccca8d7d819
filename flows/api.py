"""The Prefect API a command's run reports to: the user's, or a temporary one of anq's own.

With ``PREFECT_API_URL`` set (a ``prefect server``, Prefect Cloud), nothing
here happens. Without it, Prefect 3 would start its temporary local API
itself: it imports ``prefect.server.api.server`` into the command's own
process only to reach ``SubprocessASGIServer`` (FastAPI, SQLAlchemy, every
ORM model: a third of a reparse's peak memory, and seconds of imports), and
only then spawns that API in a child process. :func:`temporary_api` starts
the same API (``uvicorn`` serving Prefect's app, with the environment and
isolated settings of Prefect's) in a child at once, and the command's work
goes on while it starts (on a first run it also creates Prefect's database,
which takes seconds): the command records its run over REST
(``flows.cli.running``) and only needs the API's URL once it answers. The
command's process never imports ``prefect.server``, nor Prefect's client.

Prefect's own settings still decide: the child reads them first, and when a
profile or ``prefect.toml`` names an API URL or turns ephemeral mode off, it
says so and exits, and the command runs its flow through Prefect's client as
Prefect alone would. On Linux the child gets SIGTERM if the command dies,
even by ``kill -9``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

from flows.api_child import DECLINES, SERVES

#: What Prefect's ``SubprocessASGIServer`` sets for its temporary API: no UI.
CHILD_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}
_ADDRESS_IN_USE = 3  # uvicorn's exit status when the port was taken meanwhile
#: Seconds the child has to exit on SIGTERM before SIGKILL: uvicorn finishes starting
#: first (a first run's migrations), and a stopped command has seconds to exit
#: (``flows.stopping.GRACE``); SQLite takes back a half-done transaction.
STOP_WAIT = 1.5
#: Seconds for the child to read Prefect's settings and say whether it serves.
VERDICT_TIMEOUT = 120.0
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy for 127.0.0.1


class ApiChild:
    """A temporary Prefect API (:mod:`flows.api_child`) in a child process."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.startup_timeout = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> None:
        """Spawn the API on a free loopback port (returns at once)."""
        self.port, self.startup_timeout = _free_port(), 0.0
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flows.api_child", str(self.port)],
            env={**os.environ, **CHILD_ENV},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )

    def serves(self) -> bool:
        """Whether Prefect's settings let the child serve (its first line says).

        Raises RuntimeError when it exits or says nothing within :data:`VERDICT_TIMEOUT`.
        """
        if self.startup_timeout:
            return True
        assert self.proc is not None and self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], VERDICT_TIMEOUT)
        line = self.proc.stdout.readline().decode(errors="replace").split() if ready else []
        if line[:1] == [DECLINES]:
            return False
        if line[:1] != [SERVES]:
            raise RuntimeError(f"temporary Prefect API did not start ({self._how()})")
        self.startup_timeout = float(line[1])
        return True

    def wait_ready(self) -> str:
        """Wait until ``/health`` answers; the API URL. Raises RuntimeError on timeout."""
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            code = self.proc.poll()
            if code == _ADDRESS_IN_USE:
                self.start()
                self.serves()
            elif code is not None:
                raise RuntimeError(f"temporary Prefect API exited with status {code}")
            health = f"{self.url}/health"
            with contextlib.suppress(OSError), _LOOPBACK.open(health, timeout=2) as answer:
                if answer.status == 200:
                    return self.url
            time.sleep(0.1)
        raise RuntimeError(f"temporary Prefect API not up after {self.startup_timeout:g} s")

    def stop(self) -> None:
        """Stop the API (SIGTERM, then SIGKILL after :data:`STOP_WAIT` s); idempotent."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.stdout is not None:
            proc.stdout.close()
        if proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=STOP_WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def _how(self) -> str:
        assert self.proc is not None
        code = self.proc.poll()
        return f"exit status {code}" if code is not None else f"silent for {VERDICT_TIMEOUT:g} s"


@contextlib.contextmanager
def temporary_api() -> Iterator[ApiChild | None]:
    """The temporary API's child for the block, starting (:meth:`ApiChild.serves`, then
    :meth:`ApiChild.wait_ready`); None when ``PREFECT_API_URL`` names the API."""
    if os.environ.get("PREFECT_API_URL"):
        yield None
        return
    child = ApiChild()
    child.start()
    try:
        yield child
    finally:
        child.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent dies (``PR_SET_PDEATHSIG``)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)
