"""A question's status, closing date and closure reason, derived by rules held as data.

The pages never state ``status`` directly; they print lines such as
"Réponse publiée le 27 septembre 2022", "Question retirée le : 20 juin 2017
(Fin de mandat)" or "Date de cloture : 18 juin 2022 Fin de mandat". Which
line means what is a table (:data:`RULES`), read top to bottom, the first
rule that matches any line winning; each row has its own test
(tests/extractors/test_status.py). Adding a wording the site starts to use
is adding a row, not another ``if``.

Patterns are matched against the *folded* line (:func:`extractors.pages.labels.fold`:
lower case, no accents), anchored at its start, so "Réponse publiée" and
"REPONSE PUBLIEE" are one rule. Because folding keeps offsets, a reason
captured by a pattern's ``reason`` group is returned as displayed.

Generation modules collect the candidate lines (the "Dates" / "Date(s)
clé(s)" block, the green answer header, the QG sitting line) and call
:func:`derive_status`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from extractors.pages.dates import parse_date
from extractors.pages.labels import fold
from extractors.pages.text import clean

OPEN, ANSWERED, WITHDRAWN = "open", "answered", "withdrawn"
ANSWER_REASON = "Réponse publiée"


@dataclass(frozen=True, slots=True)
class Rule:
    """One row: a line matching ``pattern`` (folded, anchored) means ``status``.

    ``reason`` is the closure reason to record; ``None`` means "as displayed":
    the pattern's ``reason`` group, or failing that the text after the date.
    ``types`` restricts the row to some question types (``None``: all).
    """

    name: str
    pattern: re.Pattern[str]
    status: str
    reason: str | None
    types: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the rules decided; ``rule`` names the row that fired (``None``: open)."""

    status: str
    closed_on: dt.date | None
    closure_reason: str | None
    rule: str | None


def _rule(
    name: str, pattern: str, status: str, reason: str | None, types: str | None = None
) -> Rule:
    kinds = frozenset(types.split(",")) if types else None
    return Rule(name, re.compile(pattern), status, reason, kinds)


#: The ordered rule table. Order matters: a QG's sitting is its answer date,
#: so it comes before the JO answer line; an answer wins over a later
#: administrative closure line; specific closure wordings precede generic ones.
RULES: tuple[Rule, ...] = (
    _rule("qg_sitting", r"(date de la seance|.*\bposee\b.*\bseance\b)", ANSWERED, ANSWER_REASON,
          "QG"),
    _rule("answer_published", r"reponse\b.*\bpubliee?\b", ANSWERED, ANSWER_REASON),
    _rule("closure_answer", r"date de clo?ture\b.*\breponse publiee", ANSWERED, ANSWER_REASON),
    _rule("withdrawn_with_reason", r"question retiree\b[^(]*\((?P<reason>[^)]+)\)", WITHDRAWN,
          None),
    _rule("withdrawn", r"question retiree\b", WITHDRAWN, "Retrait"),
    _rule("closure_end_of_mandate", r"date de clo?ture\b.*\bfin de mandat", WITHDRAWN,
          "Fin de mandat"),
    _rule("closure_lapsed", r"date de clo?ture\b.*\bcaduc", WITHDRAWN, "Caducité"),
    _rule("closure_withdrawal", r"date de clo?ture\b.*\bretrai", WITHDRAWN, "Retrait"),
    _rule("closure_other", r"date de clo?ture\b", WITHDRAWN, None),
    _rule("lapsed", r"(question )?(caduque?|caducite)\b", WITHDRAWN, "Caducité"),
    _rule("withdrawal", r"retrait\b", WITHDRAWN, "Retrait"),
    _rule("end_of_mandate", r"fin de mandat\b", WITHDRAWN, "Fin de mandat"),
)  # fmt: skip

_NOT_REASON = re.compile(r"^[\s:>()\-–—,.]+|[\s:>()\-–—,.]+$")
_DATE_TEXT = re.compile(
    r"(?:le\s+)?(?:\d{1,2}(?:er)?\s+\S+\s+\d{4}|\d{1,2}[/.-]\d{1,2}[/.-]\d{4})", re.IGNORECASE
)


def derive_status(lines: Iterable[str | None], type_: str) -> Outcome:
    """Apply :data:`RULES` to the page's status lines; open when none matches.

    ``closed_on`` is the first date printed on the matching line (``None``
    if it shows none: the caller decides whether that is drift).

    One regex per line (:func:`_combined`): its alternatives are the rows in
    table order, so a line's match names the first row matching that line;
    the lowest such row wins, the earliest line breaking a tie, which is
    "the first rule that matches any line".
    """
    pattern, by_group = _combined(type_)
    best: tuple[int, str, re.Match[str]] | None = None
    for line in (clean(x) for x in lines):
        if not line:
            continue
        match = pattern.match(fold(line))
        if match is not None and (best is None or (match.lastindex or 0) < best[0]):
            best = (match.lastindex or 0, line, match)
    if best is None:
        return Outcome(OPEN, None, None, None)
    group, line, match = best
    rule = by_group[group]
    reason = rule.reason if rule.reason is not None else _displayed_reason(line, match)
    return Outcome(rule.status, parse_date(line), reason, rule.name)


def has_status_line(line: str | None, type_: str) -> bool:
    """Whether some rule of :data:`RULES` matches ``line`` (as :func:`derive_status`
    would find, without working out the date and reason)."""
    text = clean(line)
    return text is not None and _combined(type_)[0].match(fold(text)) is not None


@functools.lru_cache(maxsize=16)
def _combined(type_: str) -> tuple[re.Pattern[str], dict[int, Rule]]:
    """The rows applying to ``type_`` as one alternation, each row in its own group,
    and the row for each group's number (the ``lastindex`` of a match: the
    row's group closes after any group inside it)."""
    rules = [r for r in RULES if r.types is None or type_ in r.types]
    pattern = re.compile("|".join(f"(?P<_row{i}>{r.pattern.pattern})" for i, r in enumerate(rules)))
    return pattern, {pattern.groupindex[f"_row{i}"]: r for i, r in enumerate(rules)}


def _displayed_reason(line: str, match: re.Match[str]) -> str | None:
    """The reason as the page shows it: the ``reason`` group, or what follows the date."""
    if "reason" in match.re.groupindex and match["reason"]:
        raw = line[match.start("reason") : match.end("reason")]
    else:
        date = _DATE_TEXT.search(line, match.end())
        raw = line[date.end() :] if date else ""
    text = clean(_NOT_REASON.sub("", raw))
    return text[0].upper() + text[1:] if text else None
