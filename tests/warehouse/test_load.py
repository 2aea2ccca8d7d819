"""load_batch: what each outcome writes, versions, idempotence, counters."""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import pytest

from tests.warehouse.conftest import T0, answered, question, rows, seen, uid
from warehouse.load import load_batch, load_questions
from warehouse.load_plan import BatchCounts
from warehouse.observation import Observation

DAY = dt.timedelta(days=1)
SHA_A, SHA_B = "a" * 64, "b" * 64


def not_modified(number: int, at: dt.datetime, **kw: object) -> Observation:
    u = uid(number)
    return Observation(u, f"https://x{u.path()}", at, "not_modified", http_status=304, **kw)  # type: ignore[arg-type]


def not_found(number: int, at: dt.datetime) -> Observation:
    u = uid(number)
    return Observation(u, f"https://x{u.path()}", at, "not_found", http_status=404)


def failed(number: int, at: dt.datetime, stage: str = "extract") -> Observation:
    u = uid(number)
    return Observation(
        u,
        f"https://x{u.path()}",
        at,
        "failed",
        http_status=200,
        error="no title",
        error_stage=stage,
        error_field="title",
        raw_sha256=SHA_B,
        raw_size=10,
    )


def version_chain(con: duckdb.DuckDBPyConnection, number: int) -> list[tuple[object, ...]]:
    return rows(
        con,
        "SELECT version, valid_from, valid_to, status FROM question_versions WHERE uid = ? "
        "ORDER BY version",
        str(uid(number)),
    )


def test_new_question_inserts_row_and_first_version(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    counts = load_batch(con, run_id, [seen(question(1), T0)], requests=1)
    assert counts == BatchCounts(new=1)
    got = rows(
        con,
        "SELECT first_seen_at, last_fetched_at, last_changed_at, status, title, "
        "template, content_hash FROM questions",
    )
    assert got == [(T0, T0, T0, "open", "Question 1", "dyn_current", question(1).content_hash())]
    assert version_chain(con, 1) == [(1, T0, None, "open")]


def test_changed_question_closes_previous_version(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    q1 = question(1)
    load_batch(con, run_id, [seen(q1, T0)])
    counts = load_batch(con, run_id, [seen(answered(q1), T0 + DAY)])
    assert counts == BatchCounts(changed=1, newly_answered=1)
    load_batch(con, run_id, [seen(dataclasses.replace(answered(q1), title="Autre"), T0 + 2 * DAY)])
    assert version_chain(con, 1) == [
        (1, T0, T0 + DAY, "open"),
        (2, T0 + DAY, T0 + 2 * DAY, "answered"),
        (3, T0 + 2 * DAY, None, "answered"),
    ]
    got = rows(con, "SELECT first_seen_at, last_fetched_at, last_changed_at, title FROM questions")
    assert got == [(T0, T0 + 2 * DAY, T0 + 2 * DAY, "Autre")]


def test_unchanged_question_touches_only_last_fetched_at(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    q1 = question(1)
    load_batch(con, run_id, [seen(q1, T0)])
    before = rows(con, "SELECT * EXCLUDE (last_fetched_at) FROM questions")
    moved = dataclasses.replace(q1, url="https://elsewhere/redirected", template="dyn_2017")
    counts = load_batch(con, run_id, [seen(moved, T0 + DAY)])
    assert counts == BatchCounts(unchanged=1)
    assert rows(con, "SELECT * EXCLUDE (last_fetched_at) FROM questions") == before
    assert rows(con, "SELECT last_fetched_at FROM questions") == [(T0 + DAY,)]
    assert rows(con, "SELECT url FROM pipeline.fetch_state") == [("https://elsewhere/redirected",)]
    assert version_chain(con, 1) == [(1, T0, None, "open")]


def test_not_modified_touches_last_fetched_at_and_keeps_validators(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    load_batch(con, run_id, [seen(question(1), T0, etag='"v1"', last_modified="Mon")])
    counts = load_batch(con, run_id, [not_modified(1, T0 + DAY)])
    assert counts == BatchCounts(unchanged=1, not_modified=1)
    assert rows(con, "SELECT last_fetched_at, last_changed_at FROM questions") == [(T0 + DAY, T0)]
    assert rows(
        con, "SELECT etag, last_modified, last_outcome, last_http_status FROM pipeline.fetch_state"
    ) == [('"v1"', "Mon", "not_modified", 304)]


def test_not_found_writes_fetch_state_only(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    counts = load_batch(con, run_id, [not_found(7, T0)])
    assert counts == BatchCounts(not_found=1)
    assert rows(con, "SELECT count(*) FROM questions") == [(0,)]
    assert rows(
        con, "SELECT last_outcome, next_due_at, last_success_at FROM pipeline.fetch_state"
    ) == [("not_found", None, T0)]


def test_failure_is_recorded_and_leaves_the_question_alone(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    load_batch(con, run_id, [seen(question(1), T0, etag='"v1"')])
    before = rows(con, "SELECT * FROM questions")
    counts = load_batch(con, run_id, [failed(1, T0 + DAY)])
    assert counts == BatchCounts(failures=1)
    load_batch(con, run_id, [failed(1, T0 + 2 * DAY)])
    assert rows(con, "SELECT * FROM questions") == before
    assert rows(
        con,
        "SELECT etag, last_outcome, consecutive_failures, next_due_at, last_success_at "
        "FROM pipeline.fetch_state",
    ) == [('"v1"', "failed", 2, T0 + 2 * DAY, T0)]
    assert rows(
        con,
        "SELECT uid, run_id, stage, error, field, sha256, occurred_at, resolved_at "
        "FROM pipeline.failures ORDER BY occurred_at",
    ) == [
        (str(uid(1)), run_id, "extract", "no title", "title", SHA_B, T0 + DAY, None),
        (str(uid(1)), run_id, "extract", "no title", "title", SHA_B, T0 + 2 * DAY, None),
    ]


def test_success_resolves_open_failures(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    load_batch(con, run_id, [failed(1, T0), failed(2, T0)])
    load_batch(con, run_id, [seen(question(1), T0 + DAY)])
    assert rows(con, "SELECT uid, resolved_at FROM pipeline.failures ORDER BY uid") == [
        (str(uid(1)), T0 + DAY),
        (str(uid(2)), None),
    ]
    assert rows(con, "SELECT consecutive_failures FROM pipeline.fetch_state ORDER BY uid") == [
        (0,),
        (1,),
    ]


def test_raw_pages_logs_only_changes_of_body(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    q1 = question(1)
    for i, sha in enumerate([SHA_A, SHA_A, SHA_B, SHA_A]):
        load_batch(con, run_id, [seen(q1, T0 + i * DAY, raw_sha256=sha, raw_size=100)])
    assert rows(
        con,
        "SELECT sha256, fetched_at, http_status, size FROM pipeline.raw_pages ORDER BY fetched_at",
    ) == [
        (SHA_A, T0, 200, 100),
        (SHA_B, T0 + 2 * DAY, 200, 100),
        (SHA_A, T0 + 3 * DAY, 200, 100),
    ]


def test_duplicate_uids_in_a_batch_last_wins(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    q1 = question(1)
    batch = [seen(q1, T0), seen(answered(q1), T0 + dt.timedelta(seconds=1)), seen(question(2), T0)]
    counts = load_batch(con, run_id, batch)
    assert counts == BatchCounts(new=2, newly_answered=1)
    assert rows(con, "SELECT uid, status FROM questions ORDER BY uid") == [
        (str(uid(1)), "answered"),
        (str(uid(2)), "open"),
    ]


def test_loading_the_same_batch_twice_changes_nothing(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    batch = [
        seen(question(1), T0, raw_sha256=SHA_A, raw_size=1, etag='"e"'),
        seen(answered(question(2)), T0, raw_sha256=SHA_B, raw_size=1),
        not_found(3, T0),
        failed(4, T0),
    ]
    load_batch(con, run_id, batch)
    tables = ["questions", "question_versions", "fetch_state", "raw_pages", "failures"]
    before = {t: rows(con, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}
    again = load_batch(con, run_id, batch)
    assert again == BatchCounts(unchanged=2, not_found=1)
    assert {t: rows(con, f"SELECT * FROM {t} ORDER BY ALL") for t in tables} == before


def test_new_rows_that_arrive_closed_count_as_newly_closed(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    withdrawn = dataclasses.replace(
        question(2), status="withdrawn", closed_on=dt.date(2026, 3, 1), closure_reason="Retrait"
    )
    counts = load_batch(con, run_id, [seen(answered(question(1)), T0), seen(withdrawn, T0)])
    assert counts == BatchCounts(new=2, newly_answered=1, newly_withdrawn=1)
    later = load_batch(
        con, run_id, [seen(dataclasses.replace(answered(question(1)), title="x"), T0 + DAY)]
    )
    assert later == BatchCounts(changed=1)


def test_run_counters_add_up_in_the_same_transaction(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    load_batch(con, run_id, [seen(question(1), T0), not_found(2, T0), failed(3, T0)], requests=5)
    load_batch(
        con, run_id, [seen(answered(question(1)), T0 + DAY), not_modified(5, T0)], requests=4
    )
    got = rows(
        con,
        "SELECT requests, pages_new, pages_changed, pages_unchanged, not_found, failures, "
        "not_modified, newly_answered, newly_withdrawn FROM runs WHERE run_id = ?",
        run_id,
    )
    assert got == [(9, 1, 1, 1, 1, 1, 1, 1, 0)]


def test_unknown_run_rolls_the_batch_back(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="no run"):
        load_batch(con, "nope", [seen(question(1), T0)])
    assert rows(con, "SELECT count(*) FROM questions") == [(0,)]
    assert rows(con, "SELECT count(*) FROM pipeline.fetch_state") == [(0,)]


def test_question_outcome_requires_a_matching_question(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    with pytest.raises(ValueError, match="carries question"):
        load_batch(con, run_id, [dataclasses.replace(seen(question(1), T0), uid=uid(2))])


def test_next_due_follows_the_policy(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    load_batch(con, run_id, [seen(question(1), T0), seen(answered(question(2)), T0)])
    due = rows(con, "SELECT uid, next_due_at IS NOT NULL FROM pipeline.fetch_state ORDER BY uid")
    assert due == [(str(uid(1)), True), (str(uid(2)), False)]


def test_empty_batch_only_counts_requests(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    assert load_batch(con, run_id, [], requests=3) == BatchCounts()
    assert rows(con, "SELECT requests FROM runs") == [(3,)]


def test_aware_timestamps_are_refused(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    aware = T0.replace(tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="naive UTC"):
        load_batch(con, run_id, [seen(question(1), aware)])


def test_load_questions_looks_up_a_uid_not_claimed_new(con: duckdb.DuckDBPyConnection) -> None:
    load_questions(con, [seen(question(1), T0)], new={str(uid(1))})
    counts = load_questions(con, [seen(question(1, title="Autre"), T0 + DAY)])
    assert counts == BatchCounts(changed=1)
    assert [v[0] for v in version_chain(con, 1)] == [1, 2]


def test_load_questions_refuses_a_held_uid_claimed_new(con: duckdb.DuckDBPyConnection) -> None:
    """A wrong claim fails on the primary key, and the batch loads nothing."""
    load_questions(con, [seen(question(1), T0)])
    later = [seen(question(2), T0 + DAY), seen(question(1, title="Autre"), T0 + DAY)]
    with pytest.raises(duckdb.ConstraintException):
        load_questions(con, later, new={str(uid(1)), str(uid(2))})
    assert rows(con, "SELECT uid, title FROM questions") == [(str(uid(1)), "Question 1")]
