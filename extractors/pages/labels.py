"""Finding a field by the label the page prints beside it.

House rule: match fields by label text, never by position. Labels drift
between template generations in case, accents, punctuation and separators
("Ministère interrogé :", "Ministère interrogé >", "MINISTERE INTERROGE",
"Ministère  interrogé&nbsp;:"), so every comparison goes through
:func:`fold`, which lower-cases, strips accents, unifies apostrophes and
collapses whitespace, and separators (``:``, ``>``, ``-``) are ignored at the
label's end.

:func:`fold` keeps the string's length (one character in, one out), so a
match found in the folded text is at the same offsets in the original: that
is how :func:`strip_label` returns the value *as displayed*.

Typical uses::

    value = strip_label("Ministère interrogé > Économie", "Ministère interrogé")
    # "Économie"
    index = LabelIndex([("Rubrique :", node1), ("Ministère répondant :", node2)])
    index.get("Ministère attributaire", "Ministère répondant")  # node2
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from typing import Generic, TypeVar

V = TypeVar("V")

#: Characters that may separate a label from its value (stripped at both ends).
SEPARATORS = " :>-–—\u00a0\t\r\n"


def _fold_char(ch: str) -> str:
    if ch in "’‘`´ʼ":
        return "'"
    if ch.isspace():
        return " "
    base = unicodedata.normalize("NFD", ch)[0].lower()
    return base if len(base) == 1 else ch


#: Length-preserving translation for Latin-1, Latin Extended-A/B and punctuation.
_FOLD = str.maketrans(
    {chr(i): _fold_char(chr(i)) for i in range(0x250)}
    | {ch: _fold_char(ch) for ch in "’‘ʼ\u2009\u202f\u2007\u2002\u2003"}
)


#: :data:`_FOLD` for the Latin-1 range as a byte table (every image stays in it).
_FOLD_LATIN1 = bytes(ord(str(_FOLD[i])) for i in range(256))


def fold(text: str) -> str:
    """Lower-case, accent-free, apostrophe-unified copy of ``text``, same length.

    Text within Latin-1 (most lines: accents, no curly quote) goes through a
    byte table, four times faster than ``str.translate`` with a dict.
    """
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return text.translate(_FOLD)
    return raw.translate(_FOLD_LATIN1).decode("latin-1")


def label_key(text: str) -> str:
    """The comparable form of a label: folded, whitespace collapsed, separators trimmed.

    ``"  Ministère  interrogé > "`` and ``"MINISTERE INTERROGE:"`` both give
    ``"ministere interroge"``.
    """
    return _cached_key(text) if len(text) <= CACHED_KEY else _key(text)


#: Keys of texts up to this long are cached: the same few dozen labels are keyed on
#: every page, while page lines (also keyed, to be compared) would fill the cache.
CACHED_KEY = 100


@functools.lru_cache(maxsize=1024)
def _cached_key(text: str) -> str:
    return _key(text)


def _key(text: str) -> str:
    return " ".join(fold(text).split()).strip(SEPARATORS)


def strip_label(text: str | None, *labels: str) -> str | None:
    """If ``text`` starts with one of ``labels``, the rest of it (the value).

    The value is returned as displayed (original case and accents), with
    leading separators removed and whitespace collapsed; ``""`` becomes
    ``None``. The label must end on a word boundary: ``Rubrique`` does not
    match ``Rubriques : ...``. ``None`` when no label matches.
    """
    return Folded(text).strip(*labels) if text else None


def starts_with_label(text: str | None, *labels: str) -> bool:
    """Whether ``text`` begins with one of ``labels`` (same rules as :func:`strip_label`)."""
    if not text:
        return False
    return _matched(fold(_flat(text)), labels) is not None


class Folded:
    """A line and its comparable form, folded once for the many labels tried on it."""

    __slots__ = ("flat", "folded", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.flat = _flat(text)  # whitespace collapsed, as displayed
        self.folded = fold(self.flat)

    def starts_with(self, *labels: str) -> bool:
        """:func:`starts_with_label` on this line."""
        return _matched(self.folded, labels) is not None

    def strip(self, *labels: str) -> str | None:
        """:func:`strip_label` on this line."""
        end = _matched(self.folded, labels)
        if end is None:
            return None
        return self.flat[end:].lstrip(SEPARATORS).rstrip() or None


def _matched(folded: str, labels: tuple[str, ...]) -> int | None:
    """Where the first of ``labels`` that ``folded`` starts with ends, on a word boundary."""
    for label in labels:
        key = label_key(label)
        if folded.startswith(key) and _boundary(folded, len(key)):
            return len(key)
    return None


def is_label(text: str | None, *labels: str) -> bool:
    """Whether ``text`` is exactly one of ``labels`` (up to case, accents, separators)."""
    if not text:
        return False
    key = label_key(text)
    return any(key == label_key(label) for label in labels)


class LabelIndex(Generic[V]):
    """Values (nodes, strings, ...) indexed by their label's :func:`label_key`.

    Built once per page from (label text, value) pairs; the first pair wins
    when a label repeats, as a reader would see the first one.
    """

    def __init__(self, pairs: Iterable[tuple[str, V]]) -> None:
        self._by_key: dict[str, V] = {}
        for label, value in pairs:
            self._by_key.setdefault(label_key(label), value)

    def get(self, *labels: str) -> V | None:
        """The value of the first of ``labels`` the page has, else ``None``."""
        for label in labels:
            value = self._by_key.get(label_key(label))
            if value is not None:
                return value
        return None

    def keys(self) -> list[str]:
        """The folded labels present (for error messages and debugging)."""
        return list(self._by_key)

    def __contains__(self, label: object) -> bool:
        return isinstance(label, str) and label_key(label) in self._by_key


def _flat(text: str) -> str:
    """``" ".join(text.split())``, without the split when there is nothing to do."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # no whitespace but single inner spaces (see text.clean)
    return " ".join(text.split())


def _boundary(folded: str, end: int) -> bool:
    return end >= len(folded) or not folded[end].isalnum()
