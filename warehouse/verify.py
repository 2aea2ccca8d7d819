"""``anq verify-archive``: check every archived record without rebuilding anything.

Each pack is walked record by record: every record must unzip and hash to the
sha256 its header names. Then every page ``raw_pages`` lists must be found
whole, in its pack or in its own file from before packs: a record whose
header was damaged, or that a truncation or a zeroed stretch took away, is
found missing there. Stretches of a pack that do not read as a record are
listed apart: a crash mid-append leaves one by design, and it matters only
if it took a listed page with it, which the listing check then reports.

The warehouse is read once, at the start, into an in-memory copy of its
``(uid, sha256)`` pairs (DuckDB spills it to disk past 128 MB), so a run may
start while the archive is checked.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from extractors.uid import InvalidUid, parse_uid
from warehouse import packs
from warehouse.archive import ArchiveCorrupt, RawArchive, checked_body
from warehouse.db import session

_SUFFIX = ".html.gz"

#: ``raw_pages`` pairs in pack order: legislature, type, thousand of the number.
_LISTED = r"""
SELECT DISTINCT uid, sha256,
    CAST(regexp_extract(uid, '^QANR5L([0-9]+)', 1) AS INTEGER) AS legislature,
    regexp_extract(uid, '^QANR5L[0-9]+([A-Z]+)', 1) AS type,
    CAST(regexp_extract(uid, '([0-9]+)$', 1) AS INTEGER) // 1000 AS thousand
FROM raw_pages
"""


@dataclass(frozen=True)
class Finding:
    """A record that fails its check, a listed page not found, or an unreadable stretch."""

    uid: str | None
    sha256: str | None
    path: str
    offset: int | None
    problem: str


@dataclass
class VerifyReport:
    """What was checked and what was found."""

    files: int = 0
    records: int = 0
    bytes: int = 0
    listed: int = 0  # raw_pages pairs looked for
    damaged: list[Finding] = field(default_factory=list)
    stretches: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_archive(root: Path, db: Path | None = None) -> VerifyReport:
    """Check every record under ``root``, and every page ``db``'s ``raw_pages`` lists."""
    archive, report = RawArchive(root), VerifyReport()
    walked: dict[Path, dict[tuple[str, str], bool]] = {}
    own_files: set[Path] = set()
    with duckdb.connect() as con:
        con.execute("SET memory_limit = '128MB'")
        listed = _listing(con, db)
        for pack, group in itertools.groupby(listed, key=lambda row: _pack(archive, row[0])):
            checked = walked[pack] = _walk(pack, report) if pack.is_file() else {}
            for uid, sha256, *_ in group:
                report.listed += 1
                if checked.get((uid, sha256)) is None:  # not in its pack: from before packs?
                    own_files.add(_own_file(archive, pack, uid, sha256, report))
    for pack in sorted(Path(root).rglob("*.pack")):
        if pack not in walked:
            _walk(pack, report)
    for path in sorted(Path(root).rglob("*" + _SUFFIX)):
        if path not in own_files:
            _check_file(path, path.parent.name, path.name.removesuffix(_SUFFIX), report)
    return report


def _listing(con: duckdb.DuckDBPyConnection, db: Path | None) -> Iterable[tuple[Any, ...]]:
    """The listed pairs in pack order, copied out so the warehouse is let go at once."""
    if db is None or not Path(db).exists():
        return []
    with session(db, read_only=True) as source:  # waits, like a run, if a writer holds it
        con.register("incoming", source.sql(_LISTED).to_arrow_reader())
        con.execute("CREATE TABLE listed AS SELECT * FROM incoming")  # in memory
        con.unregister("incoming")
    cur = con.cursor()
    cur.execute("SELECT * FROM listed ORDER BY legislature, type, thousand, uid, sha256")
    chunks: Iterable[list[tuple[Any, ...]]] = iter(lambda: cur.fetchmany(4096), [])
    return itertools.chain.from_iterable(chunks)


def _pack(archive: RawArchive, uid: str) -> Path:
    try:
        return archive.pack_path(parse_uid(uid))
    except InvalidUid:
        return archive.root / "(not a uid)"


def _walk(pack: Path, report: VerifyReport) -> dict[tuple[str, str], bool]:
    """Check every record of ``pack``; whether each key's record is whole."""
    checked: dict[tuple[str, str], bool] = {}
    report.files += 1
    with pack.open("rb") as handle:
        size = pack.stat().st_size
        report.bytes += size
        for key, at, start, length in packs.walk(handle, 0, size):
            if key is None:
                problem = f"{length} bytes that do not read as a record"
                report.stretches.append(Finding(None, None, str(pack), at, problem))
                continue
            report.records += 1
            handle.seek(start)
            try:
                checked_body(handle.read(length), key[0], key[1], pack, start)
            except ArchiveCorrupt as err:
                report.damaged.append(Finding(*key, str(pack), start, err.problem))
                checked.setdefault(key, False)
                continue
            checked[key] = True
    return checked


def _own_file(archive: RawArchive, pack: Path, uid: str, sha256: str, report: VerifyReport) -> Path:
    """Check a listed page missing from its pack in its own file; the path looked at."""
    try:
        path = archive.path(parse_uid(uid), sha256)
    except (InvalidUid, ValueError):
        report.damaged.append(Finding(uid, sha256, str(pack), None, "not a uid and sha256"))
        return pack
    if path.is_file():
        _check_file(path, uid, sha256, report)
    else:
        report.damaged.append(Finding(uid, sha256, str(pack), None, "not in the archive"))
    return path


def _check_file(path: Path, uid: str, sha256: str, report: VerifyReport) -> None:
    """A page stored in a file of its own, before packs."""
    data = path.read_bytes()
    report.files, report.records, report.bytes = (
        report.files + 1,
        report.records + 1,
        report.bytes + len(data),
    )
    try:
        checked_body(data, uid, sha256, path, None)
    except ArchiveCorrupt as err:
        report.damaged.append(Finding(uid, sha256, str(path), None, err.problem))
