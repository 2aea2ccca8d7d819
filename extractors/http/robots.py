"""robots.txt, read the way RFC 9309 says (plus the common Crawl-delay).

Why not :mod:`urllib.robotparser`: it applies the first matching rule rather
than the longest one, and ignores the ``*`` and ``$`` wildcards, so it can
allow a page that a modern robots.txt disallows. This module is pure (text
in, answers out); :mod:`extractors.http.client` fetches the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote


@dataclass(frozen=True)
class _Rule:
    allow: bool
    pattern: str
    regex: re.Pattern[str]


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
            if rule.regex.match(target) is None:
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
            current.rules.append(_Rule(key == "allow", value, _compile(value)))
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


def _compile(pattern: str) -> re.Pattern[str]:
    """``*`` matches any run of characters, a final ``$`` anchors the end."""
    anchored = pattern.endswith("$")
    body = _normalise(pattern[:-1] if anchored else pattern)
    regex = ".*".join(re.escape(part) for part in body.split("*"))
    return re.compile(regex + ("$" if anchored else ""))


def _normalise(path: str) -> str:
    """Compare decoded paths, so ``%7E`` and ``~`` are one character."""
    return unquote(path) or "/"


def _float(value: str) -> float | None:
    try:
        delay = float(value)
    except ValueError:
        return None
    return delay if delay >= 0 else None
