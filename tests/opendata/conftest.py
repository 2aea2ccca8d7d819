"""A loopback open-data host serving zips built from fixture records, and a warehouse file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.config import Settings
from flows.config_resolve import resolve
from tests.support.siteserver import SiteServer
from tests.warehouse.conftest import archive, con, db_path, run_id  # noqa: F401  (shared fixtures)


@pytest.fixture
def host() -> Iterator[SiteServer]:
    with SiteServer() as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    given = {"db": str(tmp_path / "anq.duckdb"), "rate": "0", "legislatures": [16],
             "types": ["QE", "QG"], "archive": str(tmp_path / "raw")}  # fmt: skip
    return resolve(given, env={})
