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

Generation modules hand over the key-data rows (label and value lines:
"Date", "Dates", "Date(s) clé(s)", "Date de cloture", any label but the
content ones) and the answer and sitting headers to :func:`read_status`,
which refuses a closure-looking row that no rule reads.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from extractors.model import ANSWERED, OPEN, WITHDRAWN, ExtractionError
from extractors.pages.dates import parse_date
from extractors.pages.labels import fold, label_key
from extractors.pages.text import clean

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


#: A closure row's label, folded: "Date de clôture", "Date de cloture", "Clôture".
_CLOSURE = r"(?:date de )?clo?ture\b"
#: A line that opens on a date, then a reason ("21/06/2022 - Retrait").
_DATED = r"(?:le\s+)?(?:\d{1,2}(?:er)?\s+[a-z]+\s+\d{4}|\d{1,2}[/.-]\d{1,2}[/.-]\d{4})"
_DATED += r"[\s,:;()\-–—]*"

#: The ordered rule table. Order matters: a QG's sitting is its answer date,
#: so it comes before the JO answer line; an answer wins over a later
#: administrative closure line; specific closure wordings precede generic ones.
#: An answer line names its date: a bare "Réponse publiée" is the reason of a
#: closure row, read with that row's label and date (``closure_answer``).
RULES: tuple[Rule, ...] = (
    _rule("qg_sitting", r"(date de la seance|.*\bposee\b.*\bseance\b)", ANSWERED, ANSWER_REASON,
          "QG"),
    _rule("answer_published", r"reponse\b.*\bpubliee?\b.*\d", ANSWERED, ANSWER_REASON),
    _rule("closure_answer", _CLOSURE + r".*\breponse publiee", ANSWERED, ANSWER_REASON),
    _rule("withdrawn_with_reason", r"question retiree\b[^(]*\((?P<reason>[^)]+)\)", WITHDRAWN,
          None),
    _rule("withdrawn", r"question retiree\b", WITHDRAWN, "Retrait"),
    _rule("closure_end_of_mandate", _CLOSURE + r".*\bfin de mandat", WITHDRAWN, "Fin de mandat"),
    _rule("closure_lapsed", _CLOSURE + r".*\bcadu[cq]", WITHDRAWN, "Caducité"),
    _rule("closure_withdrawal", _CLOSURE + r".*\bretrai", WITHDRAWN, "Retrait"),
    _rule("closure_other", _CLOSURE, WITHDRAWN, None),
    _rule("dated_end_of_mandate", _DATED + r"fin de mandat\b", WITHDRAWN, "Fin de mandat"),
    _rule("dated_lapsed", _DATED + r"cadu[cq]", WITHDRAWN, "Caducité"),
    _rule("dated_withdrawal", _DATED + r"retrait\b", WITHDRAWN, "Retrait"),
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


#: Key-data labels whose value is content, never a date or a status (folded).
CONTENT_LABELS = frozenset(
    label_key(label)
    for label in ("Auteur", "Circonscription", "Type de question", "Numéro de la question",
                  "Rubrique", "Tête d'analyse", "Analyse", "Ministère interrogé",
                  "Ministère répondant", "Ministère attributaire")
)  # fmt: skip
#: Key-data labels of dated rows, read by the status rules (folded).
DATE_LABELS = frozenset(
    label_key(label)
    for label in ("Date", "Dates", "Date(s) clé(s)", "Date de la séance", "Date de clôture",
                  "Clôture")
)  # fmt: skip
#: Every key-data label the extractor knows; any other is template drift (counted).
KNOWN_LABELS = CONTENT_LABELS | DATE_LABELS
#: What a closure looks like (folded): such a row must be read by some rule.
_CLOSURE_LIKE = re.compile(r"clo?ture|retir|retrait|cadu[cq]|fin de mandat")


def read_status(
    rows: Iterable[tuple[str, Sequence[str]]], others: Iterable[str | None], type_: str, uid: str
) -> Outcome:
    """:func:`derive_status` over key-data rows (label, value lines) and ``others``
    (the answer and sitting headers).

    Every row is read whatever its label, except the content rows
    (:data:`CONTENT_LABELS`): line by line, and a row that looks like a closure
    (label or value) also through :func:`row_lines`, which it must match:
    otherwise ``ExtractionError`` on ``status``, since an ``open`` read from a
    closure the rules miss is a lie.
    """
    lines = [line for line in others if line]
    for label, values in rows:
        if label_key(label) in CONTENT_LABELS:
            continue
        if not _CLOSURE_LIKE.search(fold(" ".join((label, *values)))):
            lines += values  # its lines alone say all (an answer line names its date)
            continue
        candidates = row_lines(label, values)
        if not any(has_status_line(line, type_) for line in candidates):
            shown = " / ".join(values)
            raise ExtractionError(
                uid, "status", f"closure-like row {label!r}: {shown!r} matches no status rule"
            )
        lines += candidates
    return derive_status(lines, type_)


def row_lines(label: str, values: Sequence[str]) -> list[str]:
    """The lines a row offers the rules: each value line, each two adjacent lines
    joined (a date on one line, its reason on the next), and the label followed by
    the whole value (a label "Date de clôture" carries the meaning of its value)."""
    lines = list(values)
    lines += [f"{first} {second}" for first, second in itertools.pairwise(values)]
    if label and values:
        lines.append(f"{label} : {' '.join(values)}")
    return lines


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
