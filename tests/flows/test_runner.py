"""A run writes its private copy and publishes it when it ends, however it ends; a
read-only session held on ``--db`` all along is never in its way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.config import Settings
from flows.config_resolve import resolve
from flows.runner import open_run
from warehouse.db import connect
from warehouse.publish import working_path


def _runs(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute("SELECT flow, state FROM runs ORDER BY started_at").fetchall()


def _published(db: Path, reader: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """What a new session sees. Within one process DuckDB hands a new connection the
    database a connection still open on that path holds: close the reader first."""
    reader.close()
    with duckdb.connect(str(db), read_only=True) as con:
        return _runs(con)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    db = tmp_path / "anq.duckdb"
    connect(db).close()  # a published warehouse, no run yet
    return resolve({"db": str(db)})


@pytest.fixture
def reader(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """An analyst's session, open on ``--db`` for the whole test."""
    con = duckdb.connect(str(settings.db), read_only=True)
    yield con
    con.close()


def test_the_run_writes_the_working_copy(settings: Settings) -> None:
    with open_run("fetch", settings, {}, network=False) as run:
        written = run.settings.db
    assert written == working_path(settings.db)


def test_nothing_is_published_before_the_run_ends(
    settings: Settings, reader: duckdb.DuckDBPyConnection
) -> None:
    before = settings.db.stat().st_ino
    with open_run("fetch", settings, {}, network=False) as run:
        with duckdb.connect(str(run.settings.db), read_only=True) as copy:
            written = _runs(copy)  # the run's own row, in its copy
        during = settings.db.stat().st_ino
    assert (written, during) == ([("fetch", "running")], before)


def test_the_run_is_published_when_it_completes(
    settings: Settings, reader: duckdb.DuckDBPyConnection
) -> None:
    with open_run("fetch", settings, {}, network=False):
        pass
    assert _published(settings.db, reader) == [("fetch", "completed")]


def test_a_held_session_keeps_the_state_it_opened(
    settings: Settings, reader: duckdb.DuckDBPyConnection
) -> None:
    with open_run("fetch", settings, {}, network=False):
        pass
    assert _runs(reader) == []


def test_a_failed_run_is_published_failed(
    settings: Settings, reader: duckdb.DuckDBPyConnection
) -> None:
    with pytest.raises(ZeroDivisionError), open_run("fetch", settings, {}, network=False):
        raise ZeroDivisionError
    assert _published(settings.db, reader) == [("fetch", "failed")]


@pytest.mark.parametrize("fails", [False, True], ids=["completed", "failed"])
def test_no_copy_or_lock_file_is_left(settings: Settings, fails: bool) -> None:
    expected: AbstractContextManager[object] = (
        pytest.raises(ZeroDivisionError) if fails else nullcontext()
    )
    with expected, open_run("fetch", settings, {}, network=False):
        if fails:
            raise ZeroDivisionError
    left = sorted(p.name for p in settings.db.parent.iterdir())
    assert left == [settings.db.name]
