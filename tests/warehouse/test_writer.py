"""Writer: one connection for a run's batches, checkpointed when the run ends."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.writer import Writer


def _wal(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".wal")


def test_writer_keeps_one_connection_until_closed(db_path: Path) -> None:
    with Writer(db_path) as writer:
        with writer.connection() as first:
            first.execute("CREATE TABLE t (x INTEGER)")
        with writer.connection() as second:
            assert second is first
        assert writer.is_open
    assert not writer.is_open


def test_batches_stay_in_the_log_until_the_run_ends(db_path: Path) -> None:
    """Past DuckDB's default 16 MB of log, still no checkpoint: each one writes every index."""
    writer = Writer(db_path)
    with writer.connection() as con:
        con.execute("CREATE TABLE t (x INTEGER PRIMARY KEY, text VARCHAR)")
    for batch in range(4):
        with writer.connection() as con:
            rows = "SELECT range, repeat(range::VARCHAR, 500) FROM range(?, ?)"
            con.execute(f"INSERT INTO t {rows}", [batch * 10_000, (batch + 1) * 10_000])
    assert _wal(db_path).stat().st_size > 20 * 2**20
    writer.close()
    assert not _wal(db_path).exists()
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM t").fetchall() == [(40_000,)]
