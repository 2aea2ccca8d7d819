"""Settings: one table of options; flag > environment > default; bad values refused."""

from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path
from typing import Any

import pytest

from flows.config import (
    DEFAULT_RATE,
    EVERY,
    OPTIONS,
    ConfigError,
    options_for,
)
from flows.config_resolve import as_options, resolve


def test_defaults() -> None:
    s = resolve(env={})
    assert (s.db, s.base_url, s.rate, s.legislatures, s.types) == (
        Path("data/anq.duckdb"),
        "https://www.assemblee-nationale.fr",
        DEFAULT_RATE,
        (17,),
        ("QE", "QG", "QOSD"),
    )


def test_archive_defaults_beside_the_db() -> None:
    assert resolve({"db": "/x/w.duckdb"}, env={}).archive == Path("/x/w-raw")


def test_environment_is_read() -> None:
    env = {"ANQ_DB": "e.duckdb", "ANQ_RATE": "2", "ANQ_LEGISLATURES": "15,16", "ANQ_TYPES": "qe"}
    s = resolve(env=env)
    assert (str(s.db), s.rate, s.legislatures, s.types) == ("e.duckdb", 2.0, (15, 16), ("QE",))


def test_flag_beats_environment() -> None:
    assert resolve({"rate": "3"}, env={"ANQ_RATE": "2"}).rate == 3


def test_rate_zero_turns_pacing_off() -> None:
    assert resolve({"rate": 0}, env={}).rate is None


def test_base_url_trailing_slash_dropped() -> None:
    s = resolve({"base_url": "http://127.0.0.1:8000/"}, env={})
    assert s.base_url == "http://127.0.0.1:8000"


def test_anq_now_freezes_the_clock() -> None:
    s = resolve(env={"ANQ_NOW": "2026-01-02T03:04:05+01:00"})
    assert s.clock_now() == dt.datetime(2026, 1, 2, 2, 4, 5)


@pytest.mark.parametrize(
    ("given", "env", "named"),
    [
        ({"rate": -1}, {}, "--rate"),
        ({"rate": "nan"}, {}, "--rate"),
        ({"base_url": "ftp://x"}, {}, "--base-url"),
        ({"base_url": "nohost"}, {}, "--base-url"),
        ({"types": ["QX"]}, {}, "--type"),
        ({"legislatures": [0]}, {}, "--legislature"),
        ({"batch_size": 0}, {}, "--batch-size"),
        ({}, {"ANQ_LEGISLATURES": "x"}, "ANQ_LEGISLATURES"),
        ({}, {"ANQ_RATE": "fast"}, "ANQ_RATE"),
        ({}, {"ANQ_NOW": "yesterday"}, "ANQ_NOW"),
        ({}, {"ANQ_MISS_RUN": "2.5"}, "ANQ_MISS_RUN"),
    ],
)
def test_bad_values_are_refused_naming_their_source(
    given: dict[str, Any], env: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError, match=f"^{named}: "):
        resolve(given, env=env)


def test_a_flows_bad_option_is_named_as_an_option() -> None:
    with pytest.raises(ConfigError, match=r"^option rate: "):
        resolve({"rate": "fast"}, env={}, origin="option")


def test_unknown_options_are_refused() -> None:
    with pytest.raises(ConfigError, match="workers"):
        resolve({"workers": 2}, env={})


@pytest.mark.parametrize("env", [{}, {"ANQ_RATE": "0", "ANQ_TYPES": "QG", "ANQ_NOW": "2026-01-02"}])
def test_options_round_trip_through_a_flow(env: dict[str, str]) -> None:
    s = resolve(env=env)
    assert resolve(as_options(s), env={}, origin="option") == s


def test_workers_is_gone() -> None:
    assert "workers" not in OPTIONS and not any(o.env == "ANQ_WORKERS" for o in OPTIONS.values())


@pytest.mark.parametrize("name", EVERY)
def test_every_command_takes_db(name: str) -> None:
    assert "db" in options_for(name)


@pytest.mark.parametrize("name", ["stats", "export", "report"])
def test_read_only_commands_take_only_db(name: str) -> None:
    assert list(options_for(name)) == ["db"]


@pytest.mark.parametrize(("name", "row"), OPTIONS.items())
def test_each_row_has_an_environment_variable_and_help(name: str, row: Any) -> None:
    assert (row.env or "").startswith("ANQ_") and row.help


@pytest.mark.parametrize("flow", ["sync", "backfill", "fetch", "reparse"])
def test_flows_take_the_run_options_as_one_parameter(flow: str) -> None:
    import importlib

    fn = getattr(importlib.import_module(f"flows.{flow}"), flow).fn
    params = inspect.signature(fn).parameters
    assert "options" in params and not set(params) & (set(OPTIONS) - {"legislature"})


_BAD_NUMBERS = ["inf", "nan", "-1", "²", "1e400", "9" * 400, "ten"]
_LIMITS = [("response_deadline", "ANQ_RESPONSE_DEADLINE"), ("page_deadline", "ANQ_PAGE_DEADLINE"),
           ("retry_after_budget", "ANQ_RETRY_AFTER_BUDGET")]  # fmt: skip


@pytest.mark.parametrize("value", _BAD_NUMBERS)
def test_bad_rate_refused_in_one_line(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^ANQ_RATE: rate must be [^\n]*$"):
        resolve(env={"ANQ_RATE": value})


@pytest.mark.parametrize("value", [*_BAD_NUMBERS, "0", "86401"])
@pytest.mark.parametrize(("name", "variable"), _LIMITS)
def test_bad_limit_refused_in_one_line(name: str, variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=rf"^{variable}: [^\n]*$"):
        resolve(env={variable: value})


@pytest.mark.parametrize(("name", "variable"), _LIMITS)
def test_limit_flag_beats_environment(name: str, variable: str) -> None:
    s = resolve({name: "2"}, env={variable: "7.5"})
    assert getattr(s.limits, name) == 2.0


@pytest.mark.parametrize(("name", "variable"), _LIMITS)
def test_limits_from_environment(name: str, variable: str) -> None:
    assert getattr(resolve(env={variable: "7.5"}).limits, name) == 7.5


@pytest.mark.parametrize(("name", "row"), [(n, r) for n, r in OPTIONS.items() if r.flag])
def test_the_readme_lists_every_option(name: str, row: Any) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"`{row.flag} {row.metavar}`" in readme and f"`{row.env}" in readme


@pytest.mark.parametrize(
    ("command", "given", "env", "expected"),
    [
        ("reparse", {}, {}, 1000),
        ("sync", {}, {}, 200),
        (None, {}, {}, 200),
        ("reparse", {"batch_size": "200"}, {}, 200),
        ("reparse", {}, {"ANQ_BATCH": "300"}, 300),
    ],
)
def test_batch_size_default_is_per_command(
    command: str | None, given: dict[str, str], env: dict[str, str], expected: int
) -> None:
    assert resolve(given, env=env, command=command).batch_size == expected


def test_reparse_help_shows_its_own_batch_default() -> None:
    assert "default 1000" in OPTIONS["batch_size"].describe("reparse")
    assert "default 200" in OPTIONS["batch_size"].describe("sync")
