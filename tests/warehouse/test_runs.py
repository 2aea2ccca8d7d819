"""The runs table: start, finish, crashed leftovers, field stats."""

from __future__ import annotations

import json
import os

import duckdb
import pytest

from tests.warehouse.conftest import rows
from warehouse.runs import (
    FieldStat,
    field_stats,
    finish_run,
    last_runs,
    record_field_stats,
    start_run,
)


def test_start_run_records_a_running_row(con: duckdb.DuckDBPyConnection) -> None:
    run_id = start_run(con, "backfill", {"legislature": 16}, prefect_flow_run_id="pf-1")
    assert len(run_id) == 32
    (run,) = last_runs(con, 5)
    assert (run.run_id, run.flow, run.state, run.pid) == (
        run_id,
        "backfill",
        "running",
        os.getpid(),
    )
    assert run.parameters is not None and json.loads(run.parameters) == {"legislature": 16}
    assert run.prefect_flow_run_id == "pf-1"
    assert run.finished_at is None


def test_a_new_run_marks_leftover_running_rows_crashed(con: duckdb.DuckDBPyConnection) -> None:
    dead = start_run(con, "sync", {})
    done = start_run(con, "sync", {})
    finish_run(con, done, "completed")
    start_run(con, "fetch", {})
    states = dict(rows(con, "SELECT run_id, state FROM runs"))
    assert states[dead] == "crashed"
    assert states[done] == "completed"
    assert list(states.values()).count("running") == 1
    (message,) = rows(con, "SELECT message FROM runs WHERE run_id = ?", dead)[0]
    assert "did not finish" in message


def test_finish_run(con: duckdb.DuckDBPyConnection) -> None:
    run_id = start_run(con, "sync", {})
    finish_run(con, run_id, "failed", message="base URL unreachable", report="# report")
    run = last_runs(con, 1)[0]
    assert (run.state, run.message, run.report) == ("failed", "base URL unreachable", "# report")
    assert run.finished_at is not None and run.finished_at >= run.started_at
    with pytest.raises(ValueError):
        finish_run(con, run_id, "running")
    with pytest.raises(ValueError):
        finish_run(con, "missing", "completed")


def test_field_stats_add_up_across_calls(con: duckdb.DuckDBPyConnection) -> None:
    run_id = start_run(con, "sync", {})
    record_field_stats(con, run_id, [FieldStat("dyn_current", "title", 200, 199)])
    record_field_stats(
        con,
        run_id,
        [FieldStat("dyn_current", "title", 50, 50), FieldStat("legacy", "analyse", 3, 1)],
    )
    record_field_stats(con, run_id, [])
    assert field_stats(con, run_id) == [
        FieldStat("dyn_current", "title", 250, 249),
        FieldStat("legacy", "analyse", 3, 1),
    ]


def test_last_runs_newest_first(con: duckdb.DuckDBPyConnection) -> None:
    ids = [start_run(con, "sync", {}) for _ in range(3)]
    assert [r.run_id for r in last_runs(con, 2)] == ids[::-1][:2]
