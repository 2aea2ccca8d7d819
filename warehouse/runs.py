"""The ``runs`` table: one row per flow run, written as the run goes.

A run row is created ``running`` before the first batch; each batch adds its
counters in its own transaction (``load.load_batch``), so a killed run still
shows what it loaded. The next run marks such a leftover ``crashed``: it can,
because it holds the :class:`~warehouse.runlock.RunLock`, so no other run is alive.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from warehouse.db import utcnow
from warehouse.staging import staged

#: Values of ``runs.state``.
STATES = ("running", "completed", "failed", "crashed")
#: Final states accepted by :func:`finish_run`.
FINAL_STATES = ("completed", "failed", "crashed")


@dataclass(frozen=True)
class FieldStat:
    """How many pages of one template generation filled one field (drift alarms)."""

    template: str
    field: str
    pages: int
    filled: int


@dataclass(frozen=True)
class RunRecord:
    """One row of ``runs``, as :func:`last_runs` returns it."""

    run_id: str
    flow: str
    started_at: datetime
    finished_at: datetime | None
    state: str
    requests: int
    pages_new: int
    pages_changed: int
    pages_unchanged: int
    not_found: int
    failures: int
    not_modified: int
    newly_answered: int
    newly_withdrawn: int
    parameters: str | None
    pid: int | None
    prefect_flow_run_id: str | None
    message: str | None
    report: str | None


_RUN_COLUMNS = ", ".join(RunRecord.__dataclass_fields__)


def start_run(
    con: duckdb.DuckDBPyConnection,
    flow: str,
    parameters: Mapping[str, Any],
    prefect_flow_run_id: str | None = None,
) -> str:
    """Record a new ``running`` run and return its id (uuid4 hex).

    Any earlier row still ``running`` belongs to a run that died without
    finishing (the caller holds the run lock, so none is alive): it becomes
    ``crashed``, its counters kept as they were at the last batch.
    """
    run_id = uuid.uuid4().hex
    now = utcnow()
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "UPDATE runs SET state = 'crashed', message = coalesce(message, ?) "
            "WHERE state = 'running'",
            [f"did not finish; marked crashed by run {run_id} at {now.isoformat()}Z"],
        )
        con.execute(
            "INSERT INTO runs (run_id, flow, started_at, state, parameters, pid, "
            "prefect_flow_run_id) VALUES (?, ?, ?, 'running', ?, ?, ?)",
            [
                run_id,
                flow,
                now,
                json.dumps(dict(parameters), sort_keys=True, default=str),
                os.getpid(),
                prefect_flow_run_id,
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return run_id


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    state: str,
    message: str | None = None,
    report: str | None = None,
    flow_run: str | None = None,
) -> None:
    """Close the run: final state, ``finished_at`` now, and why / the run report;
    ``flow_run``: its Prefect flow run's id, when only known now."""
    if state not in FINAL_STATES:
        raise ValueError(f"a run finishes {', '.join(FINAL_STATES)}, not {state!r}")
    row = con.execute(
        "UPDATE runs SET state = ?, finished_at = ?, message = ?, report = ?, "
        "prefect_flow_run_id = coalesce(?, prefect_flow_run_id) WHERE run_id = ?",
        [state, utcnow(), message, report, flow_run, run_id],
    ).fetchone()
    if row is None or row[0] != 1:
        raise ValueError(f"no run {run_id!r} in the runs table")


_FIELD_STAT_TYPES = {
    "run_id": "VARCHAR", "template": "VARCHAR", "field": "VARCHAR",
    "pages": "INTEGER", "filled": "INTEGER",
}  # fmt: skip


def record_field_stats(
    con: duckdb.DuckDBPyConnection, run_id: str, rows: Iterable[FieldStat]
) -> None:
    """Add per-template field fill counts to the run's ``run_field_stats``.

    Additive, so a flow may call it once per batch (a killed run keeps its
    numbers) or once at the end with totals.
    """
    totals: dict[tuple[str, str], list[int]] = {}
    for s in rows:
        total = totals.setdefault((s.template, s.field), [0, 0])
        total[0] += s.pages
        total[1] += s.filled
    if not totals:
        return
    staged_rows = [
        {"run_id": run_id, "template": k[0], "field": k[1], "pages": v[0], "filled": v[1]}
        for k, v in totals.items()
    ]
    with staged(con, "stage_field_stats", staged_rows, _FIELD_STAT_TYPES):
        con.execute(
            "INSERT INTO run_field_stats (run_id, template, field, pages, filled) "
            "SELECT run_id, template, field, pages, filled FROM stage_field_stats "
            "ON CONFLICT (run_id, template, field) DO UPDATE SET "
            "pages = run_field_stats.pages + excluded.pages, "
            "filled = run_field_stats.filled + excluded.filled"
        )


def last_runs(con: duckdb.DuckDBPyConnection, n: int = 10) -> list[RunRecord]:
    """The ``n`` most recent runs, newest first."""
    rows = con.execute(
        f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY started_at DESC, run_id DESC LIMIT ?", [n]
    ).fetchall()
    return [RunRecord(*row) for row in rows]


def field_stats(con: duckdb.DuckDBPyConnection, run_id: str) -> list[FieldStat]:
    """The field fill counts recorded for a run, by template then field."""
    rows = con.execute(
        "SELECT template, field, pages, filled FROM run_field_stats WHERE run_id = ? "
        "ORDER BY template, field",
        [run_id],
    ).fetchall()
    return [FieldStat(*row) for row in rows]
