"""A run's private copy and its publication, on real DuckDB files."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.publish import discard, prepare, publish, working_path


def _write(path: Path, value: int) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE IF NOT EXISTS t (v INTEGER)")
    con.execute("INSERT INTO t VALUES (?)", [value])
    con.close()


def _values(path: Path) -> list[int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [row[0] for row in con.execute("SELECT v FROM t ORDER BY v").fetchall()]
    finally:
        con.close()


def test_the_working_copy_is_hidden_beside_the_file(tmp_path: Path) -> None:
    assert working_path(tmp_path / "anq.duckdb") == tmp_path / ".anq.duckdb.work"


def test_a_first_run_creates_its_file_from_nothing(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    work = prepare(db)
    _write(work, 1)
    publish(work, db)
    assert _values(db) == [1] and not work.exists()


def test_the_copy_starts_from_the_published_state(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    work = prepare(db)
    _write(work, 2)
    assert _values(db) == [1]  # nothing published yet
    publish(work, db)
    assert _values(db) == [1, 2]


def test_a_reader_holding_the_file_keeps_its_state_and_never_blocks(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    reader = duckdb.connect(str(db), read_only=True)
    try:
        work = prepare(db)
        _write(work, 2)
        publish(work, db)
        seen = [row[0] for row in reader.execute("SELECT v FROM t ORDER BY v").fetchall()]
    finally:
        reader.close()
    assert seen == [1] and _values(db) == [1, 2]


def test_a_killed_runs_copy_is_resumed(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    _write(prepare(db), 2)  # the run is killed before publishing
    work = prepare(db)
    _write(work, 3)
    publish(work, db)
    assert _values(db) == [1, 2, 3]


def test_discard_leaves_the_published_file_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    _write(prepare(db), 2)
    discard(db)
    assert _values(db) == [1] and not working_path(db).exists()


def test_a_stale_log_of_the_old_file_is_not_replayed(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    _write(db, 1)
    work = prepare(db)
    _write(work, 2)
    db.with_name("anq.duckdb.wal").write_bytes(b"not a log of the new file")
    publish(work, db)
    assert _values(db) == [1, 2]
