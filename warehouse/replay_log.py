"""``anq reparse``: the pages ``raw_pages`` logged, in the order they were fetched."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from extractors.uid import Uid, parse_uid
from warehouse.compact import SOURCE, sql_path
from warehouse.warc import RecordAt


@dataclass(frozen=True)
class Page:
    """A page ``raw_pages`` logged, and where its WARC record is."""

    uid: Uid
    sha256: str
    url: str
    fetched_at: datetime
    at: RecordAt | None  # where raw_pages says its WARC record is


def fetch_order(
    cur: duckdb.DuckDBPyConnection, pattern: str | None, size: int, spill: Path
) -> Iterator[list[Page]]:
    """``raw_pages`` oldest first, in batches holding each uid at most once.

    The log is sorted once into ``spill`` (a Parquet file, removed after) and read
    back a few rows at a time: a sorted result held open would keep its memory
    for the whole replay, and the loads need it (the log grows with the archive).
    """
    try:
        cur.execute(
            "COPY (SELECT uid, sha256, url, fetched_at, warc_file, warc_offset, warc_length "
            f"FROM {SOURCE}.pipeline.raw_pages "
            "WHERE $1::VARCHAR IS NULL OR uid LIKE $1 ORDER BY fetched_at, uid) "
            f"TO {sql_path(spill)} (FORMAT parquet, ROW_GROUP_SIZE 8192)",
            [pattern],
        )
        cur.execute(f"SELECT * FROM read_parquet({sql_path(spill)})")
        yield from _batches(cur, size)
    finally:
        spill.unlink(missing_ok=True)


def _batches(cur: duckdb.DuckDBPyConnection, size: int) -> Iterator[list[Page]]:
    """The rows of ``cur`` as pages, in batches holding each uid at most once."""
    batch: list[Page] = []
    seen: set[str] = set()
    while rows := cur.fetchmany(4096):
        for uid, sha256, url, fetched_at, file, offset, length in rows:
            if uid in seen or len(batch) >= size:
                yield batch
                batch, seen = [], set()
            seen.add(uid)
            at = None if file is None else RecordAt(file, offset, length)
            batch.append(Page(parse_uid(uid), sha256, url, fetched_at, at))
    if batch:
        yield batch
