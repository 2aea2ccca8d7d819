"""The page pipeline: every target answered in order, and a batch that can be abandoned."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from extractors.http.client import PoliteClient
from extractors.uid import make_uid
from flows.pipeline import Pipeline
from tests.support.pages import render_question
from tests.support.silentsite import SilentSite
from tests.support.siteserver import SiteServer
from warehouse.archive import RawArchive
from warehouse.observation import Observation, Target

NOW = dt.datetime(2026, 3, 1, 12, 0)
LAST = 30  # numbers 1..LAST exist, except the missing ones
MISSING = {7, 20}
BROKEN = 13  # looks like a question, unreadable: an extraction failure


class Stop(Exception):
    """What the run's check raises in these tests."""


def _pages() -> dict[str, bytes]:
    pages = {}
    for n in set(range(1, LAST + 1)) - MISSING:
        uid = make_uid(16, "QE", n)
        body = render_question(uid=str(uid), title=f"Question {n}")
        if n == BROKEN:
            body = f"<html><body><main><p>{uid} : page en travaux</p></main></body></html>"
        pages[uid.path()] = body.encode()
    return pages


@pytest.fixture(scope="module")
def site() -> Iterator[SiteServer]:
    with SiteServer(seed=3, pages=_pages()) as server:
        yield server


def _targets(count: int) -> list[Target]:
    return [Target(make_uid(16, "QE", n)) for n in range(1, count + 1)]


@pytest.fixture(scope="module")
def fetched(
    site: SiteServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[Observation], int]:
    archive = RawArchive(tmp_path_factory.mktemp("raw"))
    with PoliteClient(site.base_url, rate=None) as client:
        return Pipeline(client, archive, lambda: NOW).fetch(_targets(LAST + 2))


def test_every_target_is_answered_in_order(fetched: tuple[list[Observation], int]) -> None:
    assert [obs.uid.number for obs in fetched[0]] == list(range(1, LAST + 3))


@pytest.mark.parametrize(
    ("number", "outcome"),
    [(1, "question"), (7, "not_found"), (BROKEN, "failed"), (LAST + 1, "not_found")],
)
def test_each_page_has_its_outcome(
    fetched: tuple[list[Observation], int], number: int, outcome: str
) -> None:
    assert fetched[0][number - 1].outcome == outcome


def test_requests_are_the_pages_and_robots_txt(fetched: tuple[list[Observation], int]) -> None:
    assert fetched[1] == LAST + 2 + 1


def test_an_empty_batch_asks_nothing(site: SiteServer, tmp_path: Path) -> None:
    with PoliteClient(site.base_url, rate=None) as client:
        assert Pipeline(client, RawArchive(tmp_path), lambda: NOW).fetch([]) == ([], 0)


def test_a_stuck_batch_is_abandoned_when_the_check_raises(tmp_path: Path) -> None:
    """The page thread sits in a read that never ends; the check still gets through."""
    with SilentSite() as site:
        client = PoliteClient(site.base_url, rate=None)

        def check() -> None:
            if site.held:
                raise Stop

        pipeline = Pipeline(client, RawArchive(tmp_path), lambda: NOW, check=check)
        started = time.monotonic()
        with pytest.raises(Stop):
            pipeline.fetch(_targets(3))
        took = time.monotonic() - started
        client.close()
    assert took < 10


@pytest.fixture(scope="module")
def archived(
    site: SiteServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Observation, dict[str, Any]]:
    """Question 1 fetched through the pipeline, and its record as warcio reads it."""
    archive = RawArchive(tmp_path_factory.mktemp("raw"))
    with PoliteClient(site.base_url, rate=None) as client:
        [obs], _requests = Pipeline(client, archive, lambda: NOW).fetch(_targets(1))
    assert obs.raw_at is not None
    with (archive.root / obs.raw_at.file).open("rb") as stream:
        stream.seek(obs.raw_at.offset)
        record = next(iter(ArchiveIterator(stream)))
        return obs, {
            "uri": record.rec_headers.get_header("WARC-Target-URI"),
            "date": record.rec_headers.get_header("WARC-Date"),
            "status": record.http_headers.get_statuscode(),
            "type": record.http_headers.get_header("Content-Type"),
            "body": record.content_stream().read(),
        }


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("uri", lambda obs: obs.url),
        ("date", lambda obs: "2026-03-01T12:00:00Z"),
        ("status", lambda obs: "200"),
        ("type", lambda obs: "text/html; charset=utf-8"),
        ("body", lambda obs: _pages()[obs.uid.path()]),
    ],
)
def test_the_archived_record_is_the_response_received(
    archived: tuple[Observation, dict[str, Any]], field: str, expected: Any
) -> None:
    obs, record = archived
    assert record[field] == expected(obs)
