"""Stage tables: typed rows in, dropped after, and no Arrow library in a loading process."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from warehouse import staging as st

TYPES = {"s": "VARCHAR", "i": "INTEGER", "b": "BIGINT", "d": "DATE", "t": "TIMESTAMP"}
ROWS = [
    {
        "s": "é\n\u00a0x",
        "i": 7,
        "b": 2**40,
        "d": dt.date(2026, 3, 2),
        "t": dt.datetime(2026, 3, 2, 2),
    },
    {"s": None, "i": None, "b": None, "d": None, "t": None},
    {"i": -1},  # a missing key is NULL
]
REPO = Path(__file__).resolve().parents[2]


def staged_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute("SELECT s, i, b, d, t FROM stage_x").fetchall()


def test_staged_keeps_values_and_types() -> None:
    with duckdb.connect() as con, st.staged(con, "stage_x", ROWS, TYPES):
        assert staged_rows(con) == [
            tuple(ROWS[0].values()),
            (None,) * 5,
            (None, -1, None, None, None),
        ]
        kinds = con.execute("SELECT column_type FROM (DESCRIBE stage_x)").fetchall()
        assert [k[0] for k in kinds] == list(TYPES.values())


def test_an_empty_batch_keeps_its_columns() -> None:
    with duckdb.connect() as con, st.staged(con, "stage_x", [], TYPES):
        assert staged_rows(con) == []
        kinds = con.execute("SELECT column_type FROM (DESCRIBE stage_x)").fetchall()
        assert [k[0] for k in kinds] == list(TYPES.values())


def test_staged_drops_its_table_after_the_block() -> None:
    with duckdb.connect() as con:
        with st.staged(con, "stage_x", ROWS, TYPES):
            assert len(staged_rows(con)) == 3
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone() == (
            0,
        )


def test_a_rolled_back_batch_leaves_no_stage_table() -> None:
    with duckdb.connect() as con:
        con.execute("BEGIN TRANSACTION")
        with pytest.raises(duckdb.Error):
            st.run_steps(
                con, [(True, "SELECT no_such_column FROM stage_x", "stage_x", ROWS, TYPES)]
            )
        con.execute("ROLLBACK")
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone() == (
            0,
        )


def test_loading_never_imports_pyarrow(tmp_path: Path) -> None:
    """pyarrow would add about 40 MB to every process that loads (docs/benchmarks.md)."""
    script = textwrap.dedent(
        f"""
        import sys
        from tests.warehouse.conftest import T0, question, seen
        from warehouse.db import connect
        from warehouse.load import load_batch, load_questions
        from warehouse.runs import FieldStat, record_field_stats, start_run
        with connect({str(tmp_path / "w.duckdb")!r}) as con:
            run = start_run(con, "sync", {{}})
            load_batch(con, run, [seen(question(1), T0)], requests=1)
            load_questions(con, [seen(question(2), T0)], new={{"QANR5L17QE2"}})
            record_field_stats(con, run, [FieldStat("dyn_current", "title", 1, 1)])
            assert con.execute("SELECT count(*) FROM questions").fetchone() == (2,)
        print("pyarrow" in sys.modules)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
