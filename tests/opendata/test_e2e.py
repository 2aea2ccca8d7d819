"""``anq opendata`` then ``anq sync`` on a loopback site whose pages and dump agree, then
a page changed without the dump and the dump changed without the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import anq, query
from tests.e2e.site import FixtureSite, populate
from tests.opendata.dump import serve_dump
from tests.support.siteserver import SiteServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PAGE_CHANGED = "QANR5L16QE4"
DUMP_CHANGED = "QANR5L16QE8"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FixtureSite, list[str]]]:
    with SiteServer(seed=3) as server:
        site = FixtureSite(server)
        populate(site)
        serve_dump(site)
        tmp = tmp_path_factory.mktemp("opendata")
        yield site, _options(tmp, server.base_url)


def _options(tmp: Path, url: str) -> list[str]:
    return ["--db", str(tmp / "anq.duckdb"), "--base-url", url, "--opendata-url", url,
            "--rate", "0", "--legislature", "16", "--legislature", "17"]  # fmt: skip


def _sync_options(options: list[str]) -> list[str]:
    i = options.index("--opendata-url")
    return [*options[:i], *options[i + 2 :], "--miss-run", "3"]


@pytest.fixture(scope="module")
def first_run(world: tuple[FixtureSite, list[str]]) -> tuple[FixtureSite, Path]:
    site, options = world
    assert anq("opendata", *options).code == 0
    db = Path(options[1])
    assert query(db, "SELECT DISTINCT source FROM questions") == [("opendata",)]
    done = anq("sync", *_sync_options(options))
    assert done.code == 0, done.err
    assert anq("opendata", *options).code == 0  # 304s; heals source
    return site, db


def test_every_question_arrives_from_the_dump_first(first_run: tuple[FixtureSite, Path]) -> None:
    site, db = first_run
    assert query(db, "SELECT count(*) FROM opendata_records") == [(len(site.specs),)]


def test_pages_and_dump_that_agree_show_no_discrepancy(
    first_run: tuple[FixtureSite, Path],
) -> None:
    _, db = first_run
    assert query(db, "SELECT * FROM discrepancies") == []


def test_every_row_is_read_from_its_page_after_sync(first_run: tuple[FixtureSite, Path]) -> None:
    _, db = first_run
    assert query(db, "SELECT DISTINCT source, template FROM questions") == [("page", "dyn_current")]


def test_only_the_changed_side_shows_up(
    first_run: tuple[FixtureSite, Path], world: tuple[FixtureSite, list[str]]
) -> None:
    site, db = first_run
    _, options = world
    serve_dump(site, {DUMP_CHANGED: {"indexationAN": {"rubrique": "pêche", "analyses": {
        "analyse": site.expected(DUMP_CHANGED).title}}}})  # fmt: skip
    site.update(PAGE_CHANGED, title="Un titre changé sur la page seule")  # after the dump
    assert anq("opendata", *options).code == 0
    assert anq("fetch", PAGE_CHANGED, *_sync_options(options)[:6]).code == 0
    rows = query(db, "SELECT uid, field, page_value, opendata_value FROM discrepancies ORDER BY 1")
    assert rows == [
        (PAGE_CHANGED, "title", "un titre change sur la page seule", "question inventee 4"),
        (DUMP_CHANGED, "rubrique", "agriculture", "peche"),
    ]
