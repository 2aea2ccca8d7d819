"""French dates and Journal officiel page numbers, as the pages print them.

Forms seen across the template generations:

* long form: ``26 juillet 2022``, ``1er décembre 2022``, ``Le mardi 25
  octobre 2022`` (the weekday is simply ignored), in any case, with or without
  accents (``decembre``, ``aout``), ``1<sup>er</sup>`` already flattened to
  ``1er`` by :mod:`extractors.pages.text`;
* numeric: ``21/08/2012`` (dd/mm/yyyy, legacy pages; ``.`` and ``-`` too);
* JO pages: ``page 3501``, ``page : 4774``, ``p. 3501``.

Every function returns ``None`` rather than raising when nothing (valid) is
found: whether a missing date is an error is the caller's decision. An
impossible date (``31 février 2022``) is treated as absent, not guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from extractors.pages.labels import strip_label

MONTHS: dict[str, int] = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "decembre": 12,
}  # fmt: skip

# Accented spellings map to the same month; the pattern accepts both.
_MONTH_RE = (
    r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre"
    r"|novembre|d[ée]cembre"
)
_LONG = re.compile(
    rf"(?<!\d)(?P<day>[0-3]?\d)\s*(?:er|ER|Er)?\s+(?P<month>{_MONTH_RE})\s+(?P<year>\d{{4}})(?!\d)",
    re.IGNORECASE,
)
_NUMERIC = re.compile(r"(?<!\d)(?P<day>[0-3]?\d)[/.-](?P<month>[01]?\d)[/.-](?P<year>\d{4})(?!\d)")
_PAGE = re.compile(r"\b(?:page|p\.)\s*:?\s*(?P<page>\d{1,6})(?!\d)", re.IGNORECASE)
_FOLD_MONTH = str.maketrans({"é": "e", "É": "e", "û": "u", "Û": "u"})


def parse_long_date(text: str | None) -> dt.date | None:
    """The first valid long-form French date in ``text`` (``1er décembre 2022``)."""
    if not text:
        return None
    for match in _LONG.finditer(text):
        found = _from_match(match)
        if found is not None:
            return found
    return None


def parse_numeric_date(text: str | None) -> dt.date | None:
    """The first valid ``dd/mm/yyyy`` date in ``text``."""
    if not text:
        return None
    for match in _NUMERIC.finditer(text):
        found = _from_match(match)
        if found is not None:
            return found
    return None


def parse_date(text: str | None) -> dt.date | None:
    """The first valid date in ``text``, whichever form comes first."""
    if not text:
        return None
    candidates = [m for m in (_LONG.search(text), _numeric(text)) if m is not None]
    if len(candidates) == 2 and candidates[1].start() < candidates[0].start():
        candidates.reverse()
    for match in candidates:
        found = _from_match(match)
        if found is not None:
            return found
    # The first-found match may have been impossible (31/02); look further on.
    return parse_long_date(text) or parse_numeric_date(text)


def _numeric(text: str) -> re.Match[str] | None:
    """The first :data:`_NUMERIC` match; most lines have no separator, so no search."""
    if "/" in text or "." in text or "-" in text:
        return _NUMERIC.search(text)
    return None


def _from_match(match: re.Match[str]) -> dt.date | None:
    """The date a :data:`_LONG` or :data:`_NUMERIC` match spells, if it exists."""
    if match.re is _LONG:
        month = MONTHS[match["month"].translate(_FOLD_MONTH).lower()]
    else:
        month = int(match["month"])
    return _make(match["year"], month, match["day"])


def parse_jo_page(text: str | None) -> int | None:
    """The JO page number announced by ``page N`` / ``p. N`` in ``text``."""
    if not text:
        return None
    match = _PAGE.search(text)
    if match is None:
        return None
    page = int(match["page"])
    return page if page > 0 else None


def _make(year: str, month: int, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), month, int(day))
    except ValueError:
        return None


def labelled_date(lines: Iterable[str | None], *labels: str) -> dt.date | None:
    """The date on the first line that starts with one of ``labels``.

    For dates that are columns only under a precise label ("Question
    signalée au JO le", "Question publiée le"): matching the label first is
    what keeps "Date de changement d'attribution" and "Date de
    renouvellement" from being taken for them.
    """
    for line in lines:
        value = strip_label(line, *labels)
        if value is not None:
            found = parse_date(value)
            if found is not None:
                return found
    return None


def labelled_page(lines: Iterable[str | None], *labels: str) -> int | None:
    """The JO page on the first line that starts with one of ``labels`` and shows one."""
    for line in lines:
        value = strip_label(line, *labels)
        if value is not None:
            page = parse_jo_page(value)
            if page is not None:
                return page
    return None
