"""Fetch worker processes: the same observations as in-process, in order, logs relayed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from extractors.http.client import PoliteClient
from extractors.uid import make_uid
from flows.config import Settings, resolve
from flows.pipeline import Pipeline, Target
from flows.workers import MIN_BATCH, ProcessFetcher
from tests.support.pages import render_question
from tests.support.siteserver import SiteServer
from warehouse.archive import RawArchive
from warehouse.observation import Observation

NOW = dt.datetime(2026, 3, 1, 12, 0)
LAST = 90  # numbers 1..LAST exist, except the missing ones
MISSING = {7, 40}
BROKEN = 13  # looks like a question, unreadable: an extraction failure


def _pages() -> dict[str, bytes]:
    pages = {}
    for n in range(1, LAST + 1):
        uid = make_uid(16, "QE", n)
        if n in MISSING:
            continue
        body = render_question(uid=str(uid), title=f"Question {n}")
        if n == BROKEN:
            body = f"<html><body><main><p>{uid} : page en travaux</p></main></body></html>"
        pages[uid.path()] = body.encode()
    return pages


@pytest.fixture(scope="module")
def site() -> Iterator[SiteServer]:
    with SiteServer(seed=3, pages=_pages()) as server:
        yield server


def _settings(site: SiteServer, root: Path, **extra: Any) -> Settings:
    base = resolve(db=str(root / "anq.duckdb"), base_url=site.base_url, rate=0, env={})
    return dataclasses.replace(base, now=NOW, **extra)


def _local(settings: Settings) -> Pipeline:
    client = PoliteClient(settings.base_url, rate=settings.rate)
    return Pipeline(client, RawArchive(settings.archive), settings.clock_now)


def _targets(count: int = LAST + 5) -> list[Target]:
    return [Target(make_uid(16, "QE", n)) for n in range(1, count + 1)]


@pytest.fixture(scope="module")
def both(
    site: SiteServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[list[Observation], int]]:
    """The same batch fetched in-process and over two worker processes."""
    results = {}
    for name, workers in (("local", 1), ("workers", 2)):
        settings = _settings(site, tmp_path_factory.mktemp(name))
        local = _local(settings)
        fetcher = local if workers == 1 else ProcessFetcher(local, settings, workers)
        try:
            results[name] = fetcher.fetch(_targets())
        finally:
            fetcher.close()
            local.client.close()
    return results


def test_workers_give_the_same_observations_in_the_same_order(
    both: dict[str, tuple[list[Observation], int]],
) -> None:
    assert both["workers"][0] == both["local"][0]


def test_every_target_is_answered(both: dict[str, tuple[list[Observation], int]]) -> None:
    assert [obs.uid.number for obs in both["workers"][0]] == list(range(1, LAST + 6))


def test_outcomes_cover_questions_absences_and_failures(
    both: dict[str, tuple[list[Observation], int]],
) -> None:
    outcomes = {obs.uid.number: obs.outcome for obs in both["workers"][0]}
    assert (outcomes[1], outcomes[7], outcomes[BROKEN], outcomes[LAST + 1]) == (
        "question",
        "not_found",
        "failed",
        "not_found",
    )


def test_requests_are_the_pages_and_each_serving_workers_robots_txt(
    both: dict[str, tuple[list[Observation], int]],
) -> None:
    """The local run asks robots.txt once. A worker asks it once when it serves
    its first batch; which of the two workers serve the first batch depends on
    which has started, so the two runs differ by 0 or 1 request, never more."""
    assert both["workers"][1] - both["local"][1] in (0, 1)


def test_worker_archive_reads_back(site: SiteServer, tmp_path: Path) -> None:
    settings = _settings(site, tmp_path)
    local = _local(settings)
    fetcher = ProcessFetcher(local, settings, 2)
    try:
        observations, _ = fetcher.fetch(_targets(MIN_BATCH))
    finally:
        fetcher.close()
        local.client.close()
    first = observations[0]
    assert first.raw_sha256 is not None
    body = RawArchive(settings.archive).get(first.uid, first.raw_sha256)
    assert body == site.pages[first.uid.path()]


def test_worker_log_lines_reach_this_process(
    site: SiteServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings(site, tmp_path)
    local = _local(settings)
    fetcher = ProcessFetcher(local, settings, 2)
    try:
        with caplog.at_level(logging.WARNING, logger="anq"):
            fetcher.fetch(_targets(MIN_BATCH))
    finally:
        fetcher.close()
        local.client.close()
    assert any(str(make_uid(16, "QE", BROKEN)) in r.getMessage() for r in caplog.records)


def test_a_big_batch_starts_the_workers(site: SiteServer, tmp_path: Path) -> None:
    settings = _settings(site, tmp_path)
    local = _local(settings)
    fetcher = ProcessFetcher(local, settings, 2)
    try:
        fetcher.fetch(_targets(MIN_BATCH))
        started = fetcher._pool is not None
        asked_here = local.client.requests_made
    finally:
        fetcher.close()
        local.client.close()
    assert (started, asked_here) == (True, 0)


def test_a_small_batch_stays_in_this_process(site: SiteServer, tmp_path: Path) -> None:
    settings = _settings(site, tmp_path)
    local = _local(settings)
    fetcher = ProcessFetcher(local, settings, 2)
    try:
        fetcher.fetch(_targets(MIN_BATCH - 1))
        started = fetcher._pool is not None
    finally:
        fetcher.close()
        local.client.close()
    assert started is False


def test_each_worker_gets_its_share_of_the_rate() -> None:
    settings = resolve(db="/tmp/x.duckdb", rate=3, env={})
    assert ProcessFetcher.share(settings, 3).rate == pytest.approx(1.0)


def test_an_unpaced_run_stays_unpaced_in_workers() -> None:
    settings = resolve(db="/tmp/x.duckdb", rate=0, env={})
    assert ProcessFetcher.share(settings, 2).rate is None
