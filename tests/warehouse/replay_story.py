"""The replay tests' story: eight nights of fetches of four questions, loaded as the flows
load them, with a deterministic fake extractor; and a reparse under the run lock."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import duckdb

from extractors.model import Question
from extractors.uid import Uid
from tests.warehouse.conftest import T0, answered, question, rows, uid
from warehouse import warc, warcfile
from warehouse.archive import RawArchive, Stored
from warehouse.db import connect
from warehouse.load import load_batch
from warehouse.observation import Observation
from warehouse.replay import ReplayResult, reparse_file
from warehouse.runlock import RunLock

DAY = dt.timedelta(days=1)
TABLES = ("questions", "question_versions")
Extractor = Callable[[bytes, str], Question | None]
Q1 = str(uid(1))


class Archiver(Protocol):
    """What the story stores pages with: the archive, or a writer of an older format."""

    def put(self, uid: Uid, body: bytes, response: warc.Response) -> Stored: ...


class FakeSite:
    """Bodies and what a (deterministic) extractor reads from each: None = extraction error."""

    def __init__(self) -> None:
        self.content: dict[bytes, Question | None] = {}

    def page(self, body: str, q: Question | None) -> bytes:
        raw = body.encode()
        self.content[raw] = q
        return raw

    def extract(self, raw: bytes, url: str) -> Question | None:
        q = self.content[raw]
        return None if q is None else dataclasses.replace(q, url=url)


def observe(
    site: FakeSite, archive: Archiver, u: Uid, raw: bytes, at: dt.datetime, url: str | None = None
) -> Observation:
    """fetch → archive → extract → observation, as the flows do."""
    url = url or f"https://an.example{u.path()}"
    stored = archive.put(u, raw, warc.Response(url, at, 200, "OK"))
    sha, kept = stored.sha256, {"raw_size": len(raw), "raw_at": stored.at}
    q = site.extract(raw, url)
    if q is None:
        return Observation(
            u,
            url,
            at,
            "failed",
            http_status=200,
            raw_sha256=sha,
            error="cannot read title",
            error_stage="extract",
            **kept,
        )
    return Observation(u, url, at, "question", q, http_status=200, raw_sha256=sha, **kept)


def script(con: duckdb.DuckDBPyConnection, run_id: str, archive: Archiver) -> FakeSite:
    site = FakeSite()
    q1, q2, q4 = question(1), question(2), question(4, legislature=16)
    a = site.page("A", q1)
    a_cosmetic = site.page("A redesigned", dataclasses.replace(q1, template="dyn_2017"))
    c = site.page("C", answered(q1))
    broken = site.page("D broken", None)
    b2 = site.page("B2", answered(q2))
    x = site.page("X", dataclasses.replace(q4, title="x"))
    y = site.page("Y", dataclasses.replace(q4, title="y"))
    only_broken = site.page("E broken", None)
    u1, u2, u3, u4 = uid(1), uid(2), uid(3), uid(4, legislature=16)
    script: list[list[Observation]] = [
        [
            observe(site, archive, u1, a, T0),
            observe(site, archive, u2, b2, T0),
            observe(site, archive, u3, only_broken, T0),
            observe(site, archive, u4, x, T0),
        ],
        [observe(site, archive, u1, a, T0 + DAY), observe(site, archive, u4, y, T0 + DAY)],
        [
            observe(site, archive, u1, a_cosmetic, T0 + 2 * DAY),
            observe(site, archive, u4, x, T0 + 2 * DAY),
            Observation(u2, "https://an.example/gone", T0 + 2 * DAY, "not_found", http_status=404),
        ],
        [observe(site, archive, u1, c, T0 + 3 * DAY)],
        [Observation(u1, "https://an.example/x", T0 + 4 * DAY, "not_modified", http_status=304)],
        [observe(site, archive, u1, broken, T0 + 5 * DAY)],
        [observe(site, archive, u1, c, T0 + 6 * DAY)],
        [observe(site, archive, u1, c, T0 + 7 * DAY, url="https://an.example/redirected")],
    ]
    for batch in script:
        load_batch(con, run_id, batch)
    return site


Snapshot = dict[str, list[tuple[object, ...]]]


def snapshot(db: Path, where: str = "true") -> Snapshot:
    with connect(db) as con:
        return {t: rows(con, f"SELECT * FROM {t} WHERE {where} ORDER BY ALL") for t in TABLES}


def reparse(db: Path, archive: RawArchive, extract: Extractor, **kw: object) -> ReplayResult:
    with RunLock(db):
        return reparse_file(db, archive, extract, run_id="reparse-test", **kw)  # type: ignore[arg-type]


def fixed(site: FakeSite) -> Extractor:
    """The extractor after a fix: every title reads differently."""

    def extract(raw: bytes, url: str) -> Question | None:
        found = site.extract(raw, url)
        return None if found is None else dataclasses.replace(found, title=f"{found.title} (fixed)")

    return extract


# Damage done to q1's records in the archive (a WARC file holds, in order, q1's A, q2's
# B2, q3's E broken, q1's A redesigned, C, D broken); each returns the offsets a reparse
# reports its damaged records at (None: a record not found).


def record(archive: RawArchive, body: bytes) -> tuple[Path, int, int]:
    """Where q1's record of ``body`` is: its WARC file, offset and length."""
    sha = hashlib.sha256(body).hexdigest()
    path = archive.warc_path(uid(1))
    with path.open("rb") as handle:
        for key, offset, length in warcfile.walk(handle, 0, path.stat().st_size):
            if key == (Q1, sha):
                return path, offset, length
    raise AssertionError(f"no record of {body!r}")


def flip_byte(archive: RawArchive) -> set[int | None]:
    path, offset, length = record(archive, b"C")
    raw = bytearray(path.read_bytes())
    raw[offset + length - 6] ^= 0x01  # inside the gzip trailer's CRC
    path.write_bytes(bytes(raw))
    return {offset}


def wrong_digest(archive: RawArchive) -> set[int | None]:
    """C's record rewritten to name the digest of another body (the records after it move)."""
    path, offset, length = record(archive, b"C")
    wrong = hashlib.sha256(b"not C").hexdigest()
    response = warc.Response("https://an.example/c", T0, 200)
    forged = warc.member(Q1, wrong, b"C", response, level=1)
    raw = path.read_bytes()
    path.write_bytes(raw[:offset] + forged + raw[offset + length :])
    return {None}


def truncate(archive: RawArchive) -> set[int | None]:
    path, offset, length = record(archive, b"D broken")  # the file's last record
    with path.open("r+b") as handle:
        handle.truncate(offset + length // 2)
    return {offset}


def zero_stretch(archive: RawArchive) -> set[int | None]:
    """The end of the record before C (A redesigned) and C's start, zeroed."""
    path, offset, _length = record(archive, b"C")
    before = record(archive, b"A redesigned")[1]
    with path.open("r+b") as handle:
        handle.seek(offset - 8)
        handle.write(bytes(40))
    return {before, offset}


DAMAGE: dict[str, tuple[Callable[[RawArchive], set[int | None]], int]] = {
    # name: (damage it, damaged raw_pages rows of q1: C is logged twice)
    "flipped byte": (flip_byte, 2),
    "wrong digest": (wrong_digest, 2),
    "truncated": (truncate, 1),
    "zeroed stretch": (zero_stretch, 3),  # the record before C loses its end too
}
