"""Bookkeeping lives in the ``pipeline`` schema: analysts see only the public tables."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse.db import available_migrations, connect, migrate

PUBLIC = {"questions", "question_versions", "runs", "opendata_records"}
BOOKKEEPING = {
    "fetch_state",
    "raw_pages",
    "failures",
    "run_field_stats",
    "archive_damage",
    "opendata_archives",
    "opendata_failures",
    "opendata_agreement_runs",
    "schema_migrations",
}


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = ?", [schema]
    ).fetchall()
    return {row[0] for row in rows}


@pytest.fixture
def migrated(db_path: Path) -> Path:
    connect(db_path).close()
    return db_path


def test_a_plain_session_sees_only_the_public_tables_in_main(migrated: Path) -> None:
    with duckdb.connect(str(migrated), read_only=True) as con:
        assert _tables(con, "main") == PUBLIC


def test_the_bookkeeping_tables_are_in_the_pipeline_schema(migrated: Path) -> None:
    with duckdb.connect(str(migrated), read_only=True) as con:
        assert _tables(con, "pipeline") >= BOOKKEEPING


@pytest.mark.parametrize("read_only", [False, True])
def test_anq_connections_name_bookkeeping_tables_plainly(migrated: Path, read_only: bool) -> None:
    con = connect(migrated, read_only=read_only)
    try:
        assert con.execute("SELECT count(*) FROM fetch_state").fetchall() == [(0,)]
    finally:
        con.close()


def test_every_bookkeeping_table_has_a_comment(migrated: Path) -> None:
    with duckdb.connect(str(migrated), read_only=True) as con:
        rows = con.execute(
            "SELECT table_name FROM duckdb_tables() "
            "WHERE schema_name = 'pipeline' AND comment IS NULL"
        ).fetchall()
    assert {row[0] for row in rows} <= {"schema_migrations"}


def _older_file(path: Path) -> None:
    """A warehouse as migrations 1 to 5 left it: bookkeeping in main, with rows."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    for version, name, sql in available_migrations():
        if version <= 5:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
    con.execute(
        "INSERT INTO fetch_state (uid, legislature, type, number, url, last_outcome, "
        "last_attempt_at) VALUES ('QANR5L17QE1', 17, 'QE', 1, 'u', 'question', now())"
    )
    con.execute(
        "INSERT INTO failures (uid, url, run_id, stage, error, occurred_at) "
        "VALUES ('QANR5L17QE2', 'u', 'r', 'fetch', 'boom', now())"
    )
    con.close()


def test_an_older_file_keeps_its_rows_when_they_move(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    _older_file(db_path)
    con = connect(db_path)
    try:
        assert con.execute("SELECT uid FROM pipeline.fetch_state").fetchall() == [("QANR5L17QE1",)]
        assert con.execute("SELECT uid FROM pipeline.failures").fetchall() == [("QANR5L17QE2",)]
        assert _tables(con, "main") == PUBLIC
        assert migrate(con) == []
    finally:
        con.close()


def test_the_schema_refuses_an_outcome_it_does_not_know(migrated: Path) -> None:
    con = connect(migrated)
    try:
        with pytest.raises(duckdb.ConstraintException):
            con.execute(
                "INSERT INTO fetch_state (uid, legislature, type, number, url, last_outcome, "
                "last_attempt_at) VALUES ('QANR5L17QE1', 17, 'QE', 1, 'u', 'maybe', now())"
            )
    finally:
        con.close()
