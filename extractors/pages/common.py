"""Page-level helpers shared by the generation modules: the uid, the author line,
the ``span._regular`` values."""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from extractors.model import ExtractionError
from extractors.pages.text import TAG_IDS, clean
from extractors.uid import Uid, uid_in


def resolve_uid(tree: LexborHTMLParser, url: str, bloc: LexborNode | None = None) -> Uid:
    """The page's uid (``data-id``, ``og:url``, canonical link), else the URL's.

    ``bloc``: the question's own block when the caller has found it; its
    ``data-id`` is read first (the same attribute, without a search).
    Raises ``ExtractionError(url, "uid", ...)`` when neither names one.
    """
    if bloc is not None:
        found = uid_in(bloc.attributes.get("data-id"))
        if found is not None:
            return found
    for selector, attr in (
        ("div.an-bloc[data-id]", "data-id"),
        ('meta[property="og:url"]', "content"),
        ('link[rel="canonical"]', "href"),
    ):
        node = tree.css_first(selector)
        found = uid_in(node.attributes.get(attr)) if node is not None else None
        if found is not None:
            return found
    found = uid_in(url)
    if found is None:
        raise ExtractionError(url, "uid", "no question uid in the page or the URL")
    return found


_SPAN_ID = TAG_IDS["span"]
#: HTML's whitespace (what separates class tokens) made spaces.
_HTML_SPACES = str.maketrans("\t\n\x0c\r", "    ")


# Kept for speed, not for clarity: a CSS call per key-data row (its selector
# parsed each time) pays in bench/bench_extract.py --synthetic.
def regular_spans(p: LexborNode) -> list[LexborNode]:
    """``p.css("span._regular")`` read in Python: the ``span`` elements of ``p``
    (``p`` included, as lexbor's ``css`` does) whose ``class`` has the token
    ``_regular``, in document order.

    Class tokens are split on HTML whitespace, as lexbor does; in a quirks-mode
    document lexbor compares them ignoring case, so a token equal to
    ``_regular`` only in another case sends the row to lexbor to decide.
    """
    found: list[LexborNode] = []
    for node in p.traverse():
        if node.tag_id != _SPAN_ID:
            continue
        tokens = (node.attributes.get("class") or "").translate(_HTML_SPACES).split(" ")
        if "_regular" in tokens:
            found.append(node)
        elif "_regular" in (token.lower() for token in tokens):
            return p.css("span._regular")
    return found


@dataclass(frozen=True, slots=True)
class Author:
    """An author line split into its columns."""

    name: str | None
    place: str | None
    group: str | None


_PA = re.compile(r"(?<![A-Za-z])(?:OMC_)?(PA\d+)")


def split_author(shown: str | None) -> Author:
    """``"Mme X (Ile-de-France - Démocrate (MoDem et Indépendants))"`` → name, place, group.

    The parenthesis opened after the name runs to the end of the line; inside
    it, the place is everything before the *first* " - " and the group the
    rest (groups may hold " - ", commas and parentheses). Without " - " the
    whole parenthesis is the place. Without a parenthesis it is all name.
    """
    text = clean(shown)
    if text is None:
        return Author(None, None, None)
    start = text.find(" (")
    if start < 0 or not text.endswith(")"):
        return Author(text, None, None)
    name, inner = clean(text[:start]), text[start + 2 : -1]
    place, sep, group = inner.partition(" - ")
    if not sep:
        return Author(name, clean(inner), None)
    return Author(name, clean(place), clean(group))


def author_id(node: LexborNode | None) -> str | None:
    """The acteur id ``PA…`` of the first author link in ``node``, without ``OMC_``.

    Looked for in ``data-document-id``, then in the link's ``href``
    (``/deputes/PA722252``, ``/deputes/fiche/OMC_PA607603``).
    """
    if node is None:
        return None
    for link in node.css("[data-document-id], a[href]"):
        for attr in ("data-document-id", "href"):
            match = _PA.search(link.attributes.get(attr) or "")
            if match is not None:
                return match.group(1)
    return None
