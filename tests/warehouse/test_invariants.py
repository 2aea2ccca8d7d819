"""Declared invariants of the core tables, checked after a random history and after kill -9."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from extractors.model import QUESTION_COLUMNS, STATUSES
from tests.warehouse.conftest import T0, answered, question, rows, seen, uid
from warehouse.db import connect
from warehouse.load import load_batch
from warehouse.observation import Observation
from warehouse.runs import start_run

REPO = Path(__file__).resolve().parents[2]
NOT_NULL = (
    "uid",
    "legislature",
    "type",
    "number",
    "url",
    "status",
    "first_seen_at",
    "last_fetched_at",
    "last_changed_at",
    "content_hash",
)


def random_night(rng: random.Random, night: int, numbers: range) -> list[Observation]:
    at = T0 + dt.timedelta(days=night, seconds=rng.randrange(3600))
    batch: list[Observation] = []
    for n in numbers:
        roll = rng.random()
        u = uid(n)
        if roll < 0.4:
            q = question(n, title=f"t{rng.randrange(3)}")
            batch.append(seen(answered(q) if rng.random() < 0.3 else q, at))
        elif roll < 0.55:
            batch.append(Observation(u, "https://x", at, "not_modified", http_status=304))
        elif roll < 0.65:
            batch.append(Observation(u, "https://x", at, "not_found", http_status=404))
        elif roll < 0.8:
            batch.append(
                Observation(u, "https://x", at, "failed", error="boom", error_stage="fetch")
            )
    rng.shuffle(batch)
    return batch + batch[: rng.randrange(3)]  # duplicates in the batch too


def check_invariants(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, "SELECT count(*) - count(DISTINCT uid) FROM questions") == [(0,)]
    for column in NOT_NULL:
        assert rows(con, f'SELECT count(*) FROM questions WHERE "{column}" IS NULL') == [(0,)], (
            column
        )
    statuses = {r[0] for r in rows(con, "SELECT DISTINCT status FROM question_versions")}
    assert statuses <= set(STATUSES)
    assert rows(
        con,
        """
        SELECT count(*) FROM questions AS q
        WHERE (SELECT count(*) FROM question_versions v
               WHERE v.uid = q.uid AND v.valid_to IS NULL) <> 1
    """,
    ) == [(0,)]
    assert rows(
        con,
        "SELECT count(*) FROM question_versions v "
        "WHERE NOT EXISTS (SELECT 1 FROM questions q WHERE q.uid = v.uid)",
    ) == [(0,)]
    content = ", ".join(f'"{c}"' for c in QUESTION_COLUMNS)
    assert rows(
        con,
        f"""
        SELECT count(*) FROM (
            SELECT {content}, content_hash, template, last_changed_at FROM questions
            EXCEPT
            SELECT {content}, content_hash, template, valid_from FROM question_versions
            WHERE valid_to IS NULL)
    """,
    ) == [(0,)]
    assert rows(
        con,
        """
        SELECT count(*) FROM (
            SELECT version, valid_to, row_number() OVER w AS n,
                   lead(valid_from) OVER w AS next_from, lead(content_hash) OVER w AS next_hash,
                   content_hash
            FROM question_versions WINDOW w AS (PARTITION BY uid ORDER BY version))
        WHERE version <> n OR valid_to IS DISTINCT FROM next_from OR content_hash = next_hash
    """,
    ) == [(0,)]
    assert rows(
        con,
        "SELECT count(*) FROM questions WHERE NOT "
        "(first_seen_at <= last_changed_at AND last_changed_at <= last_fetched_at)",
    ) == [(0,)]


def test_invariants_hold_after_a_random_history(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    rng = random.Random(20261126)
    for night in range(25):
        load_batch(con, run_id, random_night(rng, night, range(1, 41)))
    check_invariants(con)
    assert rows(con, "SELECT count(*) > 10 FROM question_versions WHERE version > 1") == [(True,)]


def test_runs_counters_match_the_tables(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    rng = random.Random(7)
    for night in range(10):
        load_batch(con, run_id, random_night(rng, night, range(1, 30)))
    (new, changed) = rows(con, "SELECT pages_new, pages_changed FROM runs")[0]
    assert rows(con, "SELECT count(*) FROM questions") == [(new,)]
    assert rows(con, "SELECT count(*) FROM question_versions") == [(new + changed,)]


_LOADER = """
import sys, datetime as dt
from pathlib import Path
from tests.warehouse.conftest import T0, question, seen
from warehouse.db import session
from warehouse.runs import start_run
from warehouse.load import load_batch
path = Path(sys.argv[1])
with session(path) as con:
    run_id = start_run(con, "backfill", {})
n = 1
while True:
    with session(path) as con:
        load_batch(con, run_id, [seen(question(n + i), T0) for i in range(50)], requests=50)
    if n == 1:
        print("first batch loaded", flush=True)
    n += 50
"""


@pytest.mark.slow
def test_kill_9_between_or_during_batches_leaves_a_consistent_file(db_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _LOADER, str(db_path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "first batch loaded"
    time.sleep(1.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    con = connect(db_path, wait=30)
    try:
        check_invariants(con)
        (loaded,) = rows(con, "SELECT count(*) FROM questions")[0]
        assert loaded >= 50 and loaded % 50 == 0
        assert rows(con, "SELECT pages_new, requests, state FROM runs") == [
            (loaded, loaded, "running")
        ]
        start_run(con, "sync", {})
        assert rows(con, "SELECT count(*) FROM runs WHERE state = 'crashed'") == [(1,)]
        load_batch(
            con, start_run(con, "sync", {}), [seen(dataclasses.replace(question(1), title="z"), T0)]
        )
        check_invariants(con)
    finally:
        con.close()
