"""`anq export`: the public tables and analyst views as Parquet or CSV files.

Why files at all: most people who want the data do not want a DuckDB file (a notebook with
polars, a spreadsheet, another database). The layout is stable so scripts can point at it:

- Parquet: ``<out>/<relation>/legislature=<N>/data_0.parquet`` for relations that have a
  ``legislature`` column (hive partitioning: readers can skip legislatures they do not ask
  for), ``<out>/<relation>.parquet`` for the others (``runs``, ``daily_activity``). Files keep
  the ``legislature`` column too, so a single file copied elsewhere is still complete.
- CSV: ``<out>/<relation>.csv``, one file per relation, with a header row.

Each relation's previous output is removed first, so a re-export never mixes old partitions
(a legislature that disappeared) with new ones. Nothing else under ``<out>`` is touched.
Read-only: works on a connection opened with ``read_only=True``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

FORMATS = ("parquet", "csv")

# The public relations of docs/contract.md and migration 0002, in the order they are written.
RELATIONS: tuple[str, ...] = (
    "questions",
    "question_versions",
    "runs",
    "open_questions",
    "overdue_questions",
    "answer_delays",
    "daily_activity",
    "status_changes",
)

PARTITION_COLUMN = "legislature"
#: Rows per Parquet row group: the writer holds one group in memory (texts run to
#: several KB a row), so the export's memory does not grow with the corpus.
ROW_GROUP_ROWS = 4_000


def export(con: duckdb.DuckDBPyConnection, out_dir: Path, fmt: str) -> list[Path]:
    """Write every public relation under ``out_dir``; return the files written, sorted.

    ``fmt`` is a plain string (it comes from the command line) checked against FORMATS.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: expected one of {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for relation in RELATIONS:
        if fmt == "csv":
            written.append(_write_csv(con, relation, out_dir))
        elif _has_column(con, relation, PARTITION_COLUMN):
            written.extend(_write_partitioned_parquet(con, relation, out_dir))
        else:
            written.append(_write_parquet(con, relation, out_dir / f"{relation}.parquet"))
    return sorted(written)


def _has_column(con: duckdb.DuckDBPyConnection, relation: str, column: str) -> bool:
    """Whether the table or view has the column (views are listed in duckdb_columns too)."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database()"
        " AND schema_name = 'main' AND table_name = ? AND column_name = ?",
        [relation, column],
    ).fetchone()
    return row is not None and row[0] > 0


def _clear(path: Path) -> None:
    """Remove a previous export of one relation (a file or a partition directory)."""
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _write_csv(con: duckdb.DuckDBPyConnection, relation: str, out_dir: Path) -> Path:
    path = out_dir / f"{relation}.csv"
    _clear(path)
    # relation names come from RELATIONS, never from the caller: safe to place in the SQL text
    con.execute(f"COPY {relation} TO ? (FORMAT csv, HEADER true)", [str(path)])
    return path


def _write_parquet(
    con: duckdb.DuckDBPyConnection, relation: str, path: Path, where: str = "TRUE"
) -> Path:
    _clear(path)
    con.execute(
        f"COPY (SELECT * FROM {relation} WHERE {where}) TO ? "
        f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS})",
        [str(path)],
    )
    return path


def _write_partitioned_parquet(
    con: duckdb.DuckDBPyConnection, relation: str, out_dir: Path
) -> list[Path]:
    """Hive-partitioned by legislature; an empty relation still gets one schema-only file.

    One legislature at a time: DuckDB's own PARTITION_BY keeps a row group open per
    partition, so its memory grows with the corpus. An empty ``data_0.parquet`` at the top
    of an empty relation's directory keeps ``<relation>/**/*.parquet`` readable.
    """
    target = out_dir / relation
    _clear(target)
    target.mkdir(parents=True)
    rows = con.execute(f"SELECT DISTINCT {PARTITION_COLUMN} FROM {relation} ORDER BY 1").fetchall()
    if not rows:
        return [_write_parquet(con, relation, target / "data_0.parquet")]
    files = []
    for (value,) in rows:
        part = target / f"{PARTITION_COLUMN}={int(value)}"
        part.mkdir()
        where = f"{PARTITION_COLUMN} = {int(value)}"
        files.append(_write_parquet(con, relation, part / "data_0.parquet", where))
    return files
