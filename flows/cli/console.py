"""What the ``anq`` command shows: progress, summaries, and the read-only commands.

Kept apart from ``flows.cli`` so that argument parsing stays readable, and
free of Prefect imports so that ``stats``, ``export`` and ``report`` start
instantly.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from flows import progress
from flows.cli.errors import EXIT_FAILED, Fail
from flows.config import Settings

#: Summary rows: (key in the flow's result, label).
SUMMARY_ROWS = (
    ("new", "new questions"),
    ("changed", "changed"),
    ("unchanged", "unchanged"),
    ("not_modified", "  of which 304 not modified"),
    ("newly_answered", "newly answered"),
    ("newly_withdrawn", "newly withdrawn"),
    ("not_found", "no question here"),
    ("failures", "failures (recorded, retried next run)"),
    ("requests", "HTTP requests"),
)


class _RichReporter:
    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.task = bar.add_task("pages", total=0)

    def add_total(self, pages: int) -> None:
        total = self.bar.tasks[0].total or 0
        self.bar.update(self.task, total=total + pages)

    def advance(self, pages: int) -> None:
        self.bar.advance(self.task, pages)


@contextmanager
def progress_bar() -> Iterator[None]:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield
        return
    columns = (TextColumn("[bold]pages"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        progress.install(_RichReporter(bar))
        try:
            yield
        finally:
            progress.install(None)


def print_summary(result: dict[str, Any], *, as_json: bool = False) -> None:
    """The table printed at the end of every fetching or loading run (or one JSON object)."""
    if as_json:
        print(json.dumps(result, default=str))
        return
    table = Table(title=f"anq {result.get('flow', '')} run {result.get('run_id', '')}")
    table.add_column("outcome")
    table.add_column("pages", justify="right")
    for key, label in SUMMARY_ROWS:
        if key in result:
            table.add_row(label, str(result[key]))
    Console().print(table)


def _open_read_only(settings: Settings) -> Any:
    from warehouse.db import DatabaseLocked, connect

    if not settings.db.exists():
        raise Fail(
            EXIT_FAILED,
            f"no warehouse at {settings.db.absolute()} (name it with --db or ANQ_DB, "
            "or make it with `anq sync`)",
        )
    try:
        con = connect(settings.db, read_only=True, wait=30.0)
    except DatabaseLocked as err:
        raise Fail(EXIT_FAILED, f"{settings.db} is busy: {err}") from None
    return con


def show_stats(settings: Settings, *, as_json: bool = False) -> int:
    """``anq stats``."""
    from flows.report.stats import render_stats, stats

    con = _open_read_only(settings)
    try:
        report = stats(con, settings.clock_now())
    finally:
        con.close()
    if as_json:
        print(json.dumps({"questions": report.questions, **asdict(report)}, default=str))
    else:
        render_stats(report, Console())
    return 0


def run_export(settings: Settings, fmt: str, out: str, *, as_json: bool = False) -> int:
    """``anq export``."""
    from flows.report.export import export

    con = _open_read_only(settings)
    # One writer thread: each of DuckDB's threads buffers its own row groups, which
    # does not fit the reader's memory cap on the widest tables (texts of several KB).
    con.execute("SET threads = 1")
    try:
        paths = export(con, Path(out), fmt)
    finally:
        con.close()
    if as_json:
        print(json.dumps({"out": out, "format": fmt, "files": [str(p) for p in paths]}))
    else:
        Console().print(f"wrote {len(paths)} files under {out}")
    return 0


def run_report(settings: Settings, out: str, *, as_json: bool = False) -> int:
    """``anq report``."""
    from flows.report.html import build_report

    con = _open_read_only(settings)
    try:
        page = build_report(con, Path(out), now=settings.clock_now())
    finally:
        con.close()
    if as_json:
        print(json.dumps({"page": str(page)}))
    else:
        Console().print(f"report written to {page}")
    return 0
