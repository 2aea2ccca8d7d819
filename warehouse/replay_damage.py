"""``anq reparse``: archived pages that cannot be read back, and their ``archive_damage`` rows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.archive import ArchiveCorrupt
from warehouse.compact import SOURCE
from warehouse.db import utcnow
from warehouse.staging import staged

_DAMAGE_TYPES = {
    "uid": "VARCHAR",
    "sha256": "VARCHAR",
    "path": "VARCHAR",
    "file_offset": "BIGINT",
    "problem": "VARCHAR",
    "found_at": "TIMESTAMP",
    "run_id": "VARCHAR",
}


@dataclass(frozen=True)
class Damage:
    """One archived page that could not be read back."""

    uid: str
    sha256: str
    path: str
    offset: int | None
    problem: str


def damage(uid: str, sha256: str, warc_path: Path, err: Exception) -> Damage:
    """What ``RawArchive.get`` raised for a page, as a damage row."""
    if isinstance(err, ArchiveCorrupt):
        return Damage(err.uid, err.sha256, str(err.path), err.offset, err.problem)
    problem = "not in the archive" if isinstance(err, FileNotFoundError) else str(err)
    return Damage(uid, sha256, str(warc_path), None, problem)


def record_damage(
    con: duckdb.DuckDBPyConnection, found: list[Damage], pattern: str | None, run_id: str
) -> None:
    """This run's findings, and the earlier ones outside the legislature it replayed."""
    con.execute(
        f"INSERT INTO archive_damage SELECT * FROM {SOURCE}.pipeline.archive_damage "
        "WHERE $1::VARCHAR IS NOT NULL AND uid NOT LIKE $1",
        [pattern],
    )
    if not found:
        return
    found_at = utcnow()
    rows = [
        {**vars(d), "file_offset": d.offset, "found_at": found_at, "run_id": run_id} for d in found
    ]
    with staged(con, "stage_damage", rows, _DAMAGE_TYPES):
        con.execute(
            "INSERT INTO archive_damage (uid, sha256, path, file_offset, problem, found_at, run_id)"
            " SELECT uid, sha256, path, file_offset, problem, found_at, run_id FROM stage_damage"
        )
