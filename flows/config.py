"""Run settings: the one table of options.

Each field of :class:`Settings` is one row of the table: its flag, its
environment variable, its parser, its default, its help and the commands that
take it. Everything else derives from it: the ``anq`` command's options
(``flows.cli``), the flows' ``options`` parameter
(:func:`flows.config_resolve.resolve` on the dict a deployment passes), the
deployments (``flows.serve``; a test holds ``prefect.yaml`` to it) and the
README's table. Adding an option is adding a field here.

Values are validated here so that a bad option fails before anything is
opened or fetched; their resolution (flag > environment > default) is in
:mod:`flows.config_resolve`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from extractors.http.limits import LIMITS, FetchLimits, finite_number, seconds
from extractors.uid import TYPES

DEFAULT_DB = "data/anq.duckdb"
DEFAULT_BASE_URL = "https://www.assemblee-nationale.fr"
DEFAULT_OPENDATA_URL = "https://data.assemblee-nationale.fr"
#: One request a second (the customary polite default of crawlers): slow enough
#: to go unnoticed by the site, fast enough that a nightly run takes minutes.
DEFAULT_RATE = 1.0
DEFAULT_LEGISLATURES = (17,)
#: Consecutive "no question here" answers after which discovery stops.
DEFAULT_MISS_RUN = 10
#: Pages per batch: one Prefect task and one load transaction each.
DEFAULT_BATCH = 200
REPLAY_BATCH = 1000

#: Fastest rate accepted; 0 (no pacing) is the way to go faster.
MAX_RATE = 10_000.0

#: Commands by what they do; an option row names the commands that take it.
FETCHING = ("sync", "backfill", "fetch", "opendata")
LOADING = (*FETCHING, "reparse")
EVERY = (*LOADING, "stats", "export", "report", "compact", "verify-archive")


class ConfigError(ValueError):
    """A bad option or environment value; the CLI prints it and exits 2."""


@dataclass(frozen=True, slots=True)
class Option:
    """One row of the options table (the metadata of a :class:`Settings` field)."""

    flag: str | None  # None: environment only
    env: str | None
    parse: Callable[[str], Any]  # one value as text (a list option: one item)
    default: str | None  # in the environment's form; None: none, or derived
    help: str
    commands: tuple[str, ...]
    metavar: str = "VALUE"
    repeat: bool = False  # the flag is repeatable and the variable a comma list
    shown_default: str | None = None  # a derived default, as help shows it
    command_defaults: tuple[tuple[str, str], ...] = ()  # (command, default) where it differs

    def default_for(self, command: str | None) -> str | None:
        """The default for ``command`` (None: the table's own default)."""
        return dict(self.command_defaults).get(command or "", self.default)

    def describe(self, command: str | None = None) -> str:
        """The help line with the variable and the default, as ``--help`` shows it."""
        extra = [self.env] if self.env else []
        default = self.default_for(command)
        default = default if default is not None else self.shown_default
        if default is not None:
            extra.append(f"default {default}")
        return f"{self.help} ({', '.join(extra)})" if extra else self.help


def _row(**kwargs: Any) -> dict[str, Option]:
    """The metadata that makes a :class:`Settings` field a row of the options table."""
    return {"option": Option(**kwargs)}


def _number(kind: type[int] | type[float], what: str) -> Callable[[str], Any]:
    """A total parser: any text gives a finite number or a ConfigError, never another error."""

    def parse(text: str) -> Any:
        value = finite_number(text)
        if value is None or (kind is int and value != int(value)):
            noun = "a whole number" if kind is int else "a number"
            raise ConfigError(f"{what} must be {noun}: {text!r}")
        return kind(value)

    return parse


def _positive(text: str) -> int:
    value: int = _number(int, "the value")(text)
    if value < 1:
        raise ConfigError(f"the value must be at least 1: {text!r}")
    return value


def _url(text: str) -> str:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"URL must be http(s)://host[:port]: {text!r}")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _rate(text: str) -> float | None:
    value: float = _number(float, "rate")(text)
    if not 0 <= value <= MAX_RATE:
        raise ConfigError(f"rate must be from 0 (no pacing) to {MAX_RATE:g}: {text!r}")
    return value or None


def _seconds(text: str) -> float:
    try:
        return seconds("the value", text)
    except ValueError as err:
        raise ConfigError(str(err)) from None


def _legislature(text: str) -> int:
    value: int = _number(int, "legislature")(text)
    if not 1 <= value <= 99:
        raise ConfigError(f"legislature out of range: {value}")
    return value


def _type(text: str) -> str:
    value = text.strip().upper()
    if value not in TYPES:
        raise ConfigError(f"unknown question type {text!r} (expected one of {', '.join(TYPES)})")
    return value


def _now(text: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"must be an ISO date-time: {text!r}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything a run needs to know, resolved and validated: the options table."""

    db: Path = field(metadata=_row(
        flag="--db", env="ANQ_DB", parse=Path, default=DEFAULT_DB, metavar="PATH",
        help="the DuckDB warehouse", commands=EVERY,
    ))  # fmt: skip
    base_url: str = field(metadata=_row(
        flag="--base-url", env="ANQ_BASE_URL", parse=_url, default=DEFAULT_BASE_URL,
        metavar="URL", help="the site's root", commands=FETCHING,
    ))  # fmt: skip
    opendata_url: str = field(metadata=_row(
        flag="--opendata-url", env="ANQ_OPENDATA_URL", parse=_url, default=DEFAULT_OPENDATA_URL,
        metavar="URL", help="where the open-data archives are read", commands=FETCHING,
    ))  # fmt: skip
    rate: float | None = field(metadata=_row(
        flag="--rate", env="ANQ_RATE", parse=_rate, default=f"{DEFAULT_RATE:g}", metavar="R",
        help="requests per second at most, 0 = no pacing", commands=FETCHING,
    ))  # fmt: skip
    legislatures: tuple[int, ...] = field(metadata=_row(
        flag="--legislature", env="ANQ_LEGISLATURES", parse=_legislature, repeat=True,
        default=",".join(map(str, DEFAULT_LEGISLATURES)), metavar="N",
        help="legislature, repeatable", commands=(*FETCHING, "reparse"),
    ))  # fmt: skip
    types: tuple[str, ...] = field(metadata=_row(
        flag="--type", env="ANQ_TYPES", parse=_type, repeat=True, default=",".join(TYPES),
        metavar="T", help="question type, repeatable", commands=FETCHING,
    ))  # fmt: skip
    archive: Path = field(metadata=_row(
        flag="--archive", env="ANQ_ARCHIVE", parse=Path, default=None, metavar="DIR",
        help="raw page archive", shown_default="<db>-raw beside the database",
        commands=(*LOADING, "verify-archive"),
    ))  # fmt: skip
    batch_size: int = field(metadata=_row(
        flag="--batch-size", env="ANQ_BATCH", parse=_positive, default=str(DEFAULT_BATCH),
        metavar="N", help="pages per batch", commands=LOADING,
        # A replay has no pacing to follow: larger batches spread each statement's fixed cost.
        command_defaults=(("reparse", str(REPLAY_BATCH)),),
    ))  # fmt: skip
    miss_run: int = field(metadata=_row(
        flag="--miss-run", env="ANQ_MISS_RUN", parse=_positive, default=str(DEFAULT_MISS_RUN),
        metavar="N", help="misses in a row that end discovery", commands=("sync", "backfill"),
    ))  # fmt: skip
    response_deadline: float = field(metadata=_row(
        flag="--response-deadline", env=LIMITS[0][1], parse=_seconds, default=f"{LIMITS[0][2]:g}",
        metavar="S", help="seconds one response may take, headers and body", commands=FETCHING,
    ))  # fmt: skip
    page_deadline: float = field(metadata=_row(
        flag="--page-deadline", env=LIMITS[1][1], parse=_seconds, default=f"{LIMITS[1][2]:g}",
        metavar="S", help="seconds one page may take, retries included", commands=FETCHING,
    ))  # fmt: skip
    retry_after_budget: float = field(metadata=_row(
        flag="--retry-after-budget", env=LIMITS[2][1], parse=_seconds,
        default=f"{LIMITS[2][2]:g}", metavar="S",
        help="seconds a run may wait on Retry-After in all", commands=FETCHING,
    ))  # fmt: skip
    notify_block: str | None = field(metadata=_row(
        flag="--notify-block", env="ANQ_NOTIFY_BLOCK", parse=str.strip, default=None,
        metavar="SLUG/NAME", help="Prefect notification block told when a run fails",
        commands=LOADING,
    ))  # fmt: skip
    now: dt.datetime | None = field(metadata=_row(
        flag=None, env="ANQ_NOW", parse=_now, default=None,
        help="a frozen clock, ISO date-time (tests, replays)", commands=(),
    ))  # fmt: skip

    @property
    def limits(self) -> FetchLimits:
        """The polite client's bounds."""
        return FetchLimits(self.response_deadline, self.page_deadline, self.retry_after_budget)

    def clock_now(self) -> dt.datetime:
        """Naive UTC "now", frozen when ``ANQ_NOW`` is set (tests, replays)."""
        from warehouse.db import utcnow

        return self.now if self.now is not None else utcnow()


#: The table: option name (a :class:`Settings` field) -> its row.
OPTIONS: dict[str, Option] = {f.name: f.metadata["option"] for f in fields(Settings)}


def options_for(command: str) -> dict[str, Option]:
    """The rows a command takes, in table order."""
    return {name: opt for name, opt in OPTIONS.items() if command in opt.commands}
