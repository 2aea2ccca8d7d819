"""``anq compact`` and ``anq verify-archive``: upkeep of the warehouse file and the archive.

Neither fetches nor loads, so neither runs a Prefect flow; both start at once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from flows.config import Settings

EXIT_FAILED, EXIT_LOCKED = 1, 3


def run_compact(settings: Settings) -> int:
    """Copy the warehouse into a fresh file and swap it in, unless a run holds it."""
    from warehouse.compact import RewriteFailed, compact
    from warehouse.db import DatabaseLocked, RunLock, RunLocked

    db = settings.db
    if not db.is_file():
        return _fail(EXIT_FAILED, f"no warehouse at {db}")
    try:
        with RunLock(db):
            sizes = compact(db)
    except RunLocked as err:
        return _fail(EXIT_LOCKED, f"{db} is being written by another anq run ({err})")
    except (RewriteFailed, DatabaseLocked) as err:
        return _fail(EXIT_FAILED, f"compact failed, {db} kept as it was: {err}")
    print(f"compacted {db}: {_mb(sizes.before)} -> {_mb(sizes.after)}")
    return 0


def run_verify(settings: Settings, as_json: bool) -> int:
    """Check every archived record; exit 1 when a record or a listed page is damaged."""
    from warehouse.verify import verify_archive

    if not Path(settings.archive).is_dir():
        return _fail(EXIT_FAILED, f"no archive at {settings.archive}")
    report = verify_archive(Path(settings.archive), settings.db)
    if as_json:
        print(json.dumps(report.as_dict()))
    else:
        print(
            f"{settings.archive}: {report.records} records in {report.files} files "
            f"({_mb(report.bytes)}); {report.listed} pages listed in {settings.db}"
        )
        for found in report.damaged:
            where = found.path if found.offset is None else f"{found.path} at {found.offset}"
            print(f"damaged: {found.uid} {found.sha256} in {where}: {found.problem}")
        for found in report.stretches:
            print(f"unreadable stretch: {found.path} at {found.offset}: {found.problem}")
        print(f"{len(report.damaged)} damaged record(s)" if report.damaged else "no damage found")
    return EXIT_FAILED if report.damaged else 0


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _fail(code: int, message: str) -> int:
    print(f"anq: {message}", file=sys.stderr)
    return code
