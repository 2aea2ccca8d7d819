"""SIGTERM during a reparse stops it between two batches: the run is recorded failed
with the reason, the warehouse stays as it was, and no worker or file is left behind.

A real process: the stop ends it (a stopped run's process has seconds to exit).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import duckdb
import pytest

from tests.support.procs import still_running

#: Every row of the tables a reparse rebuilds, hashed.
SNAPSHOT = (
    "SELECT (SELECT sum(hash(t)) FROM questions AS t), "
    "(SELECT sum(hash(t)) FROM question_versions AS t)"
)

#: Builds the replay story's warehouse, then reparses it with two workers and a
#: replay whose first batch signals the process; prints the worker pids first.
CHILD = (
    f"SNAPSHOT = {SNAPSHOT!r}\n"
    + """
import multiprocessing, os, signal, sys
from pathlib import Path
from flows import rebuild as work
from flows.config_resolve import resolve
from tests.warehouse.replay_story import script
from warehouse.archive import RawArchive
from warehouse.db import connect
from warehouse.replay import reparse_file
from warehouse.runs import finish_run, start_run

db = Path(sys.argv[1])
archive = RawArchive(db.with_name("raw"))
with connect(db) as con:
    run_id = start_run(con, "sync", {})
    site = script(con, run_id, archive)
    finish_run(con, run_id, "completed")
    print("before", *con.execute(SNAPSHOT).fetchone(), flush=True)

def signalled(pages):
    print("workers", *[p.pid for p in multiprocessing.active_children()], flush=True)
    os.kill(os.getpid(), signal.SIGTERM)

def replay(run, store, legislature, size):
    return reparse_file(run.settings.db, store, site.extract, run_id=run.run_id, batch_size=1,
                        workers=2, progress=signalled, check=run.check)

settings = resolve({"db": str(db), "archive": str(archive.root)})
work.rebuild(None, settings, {}, replay=replay)
print("not stopped", flush=True)
"""
)


class Stopped(NamedTuple):
    done: subprocess.CompletedProcess[str]
    db: Path
    lines: list[str]
    workers: list[int]


@pytest.fixture(scope="module")
def stopped(tmp_path_factory: pytest.TempPathFactory) -> Stopped:
    db = tmp_path_factory.mktemp("reparse-stop") / "anq.duckdb"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(db)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    lines = done.stdout.splitlines()
    workers = [int(pid) for line in lines if line.startswith("workers") for pid in line.split()[1:]]
    return Stopped(done, db, lines, workers)


def test_the_replay_stops(stopped: Stopped) -> None:
    assert "not stopped" not in stopped.lines, stopped.done.stderr[-3000:]
    assert stopped.workers, stopped.done.stderr[-3000:]


def test_the_run_is_recorded_failed_with_the_reason(stopped: Stopped) -> None:
    assert _query(stopped.db, "SELECT flow, state, message FROM runs WHERE flow = 'reparse'") == [
        ("reparse", "failed", "stopped by SIGTERM")
    ]


def test_no_worker_is_left(stopped: Stopped) -> None:
    assert still_running(stopped.workers, within=5) == []


def test_no_file_is_left_beside_the_warehouse(stopped: Stopped) -> None:
    assert sorted(p.name for p in stopped.db.parent.iterdir()) == ["anq.duckdb", "raw"]


def test_the_questions_are_as_they_were(stopped: Stopped) -> None:
    before = next(line.split()[1:] for line in stopped.lines if line.startswith("before"))
    assert [str(v) for v in _query(stopped.db, SNAPSHOT)[0]] == before


def _query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()
