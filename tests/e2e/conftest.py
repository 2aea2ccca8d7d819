"""End-to-end fixtures: the real ``anq`` command, a real DuckDB file, a loopback site."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.e2e.site import FixtureSite
from tests.support.siteserver import SiteServer

BIN = Path(sys.executable).parent / "anq"


@dataclass(frozen=True)
class Done:
    """A finished ``anq`` command."""

    code: int
    out: str
    err: str


def anq(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 300,
    prefix: list[str] | None = None,
    cwd: Path | None = None,
) -> Done:
    """Run the installed ``anq`` console script as a user would (``prefix``: e.g. setpriv)."""
    command = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "flows.cli"]
    proc = subprocess.run(
        [*(prefix or []), *command, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )
    return Done(proc.returncode, proc.stdout, proc.stderr)


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    """Read the warehouse with a fresh read-only connection (as a user's SQL session)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def server() -> Iterator[SiteServer]:
    with SiteServer(seed=1) as site:
        yield site


@pytest.fixture(scope="module")
def site(server: SiteServer) -> FixtureSite:
    return FixtureSite(server)
