"""How long the polite client waits at most, and reading numbers without surprises.

Three bounds keep a slow or hostile server from holding a run (README,
"Politeness and limits"):

* ``response_deadline``: one response, headers and body together;
* ``page_deadline``: one page across its retries, redirects and waits,
  counted from its first request (waiting for the pacer before it is not);
* ``retry_after_budget``: the run's total wait on Retry-After; once spent, the
  client pauses and the pages left fail unasked.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: ASCII decimal numbers only: ``float()`` would also take ``inf``, ``nan``,
#: ``1_0`` and non-ASCII digits.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

#: The longest any of the bounds may be set to: one day.
MAX_SECONDS = 86_400.0

#: (field, environment variable, default seconds).
LIMITS = (
    ("response_deadline", "ANQ_RESPONSE_DEADLINE", 60.0),
    ("page_deadline", "ANQ_PAGE_DEADLINE", 300.0),
    ("retry_after_budget", "ANQ_RETRY_AFTER_BUDGET", 1800.0),
)


def finite_number(text: str) -> float | None:
    """``text`` as a finite float, or None for anything else (never raises)."""
    text = text.strip()
    if len(text) > 64 or not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def seconds(name: str, raw: float | str, *, maximum: float = MAX_SECONDS) -> float:
    """A duration option: a number of seconds above 0 and at most ``maximum``.

    Raises ValueError with one line naming the option and the value.
    """
    value = raw if isinstance(raw, float | int) else finite_number(raw)
    if value is None or not math.isfinite(value) or not 0 < value <= maximum:
        raise ValueError(
            f"{name} must be a number of seconds above 0, at most {maximum:g}: {raw!r}"
        )
    return float(value)


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """The client's bounds in seconds (see the module docstring)."""

    response_deadline: float = LIMITS[0][2]
    page_deadline: float = LIMITS[1][2]
    retry_after_budget: float = LIMITS[2][2]
