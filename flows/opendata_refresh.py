"""The Assembly's open-data archives as a second source: the work of ``anq opendata``.

For each configured legislature and type that has an archive
(:mod:`extractors.opendata.sources`): a conditional GET through the polite client
(an unchanged zip costs a 304 and nothing else), the zip kept raw under
``<archive>/opendata/{leg}/{file}`` (the latest one; its date and validators in
``opendata_archives``), its records streamed into ``opendata_records`` in batches,
the questions the warehouse lacks added (``source = 'opendata'``), and the pages the
archive shows changed made due. Then the two sources are reconciled: per-field
agreement, kept per run, with a drift alarm below ``warehouse.agreement.AGREEMENT_FLOOR``.

Prefect-free: the ``opendata`` flow (``flows.opendata``) runs :func:`refresh` in its
own run; :func:`opendata_step` is the same work in a run that ``sync`` already holds.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from extractors.http.client import PoliteClient
from extractors.http.result import FetchResult
from extractors.opendata import Archive, ArchiveFormatError, archives
from flows.config import Settings
from flows.opendata_load import ArchiveLoad, stream_archive
from flows.runner import FlowRunId, ReportSink, Run, RunFailed, open_run
from warehouse import agreement
from warehouse import opendata as od
from warehouse.db import session

log = logging.getLogger("anq.opendata")

#: The archives are far bigger than pages (the 17th legislature's QE zip is about 45 MB);
#: the client writes each to disk as it arrives, so this bounds the disk, not the memory.
MAX_ARCHIVE_BYTES = 512_000_000
#: An archive is one long answer: more patience than for a page.
ARCHIVE_TIMEOUT = 120.0
#: DuckDB's buffer pool for the reconciliation: the normalising of long texts needs more
#: than a load's batch; DuckDB's default (80% of the machine) let it take hundreds of MB
#: (docs/benchmarks.md, "Open data").
RECONCILE_MEMORY = "48MB"


@dataclass
class OpenDataSummary:
    """What one pass over the archives did (the flow's summary, under ``opendata``)."""

    archives_loaded: int = 0
    archives_unchanged: int = 0
    archives_failed: int = 0
    records: int = 0
    record_failures: int = 0
    questions_added: int = 0
    questions_followed: int = 0
    pages_made_due: int = 0
    requests: int = 0
    discrepancies: int = 0
    agreement: dict[str, float] = field(default_factory=dict)
    alarms: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def opendata_run(
    settings: Settings,
    parameters: dict[str, Any],
    *,
    prefect_flow_run_id: FlowRunId = None,
    report_to: ReportSink | None = None,
) -> dict[str, Any]:
    """Download, load, bootstrap, make due, reconcile in a run of its own; its summary."""
    with open_run(
        "opendata", settings, parameters, network=False,
        prefect_flow_run_id=prefect_flow_run_id, report_to=report_to,
    ) as run:  # fmt: skip
        done = refresh(run.run_id, run.settings)
        run.report_sections.append(report_section(done))
        if done.alarms:
            raise RunFailed("; ".join(done.alarms))
    return {**run.summary(), **asdict(done)}


def report_section(summary: OpenDataSummary) -> str:
    """The open-data part of the run report (markdown)."""
    lines = ["", "## Open data", "",
             f"- archives loaded {summary.archives_loaded}, unchanged (304) "
             f"{summary.archives_unchanged}, failed {summary.archives_failed}",
             f"- records {summary.records}, unreadable {summary.record_failures}; questions "
             f"added {summary.questions_added}; pages made due {summary.pages_made_due}",
             f"- discrepancies now {summary.discrepancies}"]  # fmt: skip
    lines += [f"- failed: {error}" for error in summary.errors]
    lines += [f"- **drift alarm**: {alarm}" for alarm in summary.alarms]
    if summary.agreement:
        lines += ["", "| field | agreement |", "|---|---:|"]
        lines += [f"| {f} | {share:.1%} |" for f, share in summary.agreement.items()]
    return "\n".join(lines) + "\n"


def opendata_step(run: Run) -> dict[str, Any]:
    """The open-data pass inside another flow's run (``sync``'s first step).

    Alarms are logged and reported, not raised: the pages still need refreshing.
    """
    summary = refresh(run.run_id, run.settings)
    run.report_sections.append(report_section(summary))
    for alarm in summary.alarms:
        log.error("open-data drift alarm: %s", alarm)
    return asdict(summary)


def refresh(run_id: str, settings: Settings) -> OpenDataSummary:
    """Every configured archive in turn, then the reconciliation."""
    summary = OpenDataSummary()
    client = PoliteClient(
        settings.opendata_url,
        rate=settings.rate,
        max_body=MAX_ARCHIVE_BYTES,
        timeout=ARCHIVE_TIMEOUT,
        limits=settings.limits,
    )
    with client:
        for arc in archives(settings.legislatures, settings.types):
            _one_archive(client, arc, run_id, settings, summary)
        summary.requests = client.requests_made
    with session(settings.db) as con:
        con.execute(f"SET memory_limit = '{RECONCILE_MEMORY}'")
        found = agreement.reconcile(con, run_id)
        con.execute(
            "UPDATE runs SET requests = requests + ?, failures = failures + ? WHERE run_id = ?",
            [summary.requests, summary.record_failures, run_id],
        )
    summary.discrepancies = agreement.discrepancies(found)
    summary.agreement = {a.field: round(a.share, 4) for a in found}
    summary.alarms = [
        f"open data: {a.field} agrees on {a.share:.1%} of {a.compared} questions "
        f"(floor {agreement.AGREEMENT_FLOOR:.0%})"
        for a in found
        if a.alarming
    ]
    return summary


def _one_archive(
    client: PoliteClient, arc: Archive, run_id: str, settings: Settings, summary: OpenDataSummary
) -> None:
    with session(settings.db) as con:
        state = od.archive_state(con, arc.legislature, arc.type)
    final = Path(settings.archive) / "opendata" / str(arc.legislature) / arc.file_name
    result = _download(client, arc, state, final)
    now = settings.clock_now()
    base = {"legislature": arc.legislature, "type": arc.type, "path": arc.path, "fetched_at": now}
    if result.outcome == "not_modified":
        summary.archives_unchanged += 1
        _save(settings, {**base, "error": None})
        log.info("L%d %s: archive unchanged (304)", arc.legislature, arc.type)
        return
    if result.outcome != "ok":
        _fail(settings, summary, base, result.error or f"HTTP {result.status} ({result.outcome})")
        return
    load = _load(final, result, arc, run_id, settings, now, summary, base)
    if load is not None:
        log.info(
            "L%d %s: %d records, %d unreadable, %d questions added, %d pages made due",
            arc.legislature, arc.type, load.records, load.failed, load.added, load.due,
        )  # fmt: skip


def _download(
    client: PoliteClient, arc: Archive, state: od.ArchiveState, final: Path
) -> FetchResult:
    """The zip written to disk as it arrives (never held in memory), through a ``.part``
    file that replaces ``final`` only for a whole 200 answer (the latest zip is kept)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    part = final.with_name(final.name + ".part")
    try:
        with part.open("w+b") as sink:
            result = client.fetch(
                arc.path, etag=state.etag, last_modified=state.last_modified, into=sink
            )
        if result.outcome == "ok":
            part.replace(final)
        return result
    finally:
        part.unlink(missing_ok=True)


def _load(
    path: Path,
    result: FetchResult,
    arc: Archive,
    run_id: str,
    settings: Settings,
    now: datetime,
    summary: OpenDataSummary,
    base: dict[str, Any],
) -> ArchiveLoad | None:
    sha, size = _digest(path)
    archive_date = _http_date(result.last_modified) or now
    try:
        load = stream_archive(path, arc, run_id, settings, archive_date, now)
    except ArchiveFormatError as err:
        _fail(settings, summary, base, f"{arc.file_name}: {err}")
        return None
    _save(settings, {
        **base, "error": None, "file": str(path), "etag": result.etag,
        "last_modified": result.last_modified, "archive_date": archive_date, "sha256": sha,
        "size": size, "loaded_at": now, "records": load.records, "failed": load.failed,
    })  # fmt: skip
    summary.archives_loaded += 1
    summary.records += load.records
    summary.record_failures += load.failed
    summary.questions_added += load.added
    summary.questions_followed += load.followed
    summary.pages_made_due += load.due
    return load


def _digest(path: Path) -> tuple[str, int]:
    """The file's sha256 and size, read a megabyte at a time."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _fail(settings: Settings, summary: OpenDataSummary, base: dict[str, Any], error: str) -> None:
    summary.archives_failed += 1
    summary.errors.append(f"L{base['legislature']} {base['type']}: {error}")
    log.warning("L%d %s: %s", base["legislature"], base["type"], error)
    _save(settings, {**base, "error": error})


def _save(settings: Settings, row: dict[str, Any]) -> None:
    with session(settings.db) as con:
        od.save_archive(con, row)


def _http_date(value: str | None) -> datetime | None:
    """A Last-Modified header as naive UTC (``None`` when absent or unreadable)."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        return parsed
    return parsed.astimezone(UTC).replace(tzinfo=None)
