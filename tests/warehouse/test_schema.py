"""The schema states its guarantees (CHECK constraints) and describes itself (comments)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from warehouse.db import connect

PUBLIC_VIEWS = ["open_questions", "overdue_questions", "answer_delays", "daily_activity",
                "status_changes", "discrepancies"]  # fmt: skip
PUBLIC_TABLES = ["questions", "question_versions", "runs", "opendata_records"]

_QUESTION = {"uid": "'QANR5L16QE1'", "legislature": "16", "type": "'QE'", "number": "1",
             "url": "'u'", "status": "'open'", "first_seen_at": "now()",
             "last_fetched_at": "now()", "last_changed_at": "now()", "content_hash": "'h'",
             "source": "'page'"}  # fmt: skip


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(tmp_path / "w.duckdb")
    yield connection
    connection.close()


def _insert(con: duckdb.DuckDBPyConnection, **changes: str) -> None:
    row = {**_QUESTION, **changes}
    con.execute(f"INSERT INTO questions ({', '.join(row)}) VALUES ({', '.join(row.values())})")


def test_a_valid_question_is_accepted(con: duckdb.DuckDBPyConnection) -> None:
    _insert(con)
    assert con.execute("SELECT count(*) FROM questions").fetchone() == (1,)


@pytest.mark.parametrize(
    "change",
    [{"status": "'closed'"}, {"type": "'QX'"}, {"legislature": "0"}, {"number": "0"},
     {"source": "'scraper'"}],
)  # fmt: skip
def test_an_impossible_question_is_refused(
    con: duckdb.DuckDBPyConnection, change: dict[str, str]
) -> None:
    with pytest.raises(duckdb.ConstraintException):
        _insert(con, **change)


def test_an_unknown_run_state_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(duckdb.ConstraintException):
        con.execute(
            "INSERT INTO runs (run_id, flow, started_at, state) VALUES ('r', 'sync', now(), 'done')"
        )


def test_every_column_of_questions_is_described(con: duckdb.DuckDBPyConnection) -> None:
    bare = con.execute(
        "SELECT column_name FROM duckdb_columns()"
        " WHERE table_name = 'questions' AND comment IS NULL"
    ).fetchall()
    assert bare == []


@pytest.mark.parametrize("name", PUBLIC_TABLES)
def test_every_public_table_is_described(con: duckdb.DuckDBPyConnection, name: str) -> None:
    (comment,) = con.execute(
        "SELECT comment FROM duckdb_tables() WHERE table_name = ?", [name]
    ).fetchone() or (None,)
    assert comment


@pytest.mark.parametrize("name", PUBLIC_VIEWS)
def test_every_public_view_is_described(con: duckdb.DuckDBPyConnection, name: str) -> None:
    (comment,) = con.execute(
        "SELECT comment FROM duckdb_views() WHERE view_name = ?", [name]
    ).fetchone() or (None,)
    assert comment
