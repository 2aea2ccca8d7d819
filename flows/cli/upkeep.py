"""``anq compact`` and ``anq verify-archive``: upkeep of the warehouse file and the archive.

Neither fetches nor loads, so neither runs a Prefect flow; both start at once.
"""

from __future__ import annotations

import json
from pathlib import Path

from flows.cli.errors import EXIT_FAILED, EXIT_LOCKED, Fail
from flows.config import Settings


def run_compact(settings: Settings, as_json: bool = False) -> int:
    """Copy the warehouse into a fresh file and swap it in, unless a run holds it.

    Like a run, it works on the private copy and publishes it (``warehouse.publish``),
    so a reader of the file never makes it wait.
    """
    from warehouse.compact import RewriteFailed, compact
    from warehouse.db import DatabaseLocked
    from warehouse.publish import StaleWorkingCopy, WorkingCopy
    from warehouse.runlock import RunLock, RunLocked

    db = settings.db
    if not db.is_file():
        raise Fail(EXIT_FAILED, f"no warehouse at {db.resolve()} (--db or ANQ_DB names it)")
    try:
        with RunLock(db), WorkingCopy(db) as copy:
            sizes = compact(copy.path)
    except RunLocked as err:
        raise Fail(EXIT_LOCKED, f"{db} is being written by another anq run ({err})") from None
    except (RewriteFailed, DatabaseLocked, StaleWorkingCopy) as err:
        raise Fail(EXIT_FAILED, f"compact failed, {db} kept as it was: {err}") from None
    if as_json:
        print(json.dumps({"db": str(db), "bytes_before": sizes.before, "bytes_after": sizes.after}))
    else:
        print(f"compacted {db}: {_mb(sizes.before)} -> {_mb(sizes.after)}")
    return 0


def run_verify(settings: Settings, as_json: bool) -> int:
    """Check every archived record; exit 1 when a record or a listed page is damaged."""
    from warehouse.verify import verify_archive

    if not Path(settings.archive).is_dir():
        raise Fail(EXIT_FAILED, f"no archive at {Path(settings.archive).resolve()}")
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
        for found in report.misplaced:
            print(f"misplaced: {found.uid} {found.sha256} is at {found.offset}: {found.problem}")
        print(f"{len(report.damaged)} damaged record(s)" if report.damaged else "no damage found")
    return EXIT_FAILED if report.damaged else 0


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"
