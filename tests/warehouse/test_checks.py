"""The warehouse's invariant counts agree with the per-page check, row by row."""

from __future__ import annotations

import duckdb
import pytest

from extractors.invariants import INVARIANTS
from tests.extractors.test_invariants import CASES, _make
from tests.warehouse.conftest import T0, seen
from warehouse.checks import invariant_counts
from warehouse.load import load_batch


@pytest.mark.parametrize("name", [row.name for row in INVARIANTS])
def test_sql_counts_the_broken_question(
    con: duckdb.DuckDBPyConnection, run_id: str, name: str
) -> None:
    load_batch(con, run_id, [seen(_make(CASES[name][0]), T0)])
    total, counts = invariant_counts(con)
    assert (total, counts[name]) == (1, 1)


@pytest.mark.parametrize("name", [row.name for row in INVARIANTS])
def test_sql_counts_nothing_on_a_kept_question(
    con: duckdb.DuckDBPyConnection, run_id: str, name: str
) -> None:
    load_batch(con, run_id, [seen(_make(CASES[name][1]), T0)])
    assert invariant_counts(con) == (1, {row.name: 0 for row in INVARIANTS})


def test_empty_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    assert invariant_counts(con) == (0, {row.name: 0 for row in INVARIANTS})
