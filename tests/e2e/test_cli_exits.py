"""Exit statuses of CONTRACT.md that need no run: each fails fast with one line."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.e2e.conftest import anq


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def unreachable(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str]:
    db = tmp_path_factory.mktemp("cli") / "anq.duckdb"
    done = anq("sync", "--db", str(db), "--base-url", f"http://127.0.0.1:{_closed_port()}")
    return done.code, done.err


def test_unreachable_base_url_exits_4(unreachable: tuple[int, str]) -> None:
    assert unreachable[0] == 4


def test_unreachable_base_url_says_why_in_one_line(unreachable: tuple[int, str]) -> None:
    lines = unreachable[1].strip().splitlines()
    assert len(lines) == 1 and "unreachable" in lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["sync", "--rate", "-1"],
        ["sync", "--type", "QX"],
        ["backfill"],
        ["backfill", "--legislature", "16", "--legislature", "17"],
        ["export", "--format", "xlsx", "--out", "x"],
        ["fetch", "QANR5L16QE0"],
    ],
)
def test_bad_options_exit_2(args: list[str], tmp_path: Path) -> None:
    assert anq(*args, "--db", str(tmp_path / "x.duckdb")).code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["--rate", "inf"],
        ["--rate", "nan"],
        ["--response-deadline", "inf"],
        ["--page-deadline", "-1"],
        ["--retry-after-budget", "nan"],
    ],
)
def test_non_finite_numbers_refused_in_one_line(args: list[str], tmp_path: Path) -> None:
    done = anq("sync", *args, "--db", str(tmp_path / "x.duckdb"))
    lines = done.err.strip().splitlines()
    assert (done.code, len(lines), lines[0].startswith("anq: ")) == (2, 1, True), done.err


def test_read_only_command_on_missing_warehouse_fails_clearly(tmp_path: Path) -> None:
    done = anq("stats", "--db", str(tmp_path / "none.duckdb"))
    assert (done.code, "no warehouse" in done.err) == (1, True)
