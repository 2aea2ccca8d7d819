"""The legacy questions.assemblee-nationale.fr page (legislatures 13-14).

The page has a ``section.question_header`` ("Question N° 3200", "de M. X
(Groupe - Place)", "Question écrite"), a ``section.question_info`` of
"Label > value" cells, a ``div.question_publish_date`` with one line per
event ("Question publiée au JO le : 21/08/2012 page : 4774") and a
``section.question_answer`` whose blocks are headed "Texte de la question" /
"Texte de la réponse".

Fields are found by the label printed beside them, never by position: the
classes only narrow the search to a region. Event lines go through
:data:`EVENT_LINES` (label → meaning), so "Date de changement
d'attribution" and "Date de renouvellement" are recognised and deliberately
ignored rather than mistaken for a column date.

The assembly shared with :mod:`extractors.pages.fiche` (identity, status, QG
convention) lives at the bottom of this module: the fiche page is this
page's ancestor and the two carry the same data model.
"""

from __future__ import annotations

import datetime as dt
import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from extractors.model import ANSWERED, ExtractionError, Question
from extractors.pages.common import author_id
from extractors.pages.dates import parse_jo_page, parse_numeric_date
from extractors.pages.labels import LabelIndex, label_key, starts_with_label, strip_label
from extractors.pages.status import ANSWER_REASON, read_status
from extractors.pages.text import clean, inline_text, paragraphs
from extractors.uid import TYPES, InvalidUid, Uid, make_uid, uid_in

NAME = "legacy"

#: Event lines of ``div.question_publish_date``: (label, what it records).
#: ``None`` marks a known line that fills no column: it must never fill one.
EVENT_LINES: tuple[tuple[str, str | None], ...] = (
    ("Question publiée au JO le", "question"),
    ("Réponse publiée au JO le", "answer"),
    ("Question retirée le", "closure"),
    ("Date de clôture", "closure"),
    ("Question signalée au JO le", "signaled"),
    ("Question signalée le", "signaled"),
    ("Date de signalement", "signaled"),
    ("Date de changement d'attribution", None),
    ("Date de renouvellement", None),
    ("Date de rappel", None),
)

#: The labels of ``section.question_info`` and the field each one fills.
INFO_LABELS: tuple[tuple[str, str], ...] = (
    ("Ministère interrogé", "ministry_asked"),
    ("Ministère attributaire", "ministry_answering"),
    ("Rubrique", "rubrique"),
    ("Tête d'analyse", "tete_analyse"),
    ("Analyse", "analyse"),
)

#: How each generation names the question types (folded-label comparison).
TYPE_LABELS: tuple[tuple[str, str], ...] = (
    ("Question écrite", "QE"),
    ("Question au gouvernement", "QG"),
    ("Question orale sans débat", "QOSD"),
)

_NUMBER = re.compile(r"Question\s+N\s*°\s*:?\s*(\d+)", re.IGNORECASE)
_LEGISLATURE = re.compile(r"(\d{1,2})\s*(?:e|è|ème|eme)\b", re.IGNORECASE)


def matches(tree: LexborHTMLParser) -> bool:
    """A legacy page has the question header and the block of JO dates."""
    return (
        tree.css_first("section.question_header") is not None
        and tree.css_first("div.question_publish_date") is not None
    )


def parse(tree: LexborHTMLParser, url: str) -> Question:
    """Read every field of a legacy page; raise :class:`ExtractionError` on drift."""
    header = tree.css_first("section.question_header")
    if header is None:
        raise ExtractionError(str(uid_in(url) or url), "type", "no section.question_header")
    lines = _header_lines(header)
    form = tree.css_first("section.print_and_pdf form[action]")
    action = form.attributes.get("action") or "" if form is not None else ""
    uid = page_uid(url, _legislature(tree), _type(lines), _number(lines), fallback=action)
    info = _info(tree)
    facts = Facts(uid=uid, url=url, template=NAME, title=info.get("analyse"))
    facts.author = _author(lines)
    facts.info = info
    facts.question_text, facts.answer_text = _texts(tree)
    block = tree.css_first("div.question_publish_date")
    for line in (fix(p) for p in paragraphs(block)):  # one block per event line
        if line:
            kind = _event_kind(line)
            if kind is None and not _known_event(line):
                facts.unread.append(line)  # read by the status rules, its label counted
            facts.add_event(kind, line)
    return facts.build()


def _known_event(line: str) -> bool:
    return any(starts_with_label(line, label) for label, _ in EVENT_LINES)


def _header_lines(header: LexborNode) -> list[tuple[str, LexborNode]]:
    pairs = ((fix(inline_text(div)), div) for div in header.css("div"))
    return [(text, div) for text, div in pairs if text]


def _legislature(tree: LexborHTMLParser) -> int | None:
    match = _LEGISLATURE.search(
        fix(inline_text(tree.css_first("header.question_legislature"))) or ""
    )
    return int(match.group(1)) if match else None


def _number(lines: list[tuple[str, LexborNode]]) -> int | None:
    found = (_NUMBER.search(text) for text, _ in lines)
    return next((int(m.group(1)) for m in found if m), None)


def _type(lines: list[tuple[str, LexborNode]]) -> str | None:
    return next((t for t in (type_from_label(text) for text, _ in lines) if t), None)


def _author(
    lines: list[tuple[str, LexborNode]],
) -> tuple[str | None, str | None, str | None, str | None]:
    """(name, acteur id, group, place) from "de M. X (Groupe - <span>Place</span> )".

    The place has its own ``<span>``, so the group is what stands between the
    parenthesis and " - place": a group containing " - " or parentheses
    stays whole. Without that span, the place is after the *last* " - ".
    """
    line = next((div for text, div in lines if starts_with_label(text, "de")), None)
    if line is None:
        return None, None, None, None
    name_node = line.css_first("a") or line.css_first("span")
    if name_node is None:
        return None, None, None, None
    name = fix(inline_text(name_node))
    others = [s for s in line.css("span") if s.css_first("a") is None and s != name_node]
    place = fix(inline_text(others[-1])) if others else None
    text = fix(inline_text(line)) or ""
    rest = text.split(name, 1)[1] if name and name in text else text
    inside = rest[rest.find("(") + 1 : rest.rfind(")")].strip() if "(" in rest else ""
    if place and inside.endswith(place):
        group: str | None = inside[: -len(place)].rstrip().removesuffix("-").strip()
    elif " - " in inside:
        group, _, place = inside.rpartition(" - ")
    else:
        group = inside
    return name, author_id(line), clean(group), clean(place)


def _info(tree: LexborHTMLParser) -> dict[str, str | None]:
    """The "Label > value" cells, keyed by field name."""
    pairs: list[tuple[str, str | None]] = []
    for span in tree.css("section.question_info span.question_big_content"):
        label = inline_text(span)
        if label and span.parent is not None:
            pairs.append((label, strip_label(fix(inline_text(span.parent)), label)))
    index: LabelIndex[str | None] = LabelIndex(pairs)
    return {name: index.get(label) for label, name in INFO_LABELS}


def _event_kind(line: str) -> str | None:
    return next((kind for label, kind in EVENT_LINES if starts_with_label(line, label)), None)


def _texts(tree: LexborHTMLParser) -> tuple[str | None, str | None]:
    """The question and answer texts, each found by its "Texte de la ..." heading."""
    question = answer = None
    for heading in tree.css("section.question_answer h3"):
        label, body = inline_text(heading), heading.parent
        if body is None:
            continue
        if starts_with_label(label, "Texte de la question"):
            question = text_after_heading(body, heading)
        elif starts_with_label(label, "Texte de la réponse"):
            answer = text_after_heading(body, heading)
    return question, answer


# --- shared with extractors.pages.fiche ------------------------------------------------


def fix(text: str | None) -> str | None:
    """A displayed value, whitespace normalised.

    No mojibake repair here: :func:`extractors.extract` repairs the whole
    document before parsing, so a module never sees "Ã©".
    """
    return clean(text) if text else None


def text_after_heading(body: LexborNode, heading: LexborNode | None) -> str | None:
    """``body``'s paragraphs without the heading's own: the text value of docs/contract.md."""
    skip = len(paragraphs(heading)) if heading is not None else 0
    kept = paragraphs(body)[skip:]  # already whitespace-normalised, blanks dropped
    return "\n\n".join(kept) if kept else None


def type_from_label(text: str | None) -> str | None:
    """``QE``/``QG``/``QOSD`` when ``text`` is the page's type label (or the code)."""
    if text and text.strip().upper() in TYPES:
        return text.strip().upper()
    return next((code for label, code in TYPE_LABELS if starts_with_label(text, label)), None)


def page_uid(
    url: str, legislature: int | None, type_: str | None, number: int | None, *, fallback: str = ""
) -> Uid:
    """The uid the page shows; else one named in ``fallback`` (a form action), else the URL's.

    As everywhere in :mod:`extractors`, the page's own identity wins over the
    URL (a redirect may have landed on another number); a page that names
    its question nowhere is drift.
    """
    if legislature is not None and type_ is not None and number is not None:
        try:
            return make_uid(legislature, type_, number)
        except InvalidUid as error:
            raise ExtractionError(str(uid_in(url) or url), "uid", str(error)) from error
    found = uid_in(fallback) or uid_in(url)
    if found is None:
        missing = "number" if number is None else "type" if type_ is None else "legislature"
        raise ExtractionError(url, missing, "not on the page, and no uid in the URL")
    return found


class Facts:
    """What a legacy or fiche page shows, turned into a :class:`Question` by :meth:`build`.

    Status comes from :func:`extractors.pages.status.read_status` over the
    event lines that carry a date (a "Réponse publiée au JO le :" line left
    empty on an open question must not make it answered).
    """

    def __init__(self, *, uid: Uid, url: str, template: str, title: str | None) -> None:
        self.uid, self.url, self.template, self.title = uid, url, template, title
        self.author: tuple[str | None, str | None, str | None, str | None] = (None,) * 4
        self.info: dict[str, str | None] = {}
        self.question_text: str | None = None
        self.answer_text: str | None = None
        self.dates: dict[str, tuple[dt.date | None, int | None]] = {}
        self.status_lines: list[str] = []
        #: Event lines no label of the table names: status rules still read them.
        self.unread: list[str] = []

    def add_event(self, kind: str | None, line: str) -> None:
        """Record one event line; ``kind`` comes from a label table (``None``: no column)."""
        on = parse_numeric_date(line)
        if kind is None or on is None:
            return
        self.dates.setdefault(kind, (on, parse_jo_page(line)))
        if kind in ("answer", "closure"):
            self.status_lines.append(line)

    def build(self) -> Question:
        """The :class:`Question`; :class:`ExtractionError` when a required field is missing."""
        uid = str(self.uid)
        name, acteur, group, place = self.author
        if name is None:
            raise ExtractionError(uid, "author_name", "no author line")
        q_on, q_page = self.dates.get("question", (None, None))
        a_on, a_page = self.dates.get("answer", (None, None))
        rows = [("", self.status_lines), *(("", [line]) for line in self.unread)]
        outcome = read_status(rows, [], self.uid.type, uid)
        status, closed_on, reason = outcome.status, outcome.closed_on, outcome.closure_reason
        if status != ANSWERED and self.answer_text is not None:  # a text is an answer
            status, closed_on, reason = ANSWERED, a_on, ANSWER_REASON
        question_text = self.question_text
        if self.uid.type == "QG":  # docs/contract.md: the sitting's transcript is the answer
            q_on = a_on = closed_on = q_on or a_on
            status, reason, question_text = ANSWERED, ANSWER_REASON, None
        if q_on is None:
            raise ExtractionError(uid, "question_published_on", "no 'Question publiée' date")
        signaled = self.dates.get("signaled", (None, None))[0]
        return Question(
            uid=uid, legislature=self.uid.legislature, type=self.uid.type,
            number=self.uid.number, url=self.url, title=self.title, author_name=name,
            author_id=acteur, author_group=group, constituency=place,
            rubrique=self.info.get("rubrique"), tete_analyse=self.info.get("tete_analyse"),
            analyse=self.info.get("analyse"), ministry_asked=self.info.get("ministry_asked"),
            ministry_answering=self.info.get("ministry_answering"),
            question_text=question_text, answer_text=self.answer_text,
            question_published_on=q_on, question_jo_page=q_page, answer_published_on=a_on,
            answer_jo_page=a_page, status=status, closed_on=closed_on, closure_reason=reason,
            signaled_on=signaled, template=self.template,
            unknown_labels=tuple(label_key(line.partition(":")[0]) for line in self.unread),
        )  # fmt: skip
