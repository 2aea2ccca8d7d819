"""The old "FICHE QUESTION" page (questions.assemblee-nationale.fr, legislatures ≤ 12).

A bare table whose values sit in self-describing tags: ``<num>``, ``<nat>``
(QE/QG/QOSD), ``<civ>`` + ``<aut>`` (the author, surname first as the page
prints it), ``<groupe>``, ``<dept>``, ``<mini>``, ``<mina>``, ``<dpq>`` /
``<pgq>`` (question in the JO, page), ``<dpr>`` / ``<pgrep>`` (answer),
``<dsign>`` (signalée), ``<dca>`` (change of attribution, no column),
``<dret>`` / ``<cret>`` (withdrawal date and reason), ``<rub>``, ``<tana>``,
``<ana>``, ``<quest>``, ``<rep>`` (for a QG, the debate transcript). The tag
names are the page's own field labels, so they are read rather than any cell
position; lexbor keeps the unknown tags as elements (those misplaced between
table rows are moved before the table, which does not matter here).

The facts are then assembled exactly as for the legacy page, through
:class:`extractors.pages.legacy.Facts`: same status rules, same QG convention.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from extractors.model import Question
from extractors.pages.common import author_id
from extractors.pages.legacy import Facts, fix, page_uid, type_from_label
from extractors.pages.text import inline_text, paragraphs

NAME = "fiche"

#: Date tags and the event they record (``None``: shown, but fills no column).
DATE_TAGS: tuple[tuple[str, str | None, str], ...] = (
    ("dpq", "question", "pgq"),
    ("dpr", "answer", "pgrep"),
    ("dsign", "signaled", ""),
    ("dca", None, ""),
    ("draps", None, ""),
)

#: The hidden closure code (``<codret>``), for a withdrawal whose reason the
#: page does not print. Codes as in the Assembly's data (``REP_PUB`` seen on
#: the samples); anything else leaves the reason to the status rules.
CLOSURE_CODES: dict[str, str] = {
    "RET": "Retrait",
    "FM": "Fin de mandat",
    "FDM": "Fin de mandat",
    "CAD": "Caducité",
}

#: Field name → the tag holding it.
TEXT_TAGS: dict[str, str] = {
    "ministry_asked": "mini",
    "ministry_answering": "mina",
    "rubrique": "rub",
    "tete_analyse": "tana",
    "analyse": "ana",
}

_DIGITS = re.compile(r"\d+")


def matches(tree: LexborHTMLParser) -> bool:
    """A fiche page carries its number and type in ``<num>`` and ``<nat>``."""
    return tree.css_first("num") is not None and tree.css_first("nat") is not None


def parse(tree: LexborHTMLParser, url: str) -> Question:
    """Read every field of a fiche page; raise :class:`ExtractionError` on drift."""
    tags = _first_of_each_tag(tree)
    uid = page_uid(
        url,
        _first_int(_tag(tags, "leg")) or _first_int(_tag(tags, "nleg")),
        type_from_label(_tag(tags, "nat")),
        _first_int(_tag(tags, "num")),
    )
    info = {name: _tag(tags, tag) for name, tag in TEXT_TAGS.items()}
    facts = Facts(uid=uid, url=url, template=NAME, title=info["analyse"])
    facts.info = info
    facts.author = _author(tags)
    facts.question_text = _text(tags, "quest")
    answer = [t for t in (_text(tags, "rep"), _text(tags, "comprep")) if t]
    facts.answer_text = "\n\n".join(answer) if answer else None
    for tag, kind, page_tag in DATE_TAGS:
        date = _tag(tags, tag)
        if date:
            page = _tag(tags, page_tag) if page_tag else None
            facts.add_event(kind, f"{date} page : {page}" if page else date)
    withdrawal = _withdrawal_line(tags)
    if withdrawal:
        facts.add_event("closure", withdrawal)
    return facts.build()


#: The first element of each tag name, in document order (what ``css_first(tag)`` finds).
Tags = dict[str, LexborNode]


def _first_of_each_tag(tree: LexborHTMLParser) -> Tags:
    """One walk of the page instead of a CSS query per field (a page has ~25 fields)."""
    first: Tags = {}
    for node in tree.root.traverse() if tree.root is not None else ():
        if node.tag is not None:
            first.setdefault(node.tag, node)
    return first


def _tag(tags: Tags, tag: str) -> str | None:
    node = tags.get(tag)
    return fix(inline_text(node)) if node is not None else None


def _first_int(text: str | None) -> int | None:
    match = _DIGITS.search(text or "")
    return int(match.group(0)) if match else None


def _text(tags: Tags, tag: str) -> str | None:
    paras = paragraphs(tags.get(tag))
    return "\n\n".join(paras) if paras else None


def _author(tags: Tags) -> tuple[str | None, str | None, str | None, str | None]:
    """(name, acteur id, group, place); the name keeps the civility and the page's order."""
    surname_first = _tag(tags, "aut")
    civility = _tag(tags, "civ")
    name = fix(f"{civility or ''} {surname_first}") if surname_first else None
    cell = _ancestor(tags.get("aut"), "td")
    return name, author_id(cell), _tag(tags, "groupe"), _tag(tags, "dept")


def _ancestor(node: LexborNode | None, tag: str) -> LexborNode | None:
    while node is not None and node.tag != tag:
        node = node.parent
    return node


def _withdrawal_line(tags: Tags) -> str | None:
    """A "Question retirée le : date (reason)" line built from ``<dret>`` / ``<cret>``.

    The reason is the one the page prints (``<cret>``, parentheses dropped),
    else the meaning of the hidden ``<codret>``; without either, the status
    rules decide.
    """
    date = _tag(tags, "dret")
    if not date:
        return None
    reason = (_tag(tags, "cret") or "").strip("() ") or CLOSURE_CODES.get(
        _tag(tags, "codret") or ""
    )
    return f"Question retirée le : {date} ({reason})" if reason else f"Question retirée le : {date}"
