"""Run settings: one place where flags, environment variables and defaults meet.

Precedence is flag > environment variable > default (CONTRACT.md, "Options
every command takes"). Values are validated here so that a bad option fails
before anything is opened or fetched.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from extractors.http.limits import LIMITS, FetchLimits, finite_number
from extractors.uid import TYPES

DEFAULT_DB = "data/anq.duckdb"
DEFAULT_BASE_URL = "https://www.assemblee-nationale.fr"
#: One request a second (the customary polite default of crawlers): slow enough
#: to go unnoticed by the site, fast enough that a nightly run takes minutes.
DEFAULT_RATE = 1.0
DEFAULT_LEGISLATURES = (17,)
#: Consecutive "no question here" answers after which discovery stops.
DEFAULT_MISS_RUN = 10
#: Pages per batch: one Prefect task and one load transaction each.
DEFAULT_BATCH = 200
#: Most fetch processes chosen on their own (``--workers`` unset, ``--rate 0``).
MAX_AUTO_WORKERS = 4
#: Most fetch processes asked for: more would exhaust the machine, not speed a run.
MAX_WORKERS = 64
#: Fastest rate accepted; 0 (no pacing) is the way to go faster.
MAX_RATE = 10_000.0


class ConfigError(ValueError):
    """A bad option or environment value; the CLI prints it and exits 2."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run needs to know, resolved and validated."""

    db: Path
    base_url: str
    rate: float | None
    legislatures: tuple[int, ...]
    types: tuple[str, ...]
    archive: Path
    batch_size: int = DEFAULT_BATCH
    miss_run: int = DEFAULT_MISS_RUN
    now: dt.datetime | None = None
    workers: int | None = None  # fetch processes; None = chosen by fetch_workers()
    limits: FetchLimits = field(default_factory=FetchLimits)  # deadlines, Retry-After budget

    def limits_env(self) -> dict[str, str]:
        """The limits as ``ANQ_*`` variables, for the code that reads only those
        (the flow's client and its fetch workers)."""
        return {var: repr(getattr(self.limits, name)) for name, var, _ in LIMITS}

    def clock_now(self) -> dt.datetime:
        """Naive UTC "now", frozen when ``ANQ_NOW`` is set (tests, replays)."""
        if self.now is not None:
            return self.now
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def fetch_workers(self) -> int:
        """Fetch processes for this run: ``--workers``, else one per core on an
        unpaced run (``--rate 0``: the CPU is the limit), else one (the network is)."""
        if self.workers is not None:
            return self.workers
        if self.rate is None:
            return max(1, min(os.cpu_count() or 1, MAX_AUTO_WORKERS))
        return 1


def resolve(
    *,
    db: str | None = None,
    base_url: str | None = None,
    rate: float | None = None,
    legislatures: Sequence[int] | None = None,
    types: Sequence[str] | None = None,
    archive: str | None = None,
    batch_size: int | None = None,
    miss_run: int | None = None,
    workers: int | None = None,
    response_deadline: float | None = None,
    page_deadline: float | None = None,
    retry_after_budget: float | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Build :class:`Settings` from flags (``None`` = not given) and the environment."""
    env = os.environ if env is None else env
    limits = {
        "response_deadline": response_deadline,
        "page_deadline": page_deadline,
        "retry_after_budget": retry_after_budget,
    }
    db_path = Path(db or env.get("ANQ_DB") or DEFAULT_DB)
    archive_dir = archive or env.get("ANQ_ARCHIVE")
    return Settings(
        db=db_path,
        base_url=_base_url(base_url or env.get("ANQ_BASE_URL") or DEFAULT_BASE_URL),
        rate=_rate(rate, env.get("ANQ_RATE")),
        legislatures=_legislatures(legislatures, env.get("ANQ_LEGISLATURES")),
        types=_types(types, env.get("ANQ_TYPES")),
        archive=Path(archive_dir) if archive_dir else default_archive(db_path),
        batch_size=_positive("batch size", batch_size, env.get("ANQ_BATCH"), DEFAULT_BATCH),
        miss_run=_positive("miss run", miss_run, env.get("ANQ_MISS_RUN"), DEFAULT_MISS_RUN),
        now=_now(env.get("ANQ_NOW")),
        workers=_workers(workers, env.get("ANQ_WORKERS")),
        limits=_limits(limits, env),
    )


def default_archive(db: Path) -> Path:
    """``data/anq.duckdb`` keeps its raw pages in ``data/anq-raw/``."""
    return db.with_name(f"{db.stem}-raw")


def _base_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"base URL must be http(s)://host[:port]: {value!r}")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _rate(flag: float | None, env_value: str | None) -> float | None:
    raw: float | str | None = flag if flag is not None else env_value
    if raw is None or raw == "":
        return DEFAULT_RATE
    value = raw if isinstance(raw, float | int) else finite_number(raw)
    if value is None or not math.isfinite(value):
        raise ConfigError(f"rate must be a number of requests per second: {raw!r}")
    if not 0 <= value <= MAX_RATE:
        raise ConfigError(f"rate must be from 0 (no pacing) to {MAX_RATE:g}: {raw!r}")
    return float(value) or None


def _legislatures(flag: Sequence[int] | None, env_value: str | None) -> tuple[int, ...]:
    if flag:
        values = list(flag)
    elif env_value:
        try:
            values = [int(part) for part in env_value.split(",") if part.strip()]
        except ValueError:
            raise ConfigError(
                f"ANQ_LEGISLATURES must be a comma list of numbers: {env_value!r}"
            ) from None
    else:
        values = list(DEFAULT_LEGISLATURES)
    for value in values:
        if not 1 <= value <= 99:
            raise ConfigError(f"legislature out of range: {value}")
    return tuple(dict.fromkeys(values))


def _types(flag: Sequence[str] | None, env_value: str | None) -> tuple[str, ...]:
    if flag:
        values = [value.strip().upper() for value in flag]
    elif env_value:
        values = [part.strip().upper() for part in env_value.split(",") if part.strip()]
    else:
        values = list(TYPES)
    for value in values:
        if value not in TYPES:
            raise ConfigError(
                f"unknown question type {value!r} (expected one of {', '.join(TYPES)})"
            )
    return tuple(dict.fromkeys(values))


def _positive(name: str, flag: int | None, env_value: str | None, default: int) -> int:
    raw: int | str | None = flag if flag is not None else env_value
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number: {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1: {raw!r}")
    return value


def _workers(flag: int | None, env_value: str | None) -> int | None:
    if flag is None and not env_value:
        return None
    value = _positive("workers", flag, env_value, 1)
    if value > MAX_WORKERS:
        raise ConfigError(f"workers must be at most {MAX_WORKERS}: {value}")
    return value


def _limits(flags: Mapping[str, float | None], env: Mapping[str, str]) -> FetchLimits:
    try:
        return FetchLimits.resolve(flags, env)
    except ValueError as err:
        raise ConfigError(str(err)) from None


def _now(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"ANQ_NOW must be an ISO date-time: {value!r}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed
