"""Fixtures for the analyst side: one fixture warehouse per test module, opened read-only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.analyst import warehouse_fixture
from warehouse.db import connect


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dt.date]:
    """The fixture warehouse file and the day (current_date) it was built for."""
    path = tmp_path_factory.mktemp("warehouse") / "anq.duckdb"
    today = warehouse_fixture.build(path)
    return path, today


@pytest.fixture
def con(warehouse: tuple[Path, dt.date]) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the fixture warehouse, as `anq stats/export/report` open it."""
    connection = connect(warehouse[0], read_only=True)
    yield connection
    connection.close()


@pytest.fixture
def today(warehouse: tuple[Path, dt.date]) -> dt.date:
    return warehouse[1]
