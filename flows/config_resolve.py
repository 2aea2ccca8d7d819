"""Resolving the options table into :class:`~flows.config.Settings`, and back.

Precedence is flag (or flow option) > environment variable > default.
:func:`as_options` turns settings into a flow's ``options``, which resolve back
to the same settings.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from flows.config import OPTIONS, ConfigError, Option, Settings


def resolve(
    given: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    origin: str = "flag",
    command: str | None = None,
) -> Settings:
    """Build :class:`Settings` from given values (None = not given) and the environment.

    ``given`` holds flag values (the CLI) or a flow's ``options``, by option
    name; ``origin`` ("flag" or "option") only words the error messages;
    ``command`` picks the defaults of that command where they differ.
    """
    given = given or {}
    env = os.environ if env is None else env
    unknown = sorted(set(given) - set(OPTIONS))
    if unknown:
        raise ConfigError(f"unknown option(s): {', '.join(unknown)} (known: {', '.join(OPTIONS)})")
    values = {
        name: _resolve_one(name, opt, given.get(name), env, origin, command)
        for name, opt in OPTIONS.items()
    }
    if values["archive"] is None:
        values["archive"] = default_archive(values["db"])
    return Settings(**values)


def _resolve_one(
    name: str, opt: Option, value: Any, env: Mapping[str, str], origin: str, command: str | None
) -> Any:
    source = (opt.flag or name) if origin == "flag" else f"option {name}"
    if value is None or value == "" or value == () or value == []:
        value, source = (env.get(opt.env) if opt.env else None), str(opt.env)
    if value is None or value == "":
        value, source = opt.default_for(command), "default"
    if value is None:
        return None
    try:
        if not opt.repeat:
            return opt.parse(str(value))
        items = value.split(",") if isinstance(value, str) else _items(value)
        parsed = [opt.parse(str(item).strip()) for item in items if str(item).strip()]
        if not parsed:
            raise ConfigError(f"needs at least one value: {value!r}")
        return tuple(dict.fromkeys(parsed))
    except ConfigError as err:
        raise ConfigError(f"{source}: {err}") from None


def _items(value: Any) -> Iterable[Any]:
    if isinstance(value, list | tuple):
        return value
    return [value]


def default_archive(db: Path) -> Path:
    """``data/anq.duckdb`` keeps its raw pages in ``data/anq-raw/``."""
    return db.with_name(f"{db.stem}-raw")


def as_options(settings: Settings) -> dict[str, Any]:
    """The settings as a flow's ``options`` (JSON-ready; resolves back to the same)."""
    out: dict[str, Any] = {}
    for name in OPTIONS:
        value = getattr(settings, name)
        if name == "rate":
            value = value or 0
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, Path | dt.datetime):
            value = str(value) if isinstance(value, Path) else value.isoformat()
        out[name] = value
    return out
