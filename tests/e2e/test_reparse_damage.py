"""A damaged archive through the real ``anq`` command: ``reparse`` keeps the question it cannot
read and fails saying so, ``stats`` and ``verify-archive`` show the damage, ``compact`` works
and refuses while a run holds the warehouse."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from extractors.uid import make_uid
from tests.e2e.conftest import Done, anq, query
from tests.support.pages import render_question
from tests.support.siteserver import SiteServer
from warehouse import warcfile
from warehouse.runlock import RunLock

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DAMAGED = "QANR5L16QE3"
NOW = "2026-03-01T12:00:00"


@pytest.fixture(scope="module")
def server() -> Iterator[SiteServer]:
    pages = {
        make_uid(16, "QE", n).path(): render_question(uid=f"QANR5L16QE{n}").encode()
        for n in range(1, 7)
    }
    with SiteServer(seed=3, pages=pages) as site:
        yield site


def _tables(db: Path) -> dict[str, Any]:
    return {
        "questions": query(db, "SELECT * FROM questions ORDER BY uid"),
        "versions": query(db, "SELECT * FROM question_versions ORDER BY uid, version"),
    }


def _flip_a_byte(path: Path, uid: str) -> None:
    raw = bytearray(path.read_bytes())
    with path.open("rb") as handle:
        found = [(s, n) for k, s, n in warcfile.walk(handle, 0, len(raw)) if k and k[0] == uid]
    start, length = found[0]
    raw[start + length - 6] ^= 0x01  # in the gzip trailer's CRC
    path.write_bytes(bytes(raw))


def _records(path: Path) -> list[tuple[str, str, bool | None]]:
    """Each record as warcio reads it: its uid, status, and whether its digests pass."""
    found = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream, check_digests=True):
            record.content_stream().read()
            uid = record.rec_headers.get_header("Anq-Uid")
            found.append((uid, record.http_headers.get_statuscode(), record.digest_checker.passed))
    return found


@pytest.fixture(scope="module")
def story(server: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("damage")
    db = tmp / "anq.duckdb"
    common = ("--db", str(db))
    steps: dict[str, Any] = {"db": db}
    steps["backfill"] = anq(
        "backfill",
        *("--legislature", "16", "--type", "QE", "--from-number", "1", "--to-number", "8"),
        *("--rate", "0", "--base-url", server.base_url, *common),
        env={"ANQ_NOW": NOW},
    )
    steps["before"] = _tables(db)
    steps["records"] = _records(tmp / "anq-raw" / "16" / "QE" / "0000.warc.gz")
    _flip_a_byte(tmp / "anq-raw" / "16" / "QE" / "0000.warc.gz", DAMAGED)
    steps["reparse"] = anq("reparse", *common)
    steps["after"] = _tables(db)
    steps["state"] = query(db, "SELECT state FROM runs WHERE flow = 'reparse'")
    steps["stats"] = anq("stats", *common)
    steps["verify"] = anq("verify-archive", "--json", *common)
    with RunLock(db):
        steps["compact_locked"] = anq("compact", *common)
    steps["compact"] = anq("compact", *common)
    steps["compacted"] = _tables(db)
    return steps


def test_backfill_loads(story: dict[str, Any]) -> None:
    done: Done = story["backfill"]
    assert (done.code, len(story["before"]["questions"])) == (0, 6), done.err[-3000:]


def test_backfill_archives_standard_warc_records(story: dict[str, Any]) -> None:
    expected = [(f"QANR5L16QE{n}", "200", True) for n in range(1, 7)]
    assert sorted(story["records"]) == expected


def test_reparse_exits_non_zero_saying_how_many(story: dict[str, Any]) -> None:
    done: Done = story["reparse"]
    assert (done.code, "1 damaged archive record" in done.err) == (1, True), done.err[-3000:]


def test_reparse_names_the_damaged_record(story: dict[str, Any]) -> None:
    assert f"damaged archive record: {DAMAGED}" in story["reparse"].err


def test_reparse_run_is_failed(story: dict[str, Any]) -> None:
    assert story["state"] == [("failed",)]


@pytest.mark.parametrize("table", ["questions", "versions"])
def test_reparse_keeps_every_row(story: dict[str, Any], table: str) -> None:
    assert story["after"][table] == story["before"][table]


def test_stats_shows_the_damaged_record(story: dict[str, Any]) -> None:
    done: Done = story["stats"]
    assert (done.code, "Damaged archive records: 1" in done.out, DAMAGED in done.out) == (
        0,
        True,
        True,
    ), done.out


def test_verify_archive_reports_it(story: dict[str, Any]) -> None:
    done: Done = story["verify"]
    report = json.loads(done.out)
    assert (done.code, [f["uid"] for f in report["damaged"]]) == (1, [DAMAGED]), done.err


def test_compact_refused_while_a_run_holds_the_lock(story: dict[str, Any]) -> None:
    done: Done = story["compact_locked"]
    lines = done.err.strip().splitlines()
    assert (done.code, len(lines), "another anq run" in done.err) == (3, 1, True), done.err


def test_compact_keeps_the_tables(story: dict[str, Any]) -> None:
    done: Done = story["compact"]
    assert (done.code, story["compacted"]) == (0, story["after"]), done.err[-3000:]
