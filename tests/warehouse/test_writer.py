"""Writer: one connection across close batches, let go when idle."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.holder import hold
from warehouse.writer import Writer


def test_writer_reuses_its_connection_and_lets_go_when_idle(db_path: Path) -> None:
    with Writer(db_path, linger=0.3) as writer:
        with writer.connection() as first:
            first.execute("CREATE TABLE t (x INTEGER)")
        with writer.connection() as second:
            assert second is first
        assert writer.is_open
        time.sleep(1.0)
        assert not writer.is_open
        holder = hold(db_path, 0.1)  # another process can open the file now
        holder.wait(timeout=30)
        with writer.connection() as third:
            assert third.execute("SELECT count(*) FROM t").fetchall() == [(0,)]
    assert not writer.is_open


def test_writer_with_no_linger_closes_after_each_batch(db_path: Path) -> None:
    writer = Writer(db_path, linger=0)
    with writer.connection():
        assert writer.is_open
    assert not writer.is_open
