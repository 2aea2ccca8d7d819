"""``refresh`` against a loopback open-data host: layouts, failures, 304, bootstrap, due."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from extractors.opendata import archive_for
from flows.config import Settings
from flows.opendata_refresh import refresh
from tests.opendata.dump import record_for, zip_files, zip_list
from tests.support.pages import expected_question
from tests.support.siteserver import Fault, SiteServer
from warehouse.db import session
from warehouse.queries import due_targets

QE_PATH = archive_for(16, "QE").path  # type: ignore[union-attr]
QG_PATH = archive_for(16, "QG").path  # type: ignore[union-attr]


def _records(type_: str, numbers: range) -> list[dict[str, Any]]:
    day = dt.date(2024, 1, 9)
    return [
        record_for(expected_question(uid=f"QANR5L16{type_}{n}", question_published_on=day))
        for n in numbers
    ]


def _serve(host: SiteServer, qe: bytes, qg: bytes) -> None:
    host.pages[QE_PATH] = qe
    host.pages[QG_PATH] = qg


def _rows(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    with session(settings.db, read_only=True) as con:
        return con.execute(sql).fetchall()


def test_both_layouts_load_every_record(host: SiteServer, settings: Settings) -> None:
    _serve(host, zip_files(_records("QE", range(1, 8))), zip_list(_records("QG", range(1, 4))))
    refresh("run", dataclasses.replace(settings, opendata_url=host.base_url))
    counts = _rows(settings, "SELECT type, count(*) FROM opendata_records GROUP BY ALL ORDER BY 1")
    assert counts == [("QE", 7), ("QG", 3)]


def test_missing_questions_are_added_from_their_records(
    host: SiteServer, settings: Settings
) -> None:
    _serve(host, zip_files(_records("QE", range(1, 8))), zip_list(_records("QG", range(1, 4))))
    refresh("run", dataclasses.replace(settings, opendata_url=host.base_url))
    assert _rows(
        settings,
        "SELECT q.source, v.source, count(*) FROM questions AS q "
        "JOIN question_versions AS v USING (uid) GROUP BY ALL",
    ) == [("opendata", "opendata", 10)]


def test_a_corrupt_zip_is_recorded_and_the_others_load(
    host: SiteServer, settings: Settings
) -> None:
    _serve(host, b"PK\x03\x04 not really a zip", zip_list(_records("QG", range(1, 4))))
    summary = refresh("run", dataclasses.replace(settings, opendata_url=host.base_url))
    errors = _rows(
        settings, "SELECT type, error IS NOT NULL FROM pipeline.opendata_archives ORDER BY 1"
    )
    assert (errors, summary.records) == ([("QE", True), ("QG", False)], 3)


def test_an_unknown_layout_is_refused_with_its_reason(host: SiteServer, settings: Settings) -> None:
    _serve(host, zip_files([], extra={"odd.json": b"42"}), zip_list([]))
    refresh("run", dataclasses.replace(settings, opendata_url=host.base_url))
    (error,) = _rows(settings, "SELECT error FROM pipeline.opendata_archives WHERE type = 'QE'")[0]
    assert "neither a record nor a list of records" in error


def test_unreadable_records_are_recorded_and_the_rest_load(
    host: SiteServer, settings: Settings
) -> None:
    records = _records("QE", range(1, 6))
    records[1]["question"]["textesQuestion"]["texteQuestion"]["infoJO"]["dateJO"] = "hier"
    qe = zip_files(records, extra={"json/broken.json": b'{"question": {'})
    _serve(host, qe, zip_list([]))
    refresh("run", dataclasses.replace(settings, opendata_url=host.base_url))
    failures = _rows(settings, "SELECT uid, field FROM pipeline.opendata_failures ORDER BY ALL")
    loaded = _rows(settings, "SELECT count(*) FROM opendata_records")
    assert (failures, loaded) == ([("QANR5L16QE2", "question_published_on"), (None, None)], [(4,)])


def test_an_unchanged_archive_costs_one_304(host: SiteServer, settings: Settings) -> None:
    _serve(host, zip_files(_records("QE", range(1, 4))), zip_list([]))
    refresh("run", dataclasses.replace(settings, opendata_url=host.base_url))
    host.clear_log()
    summary = refresh("run", dataclasses.replace(settings, opendata_url=host.base_url))
    statuses = sorted(r.status or 0 for r in host.requests if r.path != "/robots.txt")
    assert (statuses, summary.archives_unchanged) == ([304, 304], 2)


def test_added_questions_are_due_first(host: SiteServer, settings: Settings) -> None:
    _serve(host, zip_files(_records("QE", range(1, 4))), zip_list(_records("QG", range(1, 2))))
    refresh("run", dataclasses.replace(settings, opendata_url=host.base_url))
    with session(settings.db) as con:
        due = due_targets(con, dt.datetime(2030, 1, 1), [16], ["QE", "QG"])
    assert [str(t.uid) for t in due] == [
        "QANR5L16QE1", "QANR5L16QE2", "QANR5L16QE3", "QANR5L16QG1"
    ]  # fmt: skip


def test_the_raw_zip_is_kept_beside_the_page_archive(host: SiteServer, settings: Settings) -> None:
    body = zip_files(_records("QE", range(1, 3)))
    _serve(host, body, zip_list([]))
    refresh("run", dataclasses.replace(settings, opendata_url=host.base_url))
    kept = settings.archive / "opendata" / "16" / QE_PATH.rsplit("/", 1)[-1]
    assert kept.read_bytes() == body


def test_a_failed_download_keeps_the_last_good_zip(host: SiteServer, settings: Settings) -> None:
    body = zip_files(_records("QE", range(1, 3)))
    _serve(host, body, zip_list([]))
    refresh("run", dataclasses.replace(settings, opendata_url=host.base_url))
    _serve(host, zip_files(_records("QE", range(1, 4))), zip_list([]))
    host.add_fault(Fault.truncate(), pattern=QE_PATH)
    refresh("run", dataclasses.replace(settings, opendata_url=host.base_url))
    folder = settings.archive / "opendata" / "16"
    assert sorted(p.name for p in folder.iterdir()) == [
        "Questions_ecrites.json.zip",
        "Questions_gouvernement.json.zip",
    ]
    assert (folder / "Questions_ecrites.json.zip").read_bytes() == body
