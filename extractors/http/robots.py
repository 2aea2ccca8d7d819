"""robots.txt, read the way RFC 9309 says (plus the common Crawl-delay).

Why not :mod:`urllib.robotparser`: it applies the first matching rule rather
than the longest one, and ignores the ``*`` and ``$`` wildcards, so it can
allow a page that a modern robots.txt disallows. This module is pure (text
in, answers out); :mod:`extractors.http.client` fetches the file.

A hostile file must not cost more than reading it: wildcards are matched
without regexes (a ``.*`` regex backtracks, ``/`` + 12 ``*`` + ``Z`` took over
30 s per path), in time linear in pattern and path; Crawl-delay is clamped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from urllib.parse import unquote

#: The part of a longer robots.txt that is read (RFC 9309 2.5: at least 500 KiB).
ROBOTS_MAX_BYTES = 500 * 1024
#: The longest Crawl-delay obeyed, in seconds; longer ones are clamped to it, so a
#: site cannot stop a run by asking for a day between requests.
MAX_CRAWL_DELAY = 60.0


@dataclass(frozen=True)
class _Rule:
    allow: bool
    pattern: str
    #: The decoded pattern split at its ``*``; ``anchored`` when it ended in ``$``.
    parts: tuple[str, ...]
    anchored: bool

    def matches(self, path: str) -> bool:
        """Leftmost-first matching of the literal parts: exact for ``*``-only globs,
        each part found once, so no backtracking."""
        first, *middle = self.parts
        if not path.startswith(first):
            return False
        if not middle:
            return path == first if self.anchored else True
        *middle, last = middle
        pos = len(first)
        for part in middle:
            found = path.find(part, pos)
            if found < 0:
                return False
            pos = found + len(part)
        if self.anchored:
            return path.endswith(last) and len(path) - len(last) >= pos
        return path.find(last, pos) >= 0


@dataclass
class _Group:
    agents: list[str] = field(default_factory=list)
    rules: list[_Rule] = field(default_factory=list)
    crawl_delay: float | None = None


@dataclass(frozen=True)
class RobotsPolicy:
    """The rules that apply to one user agent; ``RobotsPolicy.allow_all()`` when there are none."""

    rules: tuple[_Rule, ...] = ()
    crawl_delay: float = 0.0

    @classmethod
    def allow_all(cls) -> RobotsPolicy:
        """No robots.txt (4xx) or an unreadable one (5xx, unreachable): nothing is disallowed."""
        return cls()

    @classmethod
    def parse(cls, text: str, product: str) -> RobotsPolicy:
        """Keep the group naming ``product`` (e.g. ``anq``), else the ``*`` group."""
        groups = _groups(text)
        product = product.lower()
        chosen = [g for g in groups if product in g.agents]
        if not chosen:
            chosen = [g for g in groups if "*" in g.agents]
        rules = tuple(r for g in chosen for r in g.rules)
        delays = [g.crawl_delay for g in chosen if g.crawl_delay is not None]
        return cls(rules, max(delays, default=0.0))

    def allows(self, path: str) -> bool:
        """Longest matching rule wins; Allow wins a tie; no match allows (RFC 9309 2.2.2)."""
        target = _normalise(path)
        if target == "/robots.txt":
            return True
        best: _Rule | None = None
        for rule in self.rules:
            if not rule.matches(target):
                continue
            longer = best is None or len(rule.pattern) > len(best.pattern)
            tie_allow = best is not None and len(rule.pattern) == len(best.pattern) and rule.allow
            if longer or tie_allow:
                best = rule
        return best is None or best.allow


def _groups(text: str) -> list[_Group]:
    """Split the file into groups: consecutive User-agent lines open a group."""
    groups: list[_Group] = []
    current: _Group | None = None
    last_was_agent = False
    for key, value in _lines(text):
        if key == "user-agent":
            if current is None or not last_was_agent:
                current = _Group()
                groups.append(current)
            current.agents.append(value.split("/")[0].strip().lower())
            last_was_agent = True
            continue
        last_was_agent = False
        if current is None:
            continue
        if key in ("allow", "disallow") and value:
            current.rules.append(_rule(key == "allow", value))
        elif key == "crawl-delay":
            current.crawl_delay = _float(value)
    return groups


def _lines(text: str) -> list[tuple[str, str]]:
    pairs = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = line.split(":", 1)
        pairs.append((key.strip().lower(), value.strip()))
    return pairs


def _rule(allow: bool, pattern: str) -> _Rule:
    """``*`` matches any run of characters, a final ``$`` anchors the end."""
    anchored = pattern.endswith("$")
    body = _normalise(pattern[:-1] if anchored else pattern)
    parts = body.split("*")
    # Empty inner parts (``**``) change nothing: dropping them keeps a match short.
    parts = [parts[0], *(p for p in parts[1:-1] if p), parts[-1]] if len(parts) > 1 else parts
    return _Rule(allow, pattern, tuple(parts), anchored)


def _normalise(path: str) -> str:
    """Compare decoded paths, so ``%7E`` and ``~`` are one character."""
    return unquote(path) or "/"


def _float(value: str) -> float | None:
    """A Crawl-delay in seconds, clamped to ``MAX_CRAWL_DELAY``; None (ignored) when
    not a finite number of at least 0."""
    try:
        delay = float(value[:64])
    except ValueError:
        return None
    if not math.isfinite(delay) or delay < 0:
        return None
    return min(delay, MAX_CRAWL_DELAY)
