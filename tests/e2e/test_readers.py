"""An analyst's read-only session, open on ``--db`` through a whole ``anq sync`` and a
whole ``anq reparse``, never makes them wait, and sees one state all along: the one
it opened. A session opened afterwards sees the runs' work.

Each analyst is its own process (as a notebook or DBeaver is): within one process
DuckDB hands a new connection the database an open one holds, whatever the file
on disk has become since.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Done, anq, query
from tests.e2e.site import FixtureSite, populate

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

#: How long a run waits for a held file before failing; "never waits" is far below it.
WAIT_LIMIT = 600.0
#: A generous bound for one command on a loaded 2-core machine; a run that waited
#: for the session would take WAIT_LIMIT, then fail.
WELL_UNDER = 240.0
NEW = ("QANR5L17QE6", "QANR5L17QE7")

STATE = """
SELECT (SELECT count(*) FROM questions), (SELECT count(*) FROM question_versions),
       (SELECT count(*) FROM pipeline.fetch_state), (SELECT count(*) FROM pipeline.raw_pages),
       (SELECT string_agg(flow || ':' || state, ',' ORDER BY started_at) FROM runs)
"""

#: The analyst: one read-only connection, queried every 50 ms until the stop file
#: appears; each answer is a JSON line [time.monotonic(), row].
ANALYST = f"""
import json, os, sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
with open(sys.argv[2], "w") as out:
    while True:
        row = con.execute({STATE!r}).fetchone()
        out.write(json.dumps([time.monotonic(), list(row)]) + "\\n")
        out.flush()
        if os.path.exists(sys.argv[3]):
            break
        time.sleep(0.05)
con.close()
"""


class Analyst:
    """A read-only session held by another process, and what it saw."""

    def __init__(self, db: Path, tmp: Path, name: str) -> None:
        self.log, self.stop = tmp / f"{name}.jsonl", tmp / f"{name}.stop"
        self.proc = subprocess.Popen([sys.executable, "-c", ANALYST, str(db), str(self.log),
                                      str(self.stop)], stdin=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 60
        while not (self.log.exists() and self.log.read_text()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.end()
                raise AssertionError(f"the analyst {name} could not open {db}")
            time.sleep(0.02)

    def close(self) -> list[tuple[float, list[Any]]]:
        """Let the session go; every (time, state) it saw."""
        self.stop.touch()
        try:
            assert self.proc.wait(timeout=60) == 0
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        lines = self.log.read_text().splitlines()
        return [(float(at), row) for at, row in map(json.loads, lines)]

    def end(self) -> None:
        """Whatever happened: the session's process is gone (a failing story included)."""
        self.stop.touch()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=60)


def _timed(env: dict[str, str], *args: str) -> tuple[Done, float, float]:
    start = time.monotonic()
    done = anq(*args, env=env, timeout=WAIT_LIMIT + 60)
    return done, start, time.monotonic()


@pytest.fixture(scope="module")
def story(
    site: FixtureSite, tmp_path_factory: pytest.TempPathFactory, prefect_server: dict[str, str]
) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("readers")
    db = tmp / "anq.duckdb"
    common = ["--db", str(db), "--base-url", site.server.base_url, "--rate", "0",
              "--legislature", "16", "--legislature", "17", "--miss-run", "3"]  # fmt: skip
    populate(site)
    steps: dict[str, Any] = {"db": db, "first": anq("sync", *common, env=prefect_server)}
    for uid in NEW:  # the next sync has something to add
        site.put(uid, title=f"Nouvelle {uid}")
    analysts: list[Analyst] = []
    try:
        analysts.append(Analyst(db, tmp, "before_sync"))  # held through the sync and the reparse
        steps["sync"], steps["sync_start"], steps["sync_end"] = _timed(
            prefect_server, "sync", *common
        )
        steps["after_sync"] = query(db, STATE)[0]
        analysts.append(Analyst(db, tmp, "before_reparse"))  # held through the reparse
        steps["reparse"], steps["reparse_start"], steps["reparse_end"] = _timed(
            prefect_server, "reparse", "--db", str(db)
        )
        steps["seen_through_reparse"] = analysts[1].close()
        steps["seen_through_both"] = analysts[0].close()
    finally:
        for analyst in analysts:
            analyst.end()
    steps["after_reparse"] = query(db, STATE)[0]
    steps["left"] = sorted(p.name for p in tmp.iterdir() if p.name.startswith(("anq", ".anq")))
    return steps


@pytest.mark.parametrize("step", ["first", "sync", "reparse"])
def test_command_exits_zero(story: dict[str, Any], step: str) -> None:
    done: Done = story[step]
    assert done.code == 0, done.err[-3000:]


@pytest.mark.parametrize("step", ["sync", "reparse"])
def test_the_run_did_not_wait_for_the_session(story: dict[str, Any], step: str) -> None:
    took = story[f"{step}_end"] - story[f"{step}_start"]
    print(f"{step}: {took:.1f} s with a session held")  # shown with -s
    assert took < WELL_UNDER < WAIT_LIMIT, took


@pytest.mark.parametrize(
    ("seen", "step"),
    [("seen_through_both", "sync"), ("seen_through_both", "reparse"),
     ("seen_through_reparse", "reparse")],
)  # fmt: skip
def test_the_session_was_open_through_the_whole_run(
    story: dict[str, Any], seen: str, step: str
) -> None:
    times = [at for at, _ in story[seen]]
    assert min(times) < story[f"{step}_start"] and max(times) > story[f"{step}_end"]


@pytest.mark.parametrize("seen", ["seen_through_both", "seen_through_reparse"])
def test_the_session_saw_one_state_all_along(story: dict[str, Any], seen: str) -> None:
    states = {tuple(row) for _, row in story[seen]}
    assert len(states) == 1, states


def test_the_first_session_saw_the_state_before_the_sync(story: dict[str, Any]) -> None:
    ((_, first), *_) = story["seen_through_both"]
    assert first[4] == "sync:completed"


def test_the_second_session_saw_the_syncs_state(story: dict[str, Any]) -> None:
    ((_, first), *_) = story["seen_through_reparse"]
    assert tuple(first) == tuple(story["after_sync"])


def test_a_new_session_sees_the_sync(story: dict[str, Any]) -> None:
    ((_, before), *_) = story["seen_through_both"]
    after = story["after_sync"]
    assert (after[0] - before[0], after[4]) == (len(NEW), "sync:completed,sync:completed")


def test_a_new_session_sees_the_new_questions(story: dict[str, Any]) -> None:
    found = query(story["db"], f"SELECT uid FROM questions WHERE uid IN {NEW} ORDER BY uid")
    assert [uid for (uid,) in found] == sorted(NEW)


def test_a_new_session_sees_the_reparse(story: dict[str, Any]) -> None:
    after_sync, after_reparse = story["after_sync"], story["after_reparse"]
    assert (after_reparse[:4], after_reparse[4]) == (
        after_sync[:4],
        "sync:completed,sync:completed,reparse:completed",
    )


def test_no_lock_or_working_copy_is_left(story: dict[str, Any]) -> None:
    assert story["left"] == ["anq-raw", "anq.duckdb"]
