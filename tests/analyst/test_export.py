"""`export`: every public relation as Parquet (partitioned by legislature) or CSV, read back."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from flows.report.export import RELATIONS, export
from tests.analyst.warehouse_fixture import apply_migrations

PARTITIONED = [r for r in RELATIONS if r not in ("runs", "daily_activity")]


def count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {relation}").fetchone()
    assert row is not None
    return int(row[0])


def test_parquet_layout(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    written = export(con, tmp_path, "parquet")
    names = {p.relative_to(tmp_path).as_posix() for p in written}
    assert "questions/legislature=16/data_0.parquet" in names
    assert "questions/legislature=17/data_0.parquet" in names
    assert "runs.parquet" in names
    assert "daily_activity.parquet" in names
    assert all(p.is_file() for p in written)


@pytest.mark.parametrize("relation", RELATIONS)
def test_parquet_round_trip_duckdb(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, relation: str
) -> None:
    export(con, tmp_path, "parquet")
    if relation in PARTITIONED:
        source = str(tmp_path / relation / "**" / "*.parquet")
        query = "SELECT * FROM read_parquet(?, hive_partitioning = true) EXCEPT ALL "
    else:
        source = str(tmp_path / f"{relation}.parquet")
        query = "SELECT * FROM read_parquet(?) EXCEPT ALL "
    assert con.execute(query + f"SELECT * FROM {relation}", [source]).fetchall() == []
    back = con.execute("SELECT count(*) FROM read_parquet(?)", [source]).fetchone()
    assert back == (count(con, relation),)


@pytest.mark.parametrize("relation", RELATIONS)
def test_csv_round_trip_duckdb(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, relation: str
) -> None:
    export(con, tmp_path, "csv")
    source = str(tmp_path / f"{relation}.csv")
    columns = [c[0] for c in con.execute(f"DESCRIBE {relation}").fetchall()]
    header = (tmp_path / f"{relation}.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == columns
    diff = con.execute(
        f"SELECT * FROM read_csv(?) EXCEPT ALL SELECT * FROM {relation}", [source]
    ).fetchall()
    assert diff == []
    assert con.execute("SELECT count(*) FROM read_csv(?)", [source]).fetchone() == (
        count(con, relation),
    )


def test_polars_reads_parquet_and_csv(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    export(con, tmp_path / "p", "parquet")
    export(con, tmp_path / "c", "csv")
    questions = pl.read_parquet(tmp_path / "p" / "questions" / "**" / "*.parquet")
    assert questions.height == 16
    assert sorted(questions["legislature"].unique().to_list()) == [16, 17]
    delays = pl.read_csv(tmp_path / "c" / "answer_delays.csv")
    row = delays.filter((pl.col("legislature") == 17) & (pl.col("answered") == 5))
    assert row["p90_days_to_answer"].to_list() == [76.0]
    runs = pl.read_parquet(tmp_path / "p" / "runs.parquet")
    assert sorted(runs["run_id"].to_list()) == ["run-1", "run-2", "run-3"]


def test_reexport_overwrites_and_drops_stale_partitions(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    stale = tmp_path / "questions" / "legislature=15" / "data_0.parquet"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    (tmp_path / "runs.parquet").write_bytes(b"old")
    keep = tmp_path / "notes.txt"
    keep.write_text("mine", encoding="utf-8")
    first = export(con, tmp_path, "parquet")
    second = export(con, tmp_path, "parquet")
    assert first == second
    assert not stale.parent.exists()
    assert keep.read_text(encoding="utf-8") == "mine"
    assert con.execute(
        "SELECT count(*) FROM read_parquet(?)", [str(tmp_path / "runs.parquet")]
    ).fetchone() == (3,)


def test_empty_warehouse_exports_readable_files(tmp_path: Path) -> None:
    empty = duckdb.connect(str(tmp_path / "empty.duckdb"))
    apply_migrations(empty)
    written = export(empty, tmp_path / "out", "parquet")
    assert len(written) == len(RELATIONS)
    source = str(tmp_path / "out" / "questions" / "**" / "*.parquet")
    assert empty.execute("SELECT count(*) FROM read_parquet(?)", [source]).fetchone() == (0,)
    columns = [c[0] for c in empty.execute("DESCRIBE questions").fetchall()]
    described = empty.execute("DESCRIBE SELECT * FROM read_parquet(?)", [source]).fetchall()
    assert [c[0] for c in described] == columns
    empty.close()


def test_unknown_format_is_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown export format 'xlsx'"):
        export(con, tmp_path, "xlsx")


def test_csv_keeps_paragraphs_quotes_and_commas(tmp_path: Path) -> None:
    awkward = 'Premier paragraphe, avec « guillemets » et "quotes".\n\nSecond ; point-virgule.'
    db = duckdb.connect(str(tmp_path / "w.duckdb"))
    apply_migrations(db)
    db.execute(
        """
        INSERT INTO questions (uid, legislature, type, number, url, question_text, status,
            first_seen_at, last_fetched_at, last_changed_at, content_hash)
        VALUES ('QANR5L17QE1', 17, 'QE', 1, 'u', ?, 'open', now(), now(), now(), 'h')
        """,
        [awkward],
    )
    export(db, tmp_path / "out", "csv")
    source = tmp_path / "out" / "questions.csv"
    back = db.execute("SELECT question_text FROM read_csv(?)", [str(source)]).fetchall()
    assert back == [(awkward,)]
    assert pl.read_csv(source)["question_text"].to_list() == [awkward]
    db.close()
