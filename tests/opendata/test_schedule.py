"""Which pages are due once an archive covers them: the night's changes first, the age
schedule replaced by a safety refresh, a lagging page asked again for a while only."""

from __future__ import annotations

import datetime as dt

import duckdb

from extractors.model import Question
from extractors.opendata import RecordItem, archive_for
from flows.opendata_load import stage_row
from flows.report.stats import stats
from tests.opendata.dump import record_for
from tests.warehouse.conftest import T0, answered, question, seen
from warehouse import opendata as od
from warehouse.db import READER_MEMORY
from warehouse.load import load_batch
from warehouse.queries import due_targets

ARC = archive_for(17, "QE")
assert ARC is not None
DAY = dt.timedelta(days=1)


def _archive(con: duckdb.DuckDBPyConnection, questions: list[Question], at: dt.datetime) -> int:
    """Load an archive published and loaded at ``at``; the pages it made due."""
    rows = [
        stage_row(RecordItem("m", 0, record_for(q)), ARC, "https://x", at, at) for q in questions
    ]
    od.load_records(con, [r for r in rows if isinstance(r, dict)])
    od.save_archive(con, {"legislature": 17, "type": "QE", "path": ARC.path, "fetched_at": at,
                          "error": None, "archive_date": at, "loaded_at": at})  # fmt: skip
    od.bootstrap(con, 17, "QE", at, at)
    return od.mark_due(con, 17, "QE", at, at)


def _due(con: duckdb.DuckDBPyConnection, at: dt.datetime) -> list[str]:
    return [str(t.uid) for t in due_targets(con, at, [17], ["QE"])]


def test_without_an_archive_the_age_schedule_applies(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    load_batch(con, run_id, [seen(question(1), T0)])
    assert _due(con, T0 + 2 * DAY) == ["QANR5L17QE1"]


def test_a_covered_open_question_is_not_due_on_the_age_schedule(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    load_batch(con, run_id, [seen(question(1), T0)])
    _archive(con, [question(1)], T0 + 2 * DAY)
    assert _due(con, T0 + 2 * DAY) == []


def test_the_safety_refresh_reads_it_after_four_weeks(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    load_batch(con, run_id, [seen(question(1), T0)])
    _archive(con, [question(1)], T0 + 29 * DAY)
    assert _due(con, T0 + 29 * DAY) == ["QANR5L17QE1"]


def test_an_archive_showing_an_answer_makes_that_page_due_first(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    load_batch(con, run_id, [seen(question(n), T0) for n in (1, 2, 3)])
    made = _archive(con, [question(1), answered(question(2)), question(3)], T0 + DAY)
    assert (made, _due(con, T0 + DAY)) == (1, ["QANR5L17QE2"])


def test_a_new_number_in_the_archive_is_added_and_due(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    load_batch(con, run_id, [seen(question(1), T0)])
    _archive(con, [question(1), question(2)], T0 + DAY)
    assert _due(con, T0 + DAY) == ["QANR5L17QE2"]


def test_a_page_read_after_the_archive_is_not_asked_again(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    load_batch(con, run_id, [seen(question(2), T0)])
    _archive(con, [answered(question(2))], T0 + DAY)
    load_batch(con, run_id, [seen(question(2), T0 + DAY + dt.timedelta(hours=1))])  # site lags
    assert _due(con, T0 + 2 * DAY) == []


def test_a_lagging_page_is_asked_again_after_the_next_archive(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    load_batch(con, run_id, [seen(question(2), T0)])
    _archive(con, [answered(question(2))], T0 + DAY)
    load_batch(con, run_id, [seen(question(2), T0 + DAY + dt.timedelta(hours=1))])
    assert _archive(con, [answered(question(2))], T0 + 2 * DAY) == 1


def test_a_disagreement_older_than_the_retry_window_is_left_to_discrepancies(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    load_batch(con, run_id, [seen(question(2), T0)])
    _archive(con, [answered(question(2))], T0 + DAY)
    load_batch(con, run_id, [seen(question(2), T0 + 9 * DAY)])
    assert _archive(con, [answered(question(2))], T0 + 10 * DAY) == 0


def test_stats_count_what_sync_would_refresh(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    load_batch(con, run_id, [seen(question(n), T0) for n in (1, 2, 3)])
    _archive(con, [question(1), answered(question(2)), question(3)], T0 + 2 * DAY)
    con.execute(f"SET memory_limit = '{READER_MEMORY}'")  # the budget `anq stats` opens with
    report = stats(con, T0 + 2 * DAY)
    assert report.due_refetches == len(_due(con, T0 + 2 * DAY)) == 1
