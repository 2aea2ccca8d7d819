"""Settings: flag > environment > default, and bad values refused before any work."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from extractors.http.limits import LIMITS
from flows.config import DEFAULT_RATE, MAX_AUTO_WORKERS, ConfigError, resolve


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
    assert resolve(db="/x/w.duckdb", env={}).archive == Path("/x/w-raw")


def test_environment_is_read() -> None:
    env = {"ANQ_DB": "e.duckdb", "ANQ_RATE": "2", "ANQ_LEGISLATURES": "15,16", "ANQ_TYPES": "qe"}
    s = resolve(env=env)
    assert (str(s.db), s.rate, s.legislatures, s.types) == ("e.duckdb", 2.0, (15, 16), ("QE",))


def test_flag_beats_environment() -> None:
    assert resolve(rate=3, env={"ANQ_RATE": "2"}).rate == 3


def test_rate_zero_turns_pacing_off() -> None:
    assert resolve(rate=0, env={}).rate is None


def test_base_url_trailing_slash_dropped() -> None:
    assert resolve(base_url="http://127.0.0.1:8000/", env={}).base_url == "http://127.0.0.1:8000"


def test_anq_now_freezes_the_clock() -> None:
    s = resolve(env={"ANQ_NOW": "2026-01-02T03:04:05+01:00"})
    assert s.clock_now() == dt.datetime(2026, 1, 2, 2, 4, 5)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rate": -1},
        {"base_url": "ftp://x"},
        {"base_url": "nohost"},
        {"types": ["QX"]},
        {"legislatures": [0]},
        {"batch_size": 0},
        {"env": {"ANQ_LEGISLATURES": "x"}},
        {"env": {"ANQ_RATE": "fast"}},
        {"env": {"ANQ_NOW": "yesterday"}},
        {"rate": float("inf")},
        {"rate": float("nan")},
        {"rate": 1e300},
        {"workers": 10**9},
    ],
)
def test_bad_values_are_refused(kwargs: dict[str, object]) -> None:
    kwargs.setdefault("env", {})
    with pytest.raises(ConfigError):
        resolve(**kwargs)  # type: ignore[arg-type]


_BAD_NUMBERS = ["inf", "nan", "-1", "²", "1e400", "9" * 400, "1_0", "ten"]


@pytest.mark.parametrize("value", _BAD_NUMBERS)
def test_bad_rate_refused_in_one_line(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^rate must be [^\n]*$"):
        resolve(env={"ANQ_RATE": value})


@pytest.mark.parametrize("value", [*_BAD_NUMBERS, "0", "86401"])
@pytest.mark.parametrize("variable", [var for _name, var, _ in LIMITS])
def test_bad_limit_refused_in_one_line(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=rf"^{variable} must be [^\n]*$"):
        resolve(env={variable: value})


@pytest.mark.parametrize(("name", "variable", "_default"), LIMITS)
def test_limit_flag_beats_environment(name: str, variable: str, _default: float) -> None:
    s = resolve(env={variable: "7.5"}, **{name: 2.0})  # type: ignore[arg-type]
    assert getattr(s.limits, name) == 2.0


@pytest.mark.parametrize(("name", "variable", "default"), LIMITS)
def test_limits_from_environment_or_default(name: str, variable: str, default: float) -> None:
    read = getattr(resolve(env={variable: "7.5"}).limits, name)
    assert (read, getattr(resolve(env={}).limits, name)) == (7.5, default)


@pytest.mark.parametrize(("name", "variable", "_default"), LIMITS)
def test_limits_env_gives_back_the_settings(name: str, variable: str, _default: float) -> None:
    s = resolve(env={variable: "0.25"})
    assert resolve(env=s.limits_env()).limits == s.limits


def test_one_fetch_process_on_a_paced_run() -> None:
    assert resolve(rate=5, env={}).fetch_workers() == 1


def test_one_fetch_process_per_core_on_an_unpaced_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("flows.config.os.cpu_count", lambda: 2)
    assert resolve(rate=0, env={}).fetch_workers() == 2


def test_at_most_four_fetch_processes_on_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("flows.config.os.cpu_count", lambda: 64)
    assert resolve(rate=0, env={}).fetch_workers() == MAX_AUTO_WORKERS


def test_workers_flag_wins_over_the_environment() -> None:
    assert resolve(workers=3, env={"ANQ_WORKERS": "1"}).fetch_workers() == 3


def test_workers_from_the_environment() -> None:
    assert resolve(rate=0, env={"ANQ_WORKERS": "1"}).fetch_workers() == 1


@pytest.mark.parametrize("bad", ["0", "-2", "two"])
def test_bad_workers_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="workers"):
        resolve(env={"ANQ_WORKERS": bad})
