"""The read helpers the flows use to decide what to fetch."""

from __future__ import annotations

import datetime as dt

import duckdb

from tests.warehouse.conftest import T0, answered, question, seen, uid
from tests.warehouse.test_load import failed, not_found
from warehouse.load import load_batch
from warehouse.queries import (
    Target,
    count_due,
    due_targets,
    known_numbers,
    resume_numbers,
    validators,
)

DAY = dt.timedelta(days=1)


def _load_mix(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    load_batch(
        con,
        run_id,
        [
            seen(question(1), T0, etag='"e1"'),
            seen(answered(question(2)), T0, etag='"e2"'),
            not_found(3, T0),
            failed(4, T0),
            seen(question(9, type_="QG"), T0),
            seen(question(5, legislature=16), T0),
        ],
    )


def test_known_numbers(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    _load_mix(con, run_id)
    assert known_numbers(con, 17, "QE") == 2
    assert known_numbers(con, 17, "QG") == 9
    assert known_numbers(con, 17, "QOSD") == 0


def test_due_targets_open_due_and_failed(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    _load_mix(con, run_id)
    assert [str(t.uid) for t in due_targets(con, T0, [17], ["QE"])] == [str(uid(4))]
    tomorrow = due_targets(con, T0 + DAY, [17], ["QE", "QG"])
    assert tomorrow == [
        Target(uid(1), '"e1"', None),
        Target(uid(4), None, None),
        Target(uid(9, type_="QG"), None, None),
    ]
    assert [str(t.uid) for t in due_targets(con, T0, [16], ["QE"], all_open=True)] == [
        str(uid(5, legislature=16))
    ]
    assert count_due(con, T0 + DAY).total == 4


def test_resume_numbers_settled_only(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    _load_mix(con, run_id)
    assert resume_numbers(con, 17, "QE", 1, 100) == {1, 2, 3}
    assert resume_numbers(con, 17, "QE", 2, 3) == {2, 3}
    assert resume_numbers(con, 17, "QE", 2) == {2, 3}


def test_validators_only_where_a_question_is_held(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> None:
    _load_mix(con, run_id)
    assert validators(con, [uid(1), uid(2), uid(3), uid(4)]) == {
        uid(1): ('"e1"', None),
        uid(2): ('"e2"', None),
    }
    assert validators(con, []) == {}
