"""Exit statuses of docs/contract.md that need no run: each fails fast with one line."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.e2e.conftest import anq


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def unreachable(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Path]:
    db = tmp_path_factory.mktemp("cli") / "anq.duckdb"
    done = anq("sync", "--db", str(db), "--base-url", f"http://127.0.0.1:{_closed_port()}")
    return done.code, done.err, db


def test_unreachable_base_url_exits_4(unreachable: tuple[int, str, Path]) -> None:
    assert unreachable[0] == 4


def test_unreachable_base_url_says_why_in_one_line(unreachable: tuple[int, str, Path]) -> None:
    lines = unreachable[1].strip().splitlines()
    assert len(lines) == 1 and "unreachable" in lines[0]


def test_a_failed_start_leaves_no_lock_file(unreachable: tuple[int, str, Path]) -> None:
    db = unreachable[2]
    assert not db.with_name(db.name + ".lock").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["sync", "--rate", "-1"],
        ["sync", "--type", "QX"],
        ["backfill"],
        ["backfill", "--legislature", "16", "--legislature", "17"],
        ["export", "--format", "xlsx", "--out", "x"],
        ["fetch", "QANR5L16QE0"],
        ["sync", "--rat", "2"],
        ["sync", "--foo"],
        ["stats", "--rate", "2"],
        ["reparse", "--legislature", "16", "--legislature", "17"],
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


@pytest.mark.parametrize(
    ("args", "usage"),
    [(["sync", "--foo"], "Usage: anq sync "), (["sync", "--rat", "2"], "Usage: anq sync "),
     (["stats", "--rate", "2"], "Usage: anq stats ")],
)  # fmt: skip
def test_a_usage_error_shows_the_commands_usage(args: list[str], usage: str) -> None:
    done = anq(*args)
    assert done.err.startswith(usage) and "Traceback" not in done.err, done.err


def test_version() -> None:
    done = anq("--version")
    assert (done.code, done.out.startswith("anq ")) == (0, True)


@pytest.mark.parametrize(
    ("command", "shown", "hidden"),
    [("stats", "--db", "--rate"), ("export", "--format", "--base-url"),
     ("reparse", "--archive", "--rate"), ("sync", "--all-open", "--workers")],
)  # fmt: skip
def test_each_command_shows_only_its_options(command: str, shown: str, hidden: str) -> None:
    out = anq(command, "--help").out
    assert (shown in out, hidden in out) == (True, False)


def test_help_fits_80_columns() -> None:
    assert max(len(line) for line in anq("sync", "--help").out.splitlines()) <= 80


def test_read_only_command_on_missing_warehouse_fails_clearly(tmp_path: Path) -> None:
    done = anq("stats", "--db", str(tmp_path / "none.duckdb"))
    assert (done.code, "no warehouse" in done.err) == (1, True)


def test_missing_default_warehouse_says_where_it_looked(tmp_path: Path) -> None:
    done = anq("stats", cwd=tmp_path, env={"ANQ_DB": ""})
    line = done.err.strip()
    assert str(tmp_path / "data" / "anq.duckdb") in line and "--db" in line and "ANQ_DB" in line


def test_stats_json_is_one_object(tmp_path: Path) -> None:
    from warehouse.db import connect

    db = tmp_path / "anq.duckdb"
    connect(db).close()  # an empty, migrated warehouse
    done = anq("stats", "--db", str(db), "--json")
    report = json.loads(done.out)
    assert (done.code, report["questions"], report["last_runs"]) == (0, 0, [])
