"""The background loader: batches load in order, one in flight, errors surface."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pytest

from flows import loading
from flows.loading import Loader
from tests.warehouse.conftest import T0, question, seen
from warehouse.db import session
from warehouse.load_plan import BatchCounts
from warehouse.observation import Observation
from warehouse.runs import start_run
from warehouse.writer import Writer


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "anq.duckdb"


@pytest.fixture
def run_id(db: Path) -> str:
    with session(db) as con:
        return start_run(con, "backfill", {})


def batch(first: int, size: int = 3) -> list[Observation]:
    return [seen(question(n), T0) for n in range(first, first + size)]


def count(db: Path, sql: str) -> int:
    with session(db) as con:
        row = con.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def test_each_submit_returns_the_counts_of_the_batch_before(db: Path, run_id: str) -> None:
    with Writer(db) as writer:
        loader = Loader(writer, run_id)
        assert loader.submit(batch(1), requests=3) is None
        assert loader.submit(batch(4), requests=3) == BatchCounts(new=3)
        assert loader.wait() == BatchCounts(new=3)
        assert loader.wait() is None
        loader.close()
    assert count(db, "SELECT count(*) FROM questions") == 6
    assert count(db, "SELECT pages_new FROM runs") == 6


def test_one_load_in_flight_while_the_caller_goes_on(
    db: Path, run_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    release, started = threading.Event(), threading.Event()
    real = loading.load_batch

    def slow(
        con: duckdb.DuckDBPyConnection, rid: str, obs: Sequence[Observation], *, requests: int
    ) -> BatchCounts:
        started.set()
        assert release.wait(10)
        return real(con, rid, obs, requests=requests)

    monkeypatch.setattr(loading, "load_batch", slow)
    with Writer(db) as writer:
        loader = Loader(writer, run_id)
        loader.submit(batch(1), requests=3)
        assert started.wait(10)  # loading, and submit has returned: the next fetch may start
        release.set()
        assert loader.wait() == BatchCounts(new=3)
        loader.close()


def test_a_failed_load_raises_at_the_next_submit(
    db: Path, run_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kw: object) -> BatchCounts:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(loading, "load_batch", broken)
    with Writer(db) as writer:
        loader = Loader(writer, run_id)
        loader.submit(batch(1), requests=3)
        with pytest.raises(RuntimeError, match="disk on fire"):
            loader.submit(batch(4), requests=3)
        loader.close()


def test_close_waits_and_logs_a_failed_load(
    db: Path, run_id: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kw: object) -> BatchCounts:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(loading, "load_batch", broken)
    with Writer(db) as writer, caplog.at_level(logging.ERROR, logger="anq.pipeline"):
        loader = Loader(writer, run_id)
        loader.submit(batch(1), requests=3)
        loader.close()
    assert "could not be loaded" in caplog.text
