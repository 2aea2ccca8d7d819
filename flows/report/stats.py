"""`anq stats`: what the warehouse holds, what is due, and how the last runs went.

Read-only and instant: plain SQL over a ``read_only=True`` connection, no Prefect import, so
it can be run while wondering whether the nightly job worked. ``stats`` gathers the figures
(a dataclass the CLI or a test can inspect); ``render_stats`` draws them with rich on the
console it is handed (library code never prints).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from extractors.model import STATUSES
from warehouse.queries import count_due
from warehouse.runs import RunRecord, last_runs

TOTALS_SQL = """
SELECT legislature, type, status, count(*) FROM questions
GROUP BY ALL ORDER BY legislature, type, status
"""

FAILING_SQL = "SELECT count(DISTINCT uid) FROM failures WHERE resolved_at IS NULL"

#: Archived pages the last reparse could not read back (their questions kept their rows).
DAMAGED_SQL = """
SELECT uid, path, file_offset, problem, count(*) OVER () FROM archive_damage
ORDER BY uid, path, file_offset LIMIT ?
"""
DAMAGED_SHOWN = 10


#: Per field, the uids whose page and open-data record were compared, and how many agree
#: (empty on a warehouse that predates the open-data views).
AGREEMENT_SQL = """
SELECT field, compared, agreeing FROM opendata_agreement
WHERE EXISTS (SELECT 1 FROM duckdb_views() WHERE view_name = 'opendata_agreement')
ORDER BY field
"""


@dataclass(frozen=True)
class FieldAgreement:
    """One field: questions held by both sources, and how many agree after normalisation."""

    field: str
    compared: int
    agreeing: int


@dataclass(frozen=True)
class Total:
    """Questions of one legislature, type and status."""

    legislature: int
    type: str
    status: str
    questions: int


@dataclass(frozen=True)
class DamagedRecord:
    """An archived page that could not be read back: its archive file and offset."""

    uid: str
    path: str
    offset: int | None
    problem: str


@dataclass(frozen=True)
class StatsReport:
    """Everything `anq stats` shows; ``now`` is the naive-UTC instant "due" was judged at."""

    now: dt.datetime
    totals: tuple[Total, ...]
    due_refetches: int  # pages sync would refresh at now (warehouse.queries.count_due)
    failing_pages: int  # distinct uids with an unresolved failure, waiting for a retry
    last_runs: tuple[RunRecord, ...]  # newest first
    damaged: tuple[DamagedRecord, ...] = ()  # the first DAMAGED_SHOWN of archive_damage
    damaged_records: int = 0  # all of them
    agreement: tuple[FieldAgreement, ...] = ()  # page vs open data, per field

    @property
    def questions(self) -> int:
        return sum(t.questions for t in self.totals)


def stats(con: duckdb.DuckDBPyConnection, now: dt.datetime, *, runs: int = 5) -> StatsReport:
    """Gather the figures; an aware ``now`` is converted to naive UTC like the warehouse."""
    if now.tzinfo is not None:
        now = now.astimezone(dt.UTC).replace(tzinfo=None)
    totals = tuple(Total(*row) for row in con.execute(TOTALS_SQL).fetchall())
    damaged = _damaged(con)
    return StatsReport(
        now=now,
        totals=totals,
        due_refetches=count_due(con, now).refresh,
        failing_pages=_scalar(con, FAILING_SQL, []),
        last_runs=tuple(last_runs(con, runs)),
        damaged=tuple(DamagedRecord(*row[:4]) for row in damaged),
        damaged_records=damaged[0][4] if damaged else 0,
        agreement=_agreement(con),
    )


def _damaged(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """The first damaged records and their total (none in a file older than the table)."""
    present = "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'archive_damage'"
    if not _scalar(con, present, []):
        return []
    return con.execute(DAMAGED_SQL, [DAMAGED_SHOWN]).fetchall()


def _agreement(con: duckdb.DuckDBPyConnection) -> tuple[FieldAgreement, ...]:
    try:
        rows = con.execute(AGREEMENT_SQL).fetchall()
    except duckdb.CatalogException:  # the view is bound lazily: an older file lacks it
        return ()
    return tuple(FieldAgreement(str(f), int(c), int(a)) for f, c, a in rows)


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> int:
    row = con.execute(sql, params).fetchone()
    return int(row[0]) if row is not None else 0


def render_stats(report: StatsReport, console: Console) -> None:
    """Three blocks: totals per legislature and type, what is due, the last runs."""
    console.print(_totals_table(report))
    console.print(
        f"Due for a refresh: [bold]{report.due_refetches}[/] page(s) at "
        f"{report.now:%Y-%m-%d %H:%M} UTC (schedule and open data); "
        f"[bold]{report.failing_pages}[/] failing page(s) waiting for a retry."
    )
    console.print(_runs_table(report.last_runs))
    if report.damaged_records:
        console.print(_damaged_table(report))
    if report.agreement:
        console.print(_agreement_table(report.agreement))


def _agreement_table(rows: tuple[FieldAgreement, ...]) -> Table:
    table = Table(title="Pages against the open data (anq opendata)")
    for name in ("field", "compared", "agreeing", "agreement"):
        table.add_column(name, justify="left" if name == "field" else "right")
    for row in rows:
        share = f"{row.agreeing / row.compared:.1%}" if row.compared else "—"
        table.add_row(escape(row.field), str(row.compared), str(row.agreeing), share)
    return table


def _totals_table(report: StatsReport) -> Table:
    table = Table(title=f"Questions in the warehouse: {report.questions}")
    for name in ("legislature", "type", *STATUSES, "total"):
        table.add_column(name, justify="left" if name == "type" else "right")
    keys = sorted({(t.legislature, t.type) for t in report.totals})
    for legislature, type_ in keys:
        counts = {
            t.status: t.questions
            for t in report.totals
            if (t.legislature, t.type) == (legislature, type_)
        }
        cells = [str(counts.get(s, 0)) for s in STATUSES]
        table.add_row(str(legislature), escape(type_), *cells, str(sum(counts.values())))
    return table


#: The last-runs columns: (header, justification); short so ten fit in 80 columns.
RUN_COLUMNS = (("started", "left"), ("flow", "left"), ("state", "left"), ("took", "right"),
               ("req", "right"), ("new", "right"), ("chg", "right"), ("same", "right"),
               ("none", "right"), ("fail", "right"))  # fmt: skip
RUN_LEGEND = (
    "req: HTTP requests; new, chg, same: questions new, changed, unchanged; "
    "none: no question at that number; fail: failures, retried next run"
)


def _runs_table(runs: tuple[RunRecord, ...]) -> Table:
    title = "Last runs (UTC)" if runs else "Last runs: none yet"
    table = Table(title=title, caption=RUN_LEGEND if runs else None, box=None,
                  padding=(0, 1, 0, 0), pad_edge=False, caption_justify="left",
                  header_style="bold underline")  # fmt: skip
    for name, justify in RUN_COLUMNS:
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for run in runs:
        colour = {"completed": "green", "failed": "red", "crashed": "red"}.get(run.state, "yellow")
        counts = (run.requests, run.pages_new, run.pages_changed, run.pages_unchanged,
                  run.not_found, run.failures)  # fmt: skip
        table.add_row(
            f"{run.started_at:%m-%d %H:%M}",
            escape(run.flow),
            f"[{colour}]{escape(run.state)}[/]",
            _took(run),
            *(str(n) for n in counts),
        )
    return table


def _damaged_table(report: StatsReport) -> Table:
    shown = len(report.damaged)
    more = f", the first {shown} shown" if shown < report.damaged_records else ""
    table = Table(
        title=f"[red]Damaged archive records: {report.damaged_records}[/]{more} "
        "(their questions keep their rows; `anq verify-archive` checks again)"
    )
    for name in ("uid", "archive file", "offset", "problem"):
        table.add_column(name, justify="right" if name == "offset" else "left")
    for d in report.damaged:
        offset = "—" if d.offset is None else str(d.offset)
        table.add_row(escape(d.uid), escape(d.path), offset, escape(d.problem))
    return table


def _took(run: RunRecord) -> str:
    """``4.2s``, ``12m05s``, ``2h03m``: at most six characters below 100 hours."""
    if run.finished_at is None:
        return "—"
    seconds = (run.finished_at - run.started_at).total_seconds()
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    return f"{minutes // 60}h{minutes % 60:02d}m"
