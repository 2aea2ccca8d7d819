"""Run reports and drift alarms: what a run tells the person who reads it next morning.

``flows.runner.open_run`` calls, at the end of every run, :func:`drift_alarms`
(record the run's field fill, compare it with history: ``warehouse.drift``), then
:func:`run_report` (markdown, stored in ``runs.report``), then :func:`publish`
(the same markdown as a Prefect artifact). The report is built by a pure
function (:func:`render`) from plain data, so it is tested without a database
or a Prefect server; publishing never fails a run whose pages are loaded.
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from warehouse import drift

if TYPE_CHECKING:
    import duckdb

    from flows.totals import Totals

#: Failures listed one by one in a report; the rest are counted.
MAX_FAILURES_SHOWN = 50
#: Longest error message kept in a report line.
MAX_ERROR_CHARS = 200

#: Report rows: (key in the run's counts, label); ``not_modified`` is part of ``unchanged``.
ROWS = (
    ("new", "new questions"),
    ("newly_answered", "newly answered"),
    ("newly_withdrawn", "withdrawn"),
    ("changed", "changed"),
    ("unchanged", "unchanged"),
    ("not_modified", "of which 304 not modified"),
    ("not_found", "not found (no question at that number)"),
    ("failures", "failures (recorded, retried next run)"),
)

Logger = logging.Logger | logging.LoggerAdapter[Any]


@dataclass(frozen=True, slots=True)
class Failure:
    """One page that failed in this run, as the ``failures`` table holds it."""

    uid: str
    stage: str
    field: str | None
    error: str


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything a run report shows, gathered before rendering."""

    flow: str
    run_id: str
    counts: dict[str, int]
    requests: int
    pages_asked: int
    duration_s: float | None
    templates: dict[str, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    failures_total: int = 0
    alarms: list[str] = field(default_factory=list)
    #: Invariant name -> pages of this run breaking it.
    broken: dict[str, int] = field(default_factory=dict)
    #: Invariant name -> warehouse questions breaking it, after the run.
    stored_broken: dict[str, int] = field(default_factory=dict)
    #: (template, folded label) -> pages showing a key-data label no reader knows.
    unknown_labels: dict[tuple[str, str], int] = field(default_factory=dict)


def run_logger() -> Logger:
    """Prefect's run logger inside a flow run (the lines reach the UI), stdlib outside."""
    if "prefect.context" not in sys.modules:  # no Prefect loaded, no flow run: skip its import
        return logging.getLogger("anq.reporting")
    from prefect import get_run_logger
    from prefect.exceptions import MissingContextError

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("anq.reporting")


def drift_alarms(con: duckdb.DuckDBPyConnection, run_id: str, totals: Totals) -> list[str]:
    """Record the run's field fill, then name each field whose fill collapsed.

    A non-empty list makes the run ``failed`` (``flows.runner``): a warehouse
    silently filling with NULLs is worse than a red run in the morning.
    """
    fill = totals.fill
    alarms = drift.record_and_check(
        con, run_id, fill.pages, fill.filled, totals.extracted, fill.broken_by_invariant()
    )
    logger = run_logger()
    for alarm in alarms:
        logger.error("drift alarm: %s", alarm)
    return alarms


def run_report(
    con: duckdb.DuckDBPyConnection, flow: str, run_id: str, totals: Totals, alarms: list[str]
) -> str:
    """The run's outcome as markdown, with every failure's reason."""
    duration, failures, total = _run_facts(con, run_id)
    fill = totals.fill
    data = ReportData(
        flow=flow,
        run_id=run_id,
        counts=dict(totals.counts),
        requests=totals.requests,
        pages_asked=totals.pages_asked,
        duration_s=duration,
        templates=dict(fill.pages),
        failures=failures,
        failures_total=total,
        alarms=list(alarms),
        broken=fill.broken_by_invariant(),
        stored_broken=_stored_broken(con),
        unknown_labels=dict(fill.unknown_labels),
    )
    return render(data)


def _stored_broken(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The warehouse's questions breaking each invariant, now."""
    from warehouse.checks import invariant_counts

    return invariant_counts(con)[1]


def _run_facts(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> tuple[float | None, list[Failure], int]:
    """Duration so far and this run's failures, read from the warehouse."""
    from warehouse.db import utcnow

    started = con.execute("SELECT started_at FROM runs WHERE run_id = ?", [run_id]).fetchone()
    rows = con.execute(
        "SELECT uid, stage, field, error FROM failures WHERE run_id = ? "
        "ORDER BY occurred_at, uid LIMIT ?",
        [run_id, MAX_FAILURES_SHOWN],
    ).fetchall()
    total = con.execute("SELECT count(*) FROM failures WHERE run_id = ?", [run_id]).fetchone()
    duration = (utcnow() - started[0]).total_seconds() if started else None
    return duration, [Failure(*row) for row in rows], int(total[0]) if total else 0


def render(data: ReportData) -> str:
    """Markdown: verdict, counts table, templates, alarms, failures with reasons."""
    verdict = "FAILED: drift alarm" if data.alarms else "completed"
    lines = [f"# anq {data.flow} run `{data.run_id}`: {verdict}", ""]
    lines += [
        f"{data.pages_asked} pages asked, {data.requests} HTTP requests, "
        f"{_duration(data.duration_s)}.",
        "",
        "| outcome | pages |",
        "|---|---:|",
    ]
    lines += [f"| {label} | {data.counts.get(key, 0)} |" for key, label in ROWS]
    known = {key for key, _ in ROWS}
    lines += [  # counts only some flows keep (reparse: reparsed, versions, ...)
        f"| {key.replace('_', ' ')} | {value} |"
        for key, value in sorted(data.counts.items())
        if key not in known
    ]
    if data.templates:
        shown = ", ".join(f"{t} {n}" for t, n in sorted(data.templates.items()))
        lines += ["", f"Pages extracted per template: {shown}."]
    lines += _check_lines(data)
    if data.alarms:
        lines += ["", "## Drift alarms", ""]
        lines += [f"- {_cell(alarm, 500)}" for alarm in data.alarms]
        lines += ["", "Fix the extractor, then `anq reparse` (README, Run it nightly)."]
    lines += _failure_lines(data)
    return "\n".join(lines) + "\n"


def _check_lines(data: ReportData) -> list[str]:
    """Invariants broken (this run's pages, the warehouse) and unknown key-data labels."""
    lines: list[str] = []
    names = sorted(name for name in {*data.broken, *data.stored_broken}
                   if data.broken.get(name) or data.stored_broken.get(name))  # fmt: skip
    if names:
        lines += ["", "## Invariants broken", "", "| invariant | pages of this run | "
                  "questions in the warehouse |", "|---|---:|---:|"]  # fmt: skip
        lines += [
            f"| {name} | {data.broken.get(name, 0)} | {data.stored_broken.get(name, 0)} |"
            for name in names
        ]
    if data.unknown_labels:
        lines += ["", "## Unknown key-data labels", "", "| template | label | pages |",
                  "|---|---|---:|"]  # fmt: skip
        lines += [
            f"| {template} | {_cell(label, 100)} | {count} |"
            for (template, label), count in sorted(data.unknown_labels.items())
        ]
    return lines


def _failure_lines(data: ReportData) -> list[str]:
    if not data.failures_total:
        return ["", "No failures."]
    lines = ["", f"## Failures ({data.failures_total})", "", "| uid | stage | field | error |"]
    lines.append("|---|---|---|---|")
    for f in data.failures:
        lines.append(
            f"| {f.uid} | {f.stage} | {f.field or ''} | {_cell(f.error, MAX_ERROR_CHARS)} |"
        )
    hidden = data.failures_total - len(data.failures)
    if hidden > 0:
        lines += [
            "",
            f"... and {hidden} more (`SELECT * FROM failures WHERE run_id = '{data.run_id}'`).",
        ]
    return lines


def _cell(text: str, limit: int) -> str:
    """One table cell: one line, pipes escaped, long messages cut."""
    flat = " ".join(text.split()).replace("|", "\\|")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "duration unknown"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{seconds:.1f} s"


def artifact_key(flow: str) -> str:
    """``anq-<flow>-report``: Prefect keys allow only lowercase letters, digits, dashes."""
    return re.sub(r"[^a-z0-9-]+", "-", f"anq-{flow}-report".lower()).strip("-")


def publish(flow: str, run_id: str, report: str) -> None:
    """Publish the report as a markdown artifact of the current flow run.

    Outside a flow run (a library call, a test) there is nothing to attach it
    to: skip. An API error is logged, never raised: the run's data is loaded
    and its report is in ``runs.report`` whatever happens here.
    """
    from prefect.artifacts import create_markdown_artifact
    from prefect.context import FlowRunContext

    logger = run_logger()
    if FlowRunContext.get() is None:
        logger.debug("no Prefect flow run: report of run %s not published", run_id)
        return
    try:
        create_markdown_artifact(
            markdown=report,
            key=artifact_key(flow),
            description=f"anq {flow} run {run_id}",
        )
    except Exception as err:  # a report must not fail a loaded run
        logger.warning("could not publish the report of run %s: %s", run_id, err)
