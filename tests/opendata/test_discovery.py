"""Where ``sync`` probes for new numbers once an archive lists them: past the highest number
held or listed, and past a fresh archive's end only for the weekly safety probe."""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import pytest

from extractors.model import Question
from extractors.opendata import RecordItem, archive_for
from flows.opendata_load import stage_row
from tests.opendata.dump import record_for
from tests.warehouse.conftest import T0, question, seen
from warehouse import opendata as od
from warehouse import policy
from warehouse.load import load_batch
from warehouse.queries import DiscoveryStart, discovery_start

ARC = archive_for(17, "QE")
assert ARC is not None
DAY = dt.timedelta(days=1)
MISS_RUN = 10


def _archive(
    con: duckdb.DuckDBPyConnection, questions: list[Question], at: dt.datetime,
    published: dt.datetime | None = None,
) -> None:  # fmt: skip
    """Load an archive (Last-Modified ``published``, default ``at``) at ``at``."""
    date = published or at
    rows = [stage_row(RecordItem("m", 0, record_for(q)), ARC, "https://x", date, at)
            for q in questions]  # fmt: skip
    od.load_records(con, [r for r in rows if isinstance(r, dict)])
    od.save_archive(con, {"legislature": 17, "type": "QE", "path": ARC.path, "fetched_at": at,
                          "error": None, "archive_date": date, "loaded_at": at})  # fmt: skip
    od.bootstrap(con, 17, "QE", at, at)


def _start(con: duckdb.DuckDBPyConnection, at: dt.datetime) -> DiscoveryStart:
    return discovery_start(con, 17, "QE", at)


@pytest.mark.parametrize(
    ("covered", "probed_ago", "span"),
    [
        (False, None, MISS_RUN),  # no fresh archive: the nightly probe
        (False, DAY, MISS_RUN),
        (True, None, policy.SAFETY_PROBE_SPAN),  # never probed past this archive
        (True, DAY, 0),
        (True, 6 * DAY, 0),
        (True, 7 * DAY - policy.GRACE, policy.SAFETY_PROBE_SPAN),  # a week, the run's slack off
        (True, 30 * DAY, policy.SAFETY_PROBE_SPAN),
    ],
)
def test_discovery_span(covered: bool, probed_ago: dt.timedelta | None, span: int) -> None:
    probed = None if probed_ago is None else T0 - probed_ago
    assert policy.discovery_span(covered, probed, T0, MISS_RUN) == span


def test_without_an_archive_discovery_starts_past_the_highest_number_held(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    load_batch(con, run_id, [seen(question(n), T0) for n in (1, 4)])
    assert _start(con, T0) == DiscoveryStart(5, False, None)


def test_a_fresh_archive_covers_the_numbers_it_lists(con: duckdb.DuckDBPyConnection) -> None:
    _archive(con, [question(n) for n in (1, 2, 6)], T0)
    assert _start(con, T0 + DAY) == DiscoveryStart(7, True, None)


def test_a_listed_number_that_could_not_be_added_needs_no_probe(
    con: duckdb.DuckDBPyConnection,
) -> None:
    odd = dataclasses.replace(question(8), status="withdrawn", closed_on=dt.date(2026, 3, 1),
                              closure_reason="Une raison inconnue")  # fmt: skip
    _archive(con, [question(1), odd], T0)
    assert _start(con, T0).start == 9


def test_pages_past_the_archive_end_uncover_the_pair(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    _archive(con, [question(1), question(2)], T0)
    load_batch(con, run_id, [seen(question(3), T0 + DAY)])  # the site is ahead of the dump
    assert _start(con, T0 + DAY) == DiscoveryStart(4, False, None)


def test_a_stale_archive_covers_nothing(con: duckdb.DuckDBPyConnection) -> None:
    _archive(con, [question(1)], T0, published=T0 - policy.ARCHIVE_FRESH - DAY)
    assert _start(con, T0).covered is False


def test_the_safety_probe_is_remembered(con: duckdb.DuckDBPyConnection) -> None:
    _archive(con, [question(1)], T0)
    od.mark_probed(con, 17, "QE", T0 + DAY)
    assert _start(con, T0 + DAY).probed_at == T0 + DAY
