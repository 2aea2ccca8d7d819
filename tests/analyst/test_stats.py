"""`stats` / `render_stats`: totals, what is due, last runs; read-only modules stay light."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys

import duckdb
import pytest
from rich.console import Console

from flows.report.stats import StatsReport, Total, render_stats, stats
from tests.analyst.warehouse_fixture import apply_migrations
from warehouse.runs import RunRecord


def noon(today: dt.date) -> dt.datetime:
    return dt.datetime.combine(today, dt.time(12, 0))


def test_totals_per_legislature_type_and_status(
    con: duckdb.DuckDBPyConnection, today: dt.date
) -> None:
    report = stats(con, noon(today))
    assert report.totals == (
        Total(16, "QE", "answered", 1),
        Total(16, "QE", "withdrawn", 1),
        Total(17, "QE", "answered", 7),
        Total(17, "QE", "open", 3),
        Total(17, "QE", "withdrawn", 1),
        Total(17, "QG", "answered", 1),
        Total(17, "QOSD", "answered", 1),
        Total(17, "QOSD", "open", 1),
    )
    assert report.questions == 16


@pytest.mark.parametrize(
    ("shift", "due"),
    [
        (dt.timedelta(days=-1, seconds=-1), 1),  # only QOSD1 (due five days ago)
        (dt.timedelta(days=-1), 2),  # QE6's due instant itself counts
        (dt.timedelta(0), 2),  # QE10 is due tomorrow; QE1 is closed
        (dt.timedelta(days=2), 3),
    ],
)
def test_due_refetches_among_open_questions(
    con: duckdb.DuckDBPyConnection, today: dt.date, shift: dt.timedelta, due: int
) -> None:
    assert stats(con, noon(today) + shift).due_refetches == due


def test_aware_now_is_read_as_utc(con: duckdb.DuckDBPyConnection, today: dt.date) -> None:
    paris_winter = dt.timezone(dt.timedelta(hours=1))
    aware = noon(today).replace(tzinfo=paris_winter) + dt.timedelta(hours=1) - dt.timedelta(days=1)
    report = stats(con, aware)
    assert report.now == noon(today) - dt.timedelta(days=1)
    assert report.due_refetches == 2


def test_failing_pages_are_distinct_unresolved_uids(
    con: duckdb.DuckDBPyConnection, today: dt.date
) -> None:
    assert stats(con, noon(today)).failing_pages == 2  # QE10 (twice) and QE999; QE3 resolved


def test_last_runs_newest_first_and_limited(con: duckdb.DuckDBPyConnection, today: dt.date) -> None:
    report = stats(con, noon(today), runs=2)
    assert [(r.run_id, r.flow, r.state) for r in report.last_runs] == [
        ("run-3", "sync", "completed"),
        ("run-2", "sync", "failed"),
    ]
    assert report.last_runs[0].pages_unchanged == 25


def render(report_text_width: int, con: duckdb.DuckDBPyConnection, now: dt.datetime) -> str:
    console = Console(file=io.StringIO(), width=report_text_width, record=True, color_system=None)
    render_stats(stats(con, now), console)
    return console.export_text()


def test_render_shows_the_figures(con: duckdb.DuckDBPyConnection, today: dt.date) -> None:
    text = render(140, con, noon(today))
    assert "Questions in the warehouse: 16" in text
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines()]
    assert ["17", "QE", "3", "7", "1", "11"] in cells
    assert ["16", "QE", "0", "1", "1", "2"] in cells
    assert "Due for a refresh: 2 page(s)" in text
    assert "2 failing page(s) waiting for a retry" in text
    assert "backfill" in text and "failed" in text and "5m00s" in text


def test_render_fits_80_columns_whole() -> None:
    big = 123456  # six-digit counters in every column
    start = dt.datetime(2026, 1, 2, 3, 4)
    counts = (big,) * 6 + (0, 0, 0)
    end = start + dt.timedelta(hours=30)
    run = RunRecord("r" * 32, "backfill", start, end, "completed", *counts, *(None,) * 5)
    report = StatsReport(start, (Total(17, "QE", "open", big),), 3, 4, (run, run))
    console = Console(file=io.StringIO(), width=80, record=True, color_system=None)
    render_stats(report, console)
    text = console.export_text()
    assert max(map(len, text.splitlines())) <= 80 and "…" not in text
    assert "backfill completed 30h00m 123456" in text


def test_render_empty_warehouse() -> None:
    db = duckdb.connect(":memory:")
    apply_migrations(db)
    console = Console(file=io.StringIO(), width=120, record=True, color_system=None)
    render_stats(stats(db, dt.datetime(2026, 1, 1)), console)
    text = console.export_text()
    assert "Questions in the warehouse: 0" in text
    assert "Last runs: none yet" in text


def test_read_only_modules_import_no_prefect() -> None:
    code = (
        "import sys, flows.report.stats, flows.report.export, flows.report.html;"
        "bad = sorted(m for m, v in sys.modules.items()"
        " if v is not None and m.split('.')[0] in ('prefect', 'httpx', 'polars'));"
        "sys.exit(', '.join(bad) or None)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def _damaged_warehouse(records: int) -> duckdb.DuckDBPyConnection:
    db = duckdb.connect(":memory:")
    apply_migrations(db)
    for n in range(records):
        db.execute(
            "INSERT INTO archive_damage VALUES (?, ?, 'raw/17/QE/0000.pack', ?, 'cannot unzip', "
            "TIMESTAMP '2026-01-01 02:00', 'run-9')",
            [f"QANR5L17QE{n + 1}", f"{n:064x}", None if n % 2 else 100 * n],
        )
    return db


@pytest.mark.parametrize(("records", "shown"), [(0, 0), (3, 3), (12, 10)])
def test_damaged_archive_records_are_counted(records: int, shown: int) -> None:
    report = stats(_damaged_warehouse(records), dt.datetime(2026, 1, 1))
    assert (report.damaged_records, len(report.damaged)) == (records, shown)


def test_render_lists_damaged_records_with_file_and_offset() -> None:
    console = Console(file=io.StringIO(), width=160, record=True, color_system=None)
    render_stats(stats(_damaged_warehouse(3), dt.datetime(2026, 1, 1)), console)
    text = console.export_text()
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines()]
    assert "Damaged archive records: 3" in text
    assert ["QANR5L17QE3", "raw/17/QE/0000.pack", "200", "cannot unzip"] in cells


def test_a_file_without_the_damage_table_shows_none() -> None:
    db = _damaged_warehouse(0)
    db.execute("DROP TABLE archive_damage")
    assert stats(db, dt.datetime(2026, 1, 1)).damaged_records == 0
