"""``anq verify-archive``: check every archived record without rebuilding anything.

Each WARC file is walked record by record: every record must unzip, read as
an anq ``response`` record and match both its digests (the block's, and the
payload's, which is the sha256 it is stored under). Packs and files of their
own from before WARC are checked the same way (unzip, sha256). Then every
page ``raw_pages`` lists must be found whole, in its WARC file, or in its pack
or own file for older pages: a record whose headers were damaged, or that a
truncation or a zeroed stretch took away, is found missing there. Stretches
of a file that do not read as a record are listed apart: a crash mid-append
leaves one by design (cut by the next append), and it matters only if it
took a listed page with it, which the listing check then reports. A listed
page whose ``warc_offset`` is not where its record is is listed apart too
(``misplaced``): reparse still finds it, by looking.

The warehouse is read once, at the start, into an in-memory copy of its
``(uid, sha256)`` pairs (DuckDB spills it to disk past 128 MB), so a run may
start while the archive is checked.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import duckdb

from extractors.uid import InvalidUid, parse_uid
from warehouse import packs, warc, warcfile
from warehouse.archive import ArchiveCorrupt, RawArchive, checked_body
from warehouse.db import session

_SUFFIX = ".html.gz"

#: ``raw_pages`` pairs in file order (legislature, type, thousand of the number), each
#: with the places its rows give for its WARC record.
_LISTED = r"""
SELECT uid, sha256,
    list(DISTINCT warc_file || ':' || warc_offset) FILTER (WHERE warc_file IS NOT NULL) AS places,
    CAST(regexp_extract(uid, '^QANR5L([0-9]+)', 1) AS INTEGER) AS legislature,
    regexp_extract(uid, '^QANR5L[0-9]+([A-Z]+)', 1) AS type,
    CAST(regexp_extract(uid, '([0-9]+)$', 1) AS INTEGER) // 1000 AS thousand
FROM raw_pages GROUP BY uid, sha256
"""

#: What a walk found of each key: whether its record is whole and sound, and where.
Walked = dict[tuple[str, str], tuple[bool, int]]


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
    misplaced: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_archive(root: Path, db: Path | None = None) -> VerifyReport:
    """Check every record under ``root``, and every page ``db``'s ``raw_pages`` lists."""
    archive, report = RawArchive(root), VerifyReport()
    walked: dict[Path, Walked] = {}
    with duckdb.connect() as con:
        con.execute("SET memory_limit = '128MB'")
        listed = _listing(con, db)
        for file, group in itertools.groupby(listed, key=lambda row: _file(archive, row[0])):
            records = walked[file] = _walk_warc(file, report) if file.is_file() else {}
            for uid, sha256, places, *_ in group:
                report.listed += 1
                found = records.get((uid, sha256))
                if found is None:
                    _look_older(archive, file, uid, sha256, walked, report)
                elif places and any(p != f"{_relative(archive, file)}:{found[1]}" for p in places):
                    problem = f"raw_pages places it at {', '.join(sorted(places))}"
                    report.misplaced.append(Finding(uid, sha256, str(file), found[1], problem))
    for path in sorted(Path(root).rglob("*" + warcfile.SUFFIX)):
        if path not in walked:
            _walk_warc(path, report)
    for path in sorted(Path(root).rglob("*.pack")):
        if path not in walked:
            _walk_pack(path, report)
    for path in sorted(Path(root).rglob("*" + _SUFFIX)):
        if path not in walked:
            _check_file(path, path.parent.name, path.name.removesuffix(_SUFFIX), report)
    return report


def _listing(con: duckdb.DuckDBPyConnection, db: Path | None) -> Iterable[tuple[Any, ...]]:
    """The listed pairs in file order, copied out so the warehouse is let go at once."""
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


def _file(archive: RawArchive, uid: str) -> Path:
    try:
        return archive.warc_path(parse_uid(uid))
    except InvalidUid:
        return archive.root / "(not a uid)"


def _relative(archive: RawArchive, path: Path) -> str:
    return path.relative_to(archive.root).as_posix()


#: The records of an open file of ``size`` bytes: ``(key, at, start, length)``, the
#: record's header at ``at`` and what to check from ``start``; key None: a stretch.
Records = Callable[[BinaryIO, int], Iterable[packs.Piece]]


def _walk(
    path: Path,
    report: VerifyReport,
    records: Records,
    problem: Callable[[bytes, warc.Key], str | None],
) -> Walked:
    """Check every record of a file; whether each key's record is sound, and where."""
    checked: Walked = {}
    report.files += 1
    with path.open("rb") as handle:
        size = path.stat().st_size
        report.bytes += size
        for key, at, start, length in records(handle, size):
            if key is None:
                stretch = f"{length} bytes that do not read as a record"
                report.stretches.append(Finding(None, None, str(path), at, stretch))
                continue
            report.records += 1
            handle.seek(start)
            wrong = problem(handle.read(length), key)
            if wrong is not None:
                report.damaged.append(Finding(*key, str(path), start, wrong))
            if not checked.get(key, (False, 0))[0]:  # a sound copy of a key wins
                checked[key] = (wrong is None, start)
    return checked


def _walk_warc(path: Path, report: VerifyReport) -> Walked:
    def records(handle: BinaryIO, size: int) -> Iterable[packs.Piece]:
        return ((key, at, at, length) for key, at, length in warcfile.walk(handle, 0, size))

    return _walk(path, report, records, _record_problem)


def _record_problem(data: bytes, key: warc.Key) -> str | None:
    """What is wrong with a WARC record whose headers name ``key``; None if nothing."""
    try:
        record = warc.read_record(data)
        parse_uid(record.key[0])
    except warc.BadRecord as err:
        return err.problem
    except InvalidUid:
        return f"Anq-Uid is not a question uid: {key[0]!r}"
    return record.digests_problem()


def _look_older(
    archive: RawArchive,
    file: Path,
    uid: str,
    sha256: str,
    walked: dict[Path, Walked],
    report: VerifyReport,
) -> None:
    """A listed page its WARC file lacks: archived before WARC, in its pack or own file?"""
    try:
        parsed = parse_uid(uid)
        pack, own = archive.pack_path(parsed), archive.path(parsed, sha256)
    except (InvalidUid, ValueError):
        report.damaged.append(Finding(uid, sha256, str(file), None, "not a uid and sha256"))
        return
    if pack not in walked:
        walked[pack] = _walk_pack(pack, report) if pack.is_file() else {}
    if walked[pack].get((uid, sha256)) is not None:
        return
    if own.is_file():
        walked[own] = {}
        _check_file(own, uid, sha256, report)
    else:
        report.damaged.append(Finding(uid, sha256, str(file), None, "not in the archive"))


def _walk_pack(pack: Path, report: VerifyReport) -> Walked:
    """Check every record of a pack from before WARC; whether each key's record is whole."""
    return _walk(pack, report, lambda handle, size: packs.walk(handle, 0, size), _pack_problem)


def _pack_problem(data: bytes, key: warc.Key) -> str | None:
    try:
        checked_body(data, key[0], key[1], Path(), None)  # the report says where
    except ArchiveCorrupt as err:
        return err.problem
    return None


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
