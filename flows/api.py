"""The Prefect API a command's flow reports to: the user's, or a temporary one of anq's own.

With ``PREFECT_API_URL`` set (a ``prefect server``, Prefect Cloud), nothing
here happens. Without it, Prefect 3 would start its temporary local API
itself: it imports ``prefect.server.api.server`` into the command's own
process only to reach ``SubprocessASGIServer`` (FastAPI, SQLAlchemy, every
ORM model: a third of a reparse's peak memory, and seconds of imports), and
only then spawns that API in a child process. :func:`prefect_api` starts the same child (the same
``uvicorn`` command, environment and isolated settings as Prefect's), before
the command imports Prefect at all, so both start-ups overlap; then points
the flow at it through ``PREFECT_API_URL`` and stops it at the end. The
command's process never imports ``prefect.server``.

Prefect's own settings still decide: when a profile or ``prefect.toml``
names an API URL, or turns ephemeral mode off, the child is stopped unused
and Prefect behaves exactly as it would without anq's help. On Linux the
child gets SIGTERM if the command dies, even by ``kill -9``.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

#: What Prefect's ``SubprocessASGIServer`` sets for its temporary API: no UI.
CHILD_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}
_ADDRESS_IN_USE = 3  # uvicorn's exit status when the port was taken meanwhile
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy for 127.0.0.1


class ApiChild:
    """A temporary Prefect API (``uvicorn`` serving Prefect's app) in a child process."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> None:
        """Spawn the API on a free loopback port (returns at once)."""
        self.port = _free_port()
        spec = importlib.util.find_spec("prefect")  # locates it without importing it
        app_dir = Path(spec.origin).parent.parent if spec and spec.origin else Path.cwd()
        command = [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir)]
        command += ["--factory", "prefect.server.api.server:create_app"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--log-level", "error", "--lifespan", "on"]
        self.proc = subprocess.Popen(
            command,
            env={**os.environ, **CHILD_ENV},
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )

    def wait_ready(self, timeout: float) -> str:
        """Wait until ``/health`` answers; the API URL. Raises RuntimeError on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            code = self.proc.poll()
            if code == _ADDRESS_IN_USE:
                self.start()
            elif code is not None:
                raise RuntimeError(f"temporary Prefect API exited with status {code}")
            health = f"{self.url}/health"
            with contextlib.suppress(OSError), _LOOPBACK.open(health, timeout=2) as answer:
                if answer.status == 200:
                    return self.url
            time.sleep(0.1)
        raise RuntimeError(f"temporary Prefect API not up after {timeout:g} s")

    def stop(self) -> None:
        """Stop the API (SIGTERM, then SIGKILL after 5 s); idempotent."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def prefect_api() -> Iterator[None]:
    """Run the body (which imports Prefect and runs a flow) against a Prefect API."""
    if os.environ.get("PREFECT_API_URL"):
        yield
        return
    child = ApiChild()
    child.start()
    try:
        from prefect.settings import get_current_settings

        settings = get_current_settings()
        if settings.api.url or not settings.server.ephemeral.enabled:
            child.stop()  # the user's Prefect settings decide, as without anq
            yield
            return
        url = child.wait_ready(settings.server.ephemeral.startup_timeout_seconds)
        with _pointed_at(url):
            yield
    finally:
        child.stop()


@contextlib.contextmanager
def _pointed_at(url: str) -> Iterator[None]:
    """``PREFECT_API_URL`` for this process and its threads; logs and events drained at the end."""
    from prefect.context import refresh_global_settings_context
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

    os.environ["PREFECT_API_URL"] = url
    refresh_global_settings_context()  # threads without a settings context read it
    # No UI is served: no "View at <url>" line pointing at it (Prefect's own
    # temporary API prints none either).
    updates = {PREFECT_API_URL: url, PREFECT_UI_URL: ""}
    try:
        with temporary_settings(updates=updates):
            yield
            _drain()
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        refresh_global_settings_context()


def _drain() -> None:
    """Send the logs and events still queued while the API is up."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=5)
    EventsWorker.drain_all(timeout=5)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent dies (``PR_SET_PDEATHSIG``)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)
