"""Streaming one downloaded archive into the warehouse: records in batches, failures kept,
then the bootstrap and the pages made due (``flows.opendata_refresh`` downloads and calls this)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from extractors.opendata import Archive, OpenDataError, RecordItem, iter_records, read_record
from flows.config import Settings
from warehouse import opendata as od
from warehouse.db import session

#: Records per load transaction (a few MB of Arrow; memory stays flat whatever the archive).
RECORD_BATCH = 500
#: DuckDB's buffer pool for an archive's load: what a 60,000-record archive's bootstrap needs
#: (one transaction adding the whole archive's questions; 32 MB ran out), about twice what a
#: batch's merge does (the sizes tried are in docs/benchmarks.md, "Open data").
OPENDATA_MEMORY = "48MB"


@dataclass(frozen=True)
class _Unreadable:
    """A record that could not be read: why, and its uid and field where known."""

    error: str
    uid: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class ArchiveLoad:
    """What loading one archive did."""

    records: int
    failed: int
    added: int
    followed: int
    due: int


def stream_archive(
    path: Path, arc: Archive, run_id: str, settings: Settings, archive_date: datetime,
    now: datetime,
) -> ArchiveLoad:  # fmt: skip
    """Load every record of the zip at ``path``; raise ``ArchiveFormatError`` if it is none."""
    records = failed = 0
    rows: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    with session(settings.db) as con, path.open("rb") as raw:
        con.execute(f"SET memory_limit = '{OPENDATA_MEMORY}'")
        for item in iter_records(raw):
            row = stage_row(item, arc, settings.base_url, archive_date, now)
            if isinstance(row, _Unreadable):
                failures.append(_failure(item, arc, run_id, row, now))
                continue
            rows.append(row)
            if len(rows) >= RECORD_BATCH:
                records += _flush(con, rows)
        records += _flush(con, rows)
        od.record_failures(con, failures)
        failed = len(failures)
        # Reloaded records left as pending updates made the bootstrap's scan of the table
        # run out of the pool (15,000 records read as pages); written out, it reads them.
        con.execute("CHECKPOINT")
        added, followed = od.bootstrap(con, arc.legislature, arc.type, now, now)
        due = od.mark_due(con, arc.legislature, arc.type, now, now)
    return ArchiveLoad(records, failed, added, followed, due)


def _flush(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> int:
    count = len(rows)
    od.load_records(con, rows)
    rows.clear()
    return count


def stage_row(
    item: RecordItem, arc: Archive, base_url: str, archive_date: datetime, now: datetime
) -> dict[str, Any] | _Unreadable:
    """The record's stage row, or why it could not be read."""
    if item.data is None:
        return _Unreadable(item.error or "unreadable record")
    try:
        record = read_record(item.data, base_url)
    except OpenDataError as err:
        return _Unreadable(str(err), None if err.uid == "?" else err.uid, err.field)
    values = record.values
    if (values["legislature"], values["type"]) != (arc.legislature, arc.type):
        why = f"{record.uid}: a record of another archive in {arc.file_name}"
        return _Unreadable(why, record.uid, "uid")
    question = record.to_question()
    return {
        **values,
        "closure_code": record.closure_code,
        "closure_label": record.closure_label,
        "record_hash": record.record_hash,
        "content_hash": question.content_hash() if question is not None else None,
        "state_hash": record.state_hash,
        "drift": record.drift,
        "archive_date": archive_date,
        "loaded_at": now,
    }


def _failure(
    item: RecordItem, arc: Archive, run_id: str, bad: _Unreadable, now: datetime
) -> dict[str, Any]:
    return {
        "run_id": run_id, "legislature": arc.legislature, "type": arc.type,
        "member": item.member, "record_index": item.index, "uid": bad.uid, "field": bad.field,
        "error": bad.error, "occurred_at": now,
    }  # fmt: skip
