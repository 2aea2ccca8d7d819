"""DuckDB 1.x users can open the warehouse file: how the file must be created, measured here.

A DuckDB file records its storage version in its header (a little-endian integer at bytes
12-20): 67 is what ``storage_compatibility_version = 'v1.4.0'`` writes and what DuckDB 1.4
and 1.5 read; DuckDB 2.0's default writes 999, which no 1.x release opens.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.analyst.warehouse_fixture import apply_migrations

COMPAT: dict[str, str | bool | int | float | list[str]] = {
    "storage_compatibility_version": "v1.4.0"
}
V1_4 = 67
V2_DEFAULT = 999


def storage_number(path: Path) -> int:
    with path.open("rb") as f:
        header = f.read(20)
    assert header[8:12] == b"DUCK"
    return int.from_bytes(header[12:20], "little")


def test_default_creation_is_unreadable_by_1x(tmp_path: Path) -> None:
    duckdb.connect(str(tmp_path / "w.duckdb")).close()
    assert storage_number(tmp_path / "w.duckdb") == V2_DEFAULT


def test_compat_config_at_creation_sticks_through_later_default_writes(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path), config=COMPAT).close()
    con = duckdb.connect(str(path))  # later opens, without the setting
    apply_migrations(con)
    con.execute("CREATE TABLE filler AS SELECT i, md5(i::VARCHAR) AS h FROM range(100000) r(i)")
    con.execute("CHECKPOINT")
    tags = con.execute("SELECT tags FROM duckdb_databases() WHERE database_name = 'w'").fetchone()
    con.close()
    assert storage_number(path) == V1_4
    assert tags == ({"storage_version": "v1.4.0+"},)


def test_compat_config_on_an_existing_2x_file_is_harmless(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    for read_only in (False, True):
        duckdb.connect(str(path), read_only=read_only, config=COMPAT).close()
    assert storage_number(path) == V2_DEFAULT  # it neither fails nor converts


def test_existing_file_converts_by_copy_from_database(tmp_path: Path) -> None:
    old, new = tmp_path / "old.duckdb", tmp_path / "new.duckdb"
    con = duckdb.connect(str(old))
    apply_migrations(con)
    con.close()
    con = duckdb.connect()
    con.execute(f"ATTACH '{old}' AS old (READ_ONLY)")
    con.execute(f"ATTACH '{new}' AS new (STORAGE_VERSION 'v1.4.0')")
    con.execute("COPY FROM DATABASE old TO new")
    views = con.execute(
        "SELECT database_name, count(*) FROM duckdb_views() WHERE NOT internal "
        "AND database_name IN ('old', 'new') GROUP BY ALL ORDER BY 1"
    ).fetchall()
    con.close()
    assert storage_number(new) == V1_4
    assert views[0][1] == views[1][1] >= 5


def test_db_connect_creates_files_duckdb_1x_can_open(tmp_path: Path) -> None:
    from warehouse.db import connect

    connect(tmp_path / "anq.duckdb").close()
    assert storage_number(tmp_path / "anq.duckdb") == V1_4


def test_a_real_duckdb_1x_cli_reads_views(tmp_path: Path) -> None:
    """Set ANQ_DUCKDB1_CLI to a DuckDB 1.4/1.5 CLI (`pip install duckdb-cli==1.5.6`) to run."""
    cli = os.environ.get("ANQ_DUCKDB1_CLI")
    if not cli:
        pytest.skip("ANQ_DUCKDB1_CLI is not set (path of a DuckDB 1.x CLI)")
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path), config=COMPAT).close()
    con = duckdb.connect(str(path))
    apply_migrations(con)
    con.close()
    done = subprocess.run(
        [cli, "-readonly", "-csv", str(path), "-c", "SELECT count(*) FROM answer_delays"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ["count_star()", "0"]
