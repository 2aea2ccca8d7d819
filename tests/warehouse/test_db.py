"""connect(): migrations, patience with a busy file."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from tests.support.holder import hold
from warehouse.db import DatabaseLocked, available_migrations, connect, migrate, session


def test_connect_creates_parent_dirs_and_applies_every_migration(db_path: Path) -> None:
    with session(db_path) as con:
        versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()]
    assert db_path.exists()
    assert versions == [v for v, _, _ in available_migrations()]
    assert versions[0] == 1


def test_migrations_are_applied_once(db_path: Path) -> None:
    with session(db_path) as con:
        first = con.execute("SELECT version, applied_at FROM schema_migrations").fetchall()
    with session(db_path) as con:
        assert migrate(con) == []
        again = con.execute("SELECT version, applied_at FROM schema_migrations").fetchall()
    assert again == first


def test_schema_has_the_contract_tables(con: duckdb.DuckDBPyConnection) -> None:
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    expected = {"questions", "question_versions", "runs", "fetch_state", "raw_pages", "failures"}
    assert expected <= tables


def test_read_only_connection_does_not_migrate(db_path: Path) -> None:
    with session(db_path):
        pass
    with session(db_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM questions").fetchall() == [(0,)]


def test_connect_waits_while_another_process_holds_the_file(db_path: Path) -> None:
    with session(db_path):
        pass
    holder = hold(db_path, 2.0)
    try:
        started = time.monotonic()
        con = connect(db_path, wait=60)
        waited = time.monotonic() - started
        con.close()
    finally:
        holder.wait(timeout=30)
    assert waited >= 1.0


def test_connect_gives_up_with_database_locked(db_path: Path) -> None:
    with session(db_path):
        pass
    holder = hold(db_path, 3.0)
    try:
        with pytest.raises(DatabaseLocked, match="held by another process"):
            connect(db_path, wait=0.3)
    finally:
        holder.wait(timeout=30)
