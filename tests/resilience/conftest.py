"""Resilience fixtures: ``anq`` processes we can watch and kill, and snapshots to compare.

The stories reuse the end-to-end helpers (``anq()``, ``query()``, ``FixtureSite``)
and add what a resilience test needs on top: a process started in its own
session (so ``kill -9`` reaches Prefect's temporary API server too, and a
failing test never leaves one behind), waiting on the site's request log
(while a run writes, the DuckDB file cannot be opened), and reading a copy of
a database left by a killed run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from extractors.model import QUESTION_COLUMNS
from tests.e2e.conftest import BIN, Done, query
from tests.support.siteserver import SiteServer

#: Prefect's temporary API needs 10-30 s to start on a loaded 2-core machine.
STARTUP = 240.0


class Proc:
    """One ``anq`` command running in its own process group."""

    def __init__(self, args: list[str], out_dir: Path, env: dict[str, str] | None = None):
        command = [str(BIN)] if BIN.exists() else ["python", "-m", "flows.cli"]
        out_dir.mkdir(parents=True, exist_ok=True)
        self._out = (out_dir / "stdout").open("w+")
        self._err = (out_dir / "stderr").open("w+")
        self.popen = subprocess.Popen(
            [*command, *args],
            stdout=self._out,
            stderr=self._err,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def kill9(self) -> None:
        """SIGKILL the whole group (the command and Prefect's API server it started)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)

    def wait(self, timeout: float = STARTUP) -> Done:
        """Wait for the command to end; kill its group if it overruns."""
        try:
            code = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            raise
        finally:
            self._reap_group()
        self._out.seek(0)
        self._err.seek(0)
        return Done(code, self._out.read(), self._err.read())

    def _reap_group(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    def stop(self) -> None:
        """Whatever happened: nothing of this command keeps running."""
        if self.running():
            self.kill9()
        self._reap_group()
        self._out.close()
        self._err.close()


@pytest.fixture(scope="module")
def procs() -> Iterator[Callable[..., Proc]]:
    """Start ``anq`` commands; every one still alive at the end is killed (by its pid)."""
    started: list[Proc] = []

    def start(args: list[str], out_dir: Path, env: dict[str, str] | None = None) -> Proc:
        proc = Proc(args, out_dir, env)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` every 20 ms; fail the test with ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.02)


def dyn_requests(site: SiteServer) -> int:
    return sum(1 for r in site.requests if r.path.startswith("/dyn/"))


def copy_db(db: Path, dest: Path) -> Path:
    """A copy of a database file (and its WAL) to open without touching the original."""
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / db.name
    shutil.copy2(db, target)
    wal = db.with_name(db.name + ".wal")
    if wal.exists():
        shutil.copy2(wal, target.with_name(target.name + ".wal"))
    return target


CONTENT = ", ".join(f'"{c}"' for c in QUESTION_COLUMNS)


def contents(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every contract content column of both tables, plus version numbers (no timestamps)."""
    return {
        "questions": query(db, f"SELECT {CONTENT} FROM questions ORDER BY uid"),
        "versions": query(
            db,
            f"SELECT {CONTENT}, version, valid_to IS NULL AS current, content_hash "
            "FROM question_versions ORDER BY uid, version",
        ),
    }


def path_of(uid: str) -> str:
    return f"/dyn/{uid[6:8]}/questions/{uid}"
