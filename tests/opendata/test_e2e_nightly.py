"""``anq sync --opendata``, the nightly job, on a loopback site and dump that agree: the first
night reads every page, a quiet night asks no page an archive covers, and a page changed
without the dump (and the reverse) shows up as exactly those discrepancies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from extractors.uid import parse_uid
from tests.e2e.conftest import anq, query
from tests.e2e.site import FixtureSite, populate
from tests.opendata.dump import serve_dump
from tests.support.siteserver import RequestRecord, SiteServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PAGE_CHANGED = "QANR5L16QE4"
DUMP_CHANGED = "QANR5L16QE8"
#: The pairs the fixture site serves no archive for (their archive answers 404).
UNCOVERED = {(17, "QG"), (17, "QOSD")}


@dataclass(frozen=True)
class Nights:
    site: FixtureSite
    db: Path
    options: list[str]
    quiet_night: list[RequestRecord]  # what the second night asked


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nights]:
    with SiteServer(seed=5) as server:
        site = FixtureSite(server)
        populate(site)
        serve_dump(site)
        db = tmp_path_factory.mktemp("nightly") / "anq.duckdb"
        options = ["--opendata", "--db", str(db), "--base-url", server.base_url,
                   "--opendata-url", server.base_url, "--rate", "0", "--miss-run", "3",
                   "--legislature", "16", "--legislature", "17"]  # fmt: skip
        first = anq("sync", *options)
        assert first.code == 0, first.err
        server.clear_log()
        second = anq("sync", *options)
        assert second.code == 0, second.err
        yield Nights(site, db, options, server.requests)


def test_the_first_night_reads_every_page(nights: Nights) -> None:
    rows = query(nights.db, "SELECT DISTINCT source, template FROM questions")
    assert rows == [("page", "dyn_current")]


def test_the_first_night_finds_no_discrepancy(nights: Nights) -> None:
    assert query(nights.db, "SELECT * FROM discrepancies") == []


def test_a_quiet_night_asks_no_page_a_fresh_archive_covers(nights: Nights) -> None:
    asked = {parse_uid(r.path.rsplit("/", 1)[-1]) for r in nights.quiet_night
             if r.path.startswith("/dyn/")}  # fmt: skip
    assert {(u.legislature, u.type) for u in asked} == UNCOVERED


def test_a_quiet_night_gets_each_archive_as_a_304(nights: Nights) -> None:
    statuses = {r.status for r in nights.quiet_night if r.path.startswith("/static/")}
    assert statuses == {304, 404}  # 404: the uncovered pairs' archives


def test_each_changed_side_shows_up_after_the_next_night(nights: Nights) -> None:
    site = nights.site
    serve_dump(site, {DUMP_CHANGED: {"indexationAN": {"rubrique": "pêche", "analyses": {
        "analyse": site.expected(DUMP_CHANGED).title}}}})  # fmt: skip
    site.update(PAGE_CHANGED, title="Un titre changé sur la page seule")
    done = anq("sync", "--all-open", *nights.options)  # the page is read whatever its schedule
    assert done.code == 0, done.err
    rows = query(nights.db, "SELECT uid, field, page_value, opendata_value FROM discrepancies "
                            "ORDER BY 1")  # fmt: skip
    assert rows == [
        (PAGE_CHANGED, "title", "un titre change sur la page seule", "question inventee 4"),
        (DUMP_CHANGED, "rubrique", "agriculture", "peche"),
    ]
