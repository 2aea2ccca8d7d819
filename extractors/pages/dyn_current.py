"""The current "dyn" question page (www.assemblee-nationale.fr/dyn/{leg}/questions/{uid}).

Layout (as on the real pages of QE, QG and QOSD of the 16th legislature)::

    main div.an-bloc._style-question[data-id="QANR5L16QE200 / ..."]
      .title span.h4          "Question écrite n°200 :" + span._regular (title)
      a.link                  "Publication de la question au Journal Officiel du ..., page N"
      div._pa-small           header "Question de : Name (Place - Group)" + question text
      div._pa-small           green header "Réponse publiée le ..." + answer text
      "Données clés"          p.h6 "Label :" + span._regular value; "Dates :" holds
                              one span._regular per dated event

Fields are found by label text (:mod:`extractors.pages.labels`), not by position.
A QG page holds only the sitting's transcript: it is the answer (docs/contract.md).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from extractors.model import ANSWERED, ExtractionError, Question
from extractors.pages.common import author_id, regular_spans, resolve_uid, split_author
from extractors.pages.dates import labelled_date, parse_date, parse_jo_page
from extractors.pages.labels import (
    LabelIndex,
    fold,
    label_key,
    starts_with_label,
    strip_label,
)
from extractors.pages.status import (
    CONTENT_LABELS,
    KNOWN_LABELS,
    has_status_line,
    read_status,
)
from extractors.pages.text import TAG_IDS, clean, inline_text, paragraphs, paragraphs_after
from extractors.uid import Uid

NAME = "dyn_current"

_BLOC = "div.an-bloc._style-question"
_CURRENT_LABELS = ("Dates", "Date", "Date de clôture", "Date de la séance", "Ministère répondant")
_CURRENT_KEYS = frozenset(label_key(label) for label in _CURRENT_LABELS)
# What ends a ``p.h6`` label (value span, line break, link), and what it skips.
_STOP_IDS = frozenset(TAG_IDS[name] for name in ("span", "br", "a"))
_TEXT_ID, _COMMENT_ID = TAG_IDS["-text"], TAG_IDS["-comment"]
_N_TITLE = re.compile(r"n[°o]\s*\d+\s*:\s*", re.IGNORECASE)


def matches(tree: LexborHTMLParser) -> bool:
    """A question bloc whose key-data column uses the current label set."""
    bloc = tree.css_first(_BLOC)
    if bloc is None:
        return False
    # Row by row: the first current label decides, the rows after it are not read.
    return any(_own_label(p) in _CURRENT_KEYS for p in bloc.css("p.h6"))  # label keys


def _labelled(tree: LexborHTMLParser) -> tuple[LexborNode | None, list[tuple[str, LexborNode]]]:
    """The question bloc of ``tree`` and its ``p.h6`` rows as (own label, node)."""
    bloc = tree.css_first(_BLOC)
    rows = [(_own_label(p), p) for p in bloc.css("p.h6")] if bloc is not None else []
    return bloc, rows


def parse(tree: LexborHTMLParser, url: str) -> Question:
    """Read every column from a current-dyn page; raise ExtractionError on drift."""
    bloc, rows = _labelled(tree)
    uid = resolve_uid(tree, url, bloc)
    if bloc is None:
        raise ExtractionError(str(uid), "page", "no question bloc (div.an-bloc._style-question)")
    index = key_data(bloc, rows)
    blocks = text_blocks(bloc)
    dated = [(label, _row_values(p)) for label, p in rows if label and label not in CONTENT_LABELS]
    dates = [line for _, values in dated for line in values]
    seance = inline_text(index.get("Date de la séance"))
    headers = [b.header for b in blocks]
    outcome = read_status(dated, headers, uid.type, str(uid))
    links = jo_links(bloc)
    author = split_author(inline_text(index.get("Auteur")) or _asked_by(blocks))
    question_text, answer_text = _texts(uid, blocks)
    answered = outcome.status == ANSWERED
    check_answer(uid, answered, answer_text)
    q_date = labelled_date(dates, "Question publiée le", "Question publiée au JO le")
    return Question(
        uid=str(uid), legislature=uid.legislature, type=uid.type, number=uid.number, url=url,
        title=title(bloc, tree), author_name=author.name,
        author_id=author_id(index.get("Auteur")) or author_id(bloc),
        author_group=author.group, constituency=author.place,
        rubrique=inline_text(index.get("Rubrique")),
        tete_analyse=inline_text(index.get("Tête d'analyse")),
        analyse=inline_text(index.get("Analyse")),
        ministry_asked=inline_text(index.get("Ministère interrogé")),
        ministry_answering=inline_text(index.get("Ministère répondant", "Ministère attributaire")),
        question_text=question_text, answer_text=answer_text,
        question_published_on=q_date or links.question_date or parse_date(seance),
        question_jo_page=links.question_page,
        answer_published_on=(outcome.closed_on or links.answer_date) if answered else None,
        answer_jo_page=links.answer_page if answered else None,
        status=outcome.status, closed_on=outcome.closed_on,
        closure_reason=outcome.closure_reason,
        signaled_on=labelled_date(dates, "Question signalée le", "Question signalée au JO le"),
        template=NAME, unknown_labels=unknown_labels(label for label, _ in rows),
    )  # fmt: skip


def unknown_labels(labels: Iterable[str]) -> tuple[str, ...]:
    """The key-data labels (folded) no reader knows, once each: template drift to count."""
    return tuple(dict.fromkeys(x for x in labels if x and x not in KNOWN_LABELS))


def check_answer(uid: Uid, answered: bool, answer_text: str | None) -> None:
    """Drift guard: an answer text without an answered status (or, for QE, the reverse)
    means a wording the status rules do not know yet; say so instead of guessing."""
    if answer_text and not answered:
        raise ExtractionError(str(uid), "status", "answer text present but no answer line matched")
    if answered and not answer_text and uid.type == "QE":
        raise ExtractionError(str(uid), "answer_text", "answer announced but no answer text")


# --- pieces shared with dyn_2017 -------------------------------------------------


def key_data(
    bloc: LexborNode, rows: list[tuple[str, LexborNode]] | None = None
) -> LabelIndex[LexborNode]:
    """The "Données clés" fields: each ``p.h6`` label mapped to its value node.

    The value is the ``span._regular`` children (one node when single, the
    ``p`` itself when several, as in "Dates"). ``rows``: the bloc's ``p.h6``
    as (own label, node), when the caller already has them.
    """
    if rows is None:
        rows = [(_own_label(p), p) for p in bloc.css("p.h6")]
    pairs: list[tuple[str, LexborNode]] = []
    for label, p in rows:
        if not label:
            continue
        values = regular_spans(p)
        pairs.append((label, values[0] if len(values) == 1 else p))
    return LabelIndex(pairs)


@dataclass(frozen=True, slots=True)
class TextBlock:
    """A ``div._pa-small`` of the text column: its header line and its body.

    ``asked_by`` is what follows "Question de" in the header (``None`` for an
    answer or closure block).
    """

    header: str
    body: str | None
    asked_by: str | None = None


def text_blocks(bloc: LexborNode) -> list[TextBlock]:
    """Question / answer blocks: a header paragraph ("Question de :", "Réponse ...") + body."""
    out: list[TextBlock] = []
    for div in bloc.css("div._pa-small"):
        first = _first_element(div)
        if first is None or first.tag != "p":
            continue
        header = inline_text(first) or ""
        asked_by = strip_label(header, "Question de")
        if asked_by or _is_status_header(header):
            out.append(TextBlock(header, _body_after(div, first), asked_by))
    return out


@dataclass(frozen=True, slots=True)
class JoLinks:
    """Dates and pages of the "Publication de ... au Journal Officiel du ..." links."""

    question_date: dt.date | None
    question_page: int | None
    answer_date: dt.date | None
    answer_page: int | None


def jo_links(bloc: LexborNode) -> JoLinks:
    """Read the JO publication links: the only place the current page shows JO pages."""
    found: dict[str, tuple[dt.date | None, int | None]] = {}
    # lexbor filters on the raw text first (in C); the label test below decides.
    for link in bloc.css('a:lexbor-contains("ublication" i)'):
        text = inline_text(link)
        # Both labels fold to this prefix (inline_text is already whitespace-clean).
        if text is None or not fold(text[:18]).startswith("publication de la "):
            continue
        for key, label in (("q", "Publication de la question"), ("a", "Publication de la réponse")):
            value = strip_label(text, label) if key not in found else None
            if value is not None:
                found[key] = (parse_date(value), parse_jo_page(value))
    q = found.get("q", (None, None))
    a = found.get("a", (None, None))
    return JoLinks(q[0], q[1], a[0], a[1])


def title(bloc: LexborNode, tree: LexborHTMLParser) -> str | None:
    """The heading after "n°N :": the h4's ``span._regular``, else the h4 text, else <title>."""
    h4 = bloc.css_first(".title span.h4") or bloc.css_first("span.h4")
    if h4 is not None:
        inner = h4.css_first("span._regular")
        if inner is not None:
            return inline_text(inner)
        found = _after_number(inline_text(h4))
        if found:
            return found
    head = tree.css_first("title")
    shown = _after_number(inline_text(head) if head is not None else None)
    if shown:
        return clean(re.sub(r"\s+-\s+Assemblée nationale\s*$", "", shown))
    return None


# --- private helpers ---------------------------------------------------------------


def _own_label(p: LexborNode) -> str:
    """A ``p.h6``'s label: its own text before the first value span or ``<br>``."""
    parts: list[str] = []
    child = p.first_child
    while child is not None:
        tag = child.tag_id
        if tag == _TEXT_ID:
            parts.append(child.text_content or "")
        elif tag in _STOP_IDS:
            break
        elif tag != _COMMENT_ID:
            parts.append(child.text() or "")
        child = child.next
    return label_key("".join(parts)) if parts else ""


def _row_values(p: LexborNode) -> list[str]:
    """A key-data row's value lines: each value span's lines (split at ``<br>``),
    else the row's own lines after its label."""
    spans = regular_spans(p)
    if spans:
        return [line for span in spans for line in paragraphs(span)]
    lines = paragraphs(p)
    return lines[1:] if lines and label_key(lines[0]) == _own_label(p) else lines


def _first_element(node: LexborNode) -> LexborNode | None:
    child = node.child
    while child is not None and (child.tag or "").startswith("-"):
        child = child.next
    return child


def _body_after(div: LexborNode, header: LexborNode) -> str | None:
    """The block's text without its header. Sibling-by-sibling, since lexbor may
    have split a malformed ``<p>`` into several siblings (``<p>..<p></p></br></p>``)."""
    parts = paragraphs_after(header)
    return "\n\n".join(parts) if parts else None


def _is_status_header(header: str) -> bool:
    """A green header: "Réponse publiée le ...", "Question retirée le ...", ..."""
    return starts_with_label(header, "Réponse") or has_status_line(header, "QE")


def _asked_by(blocks: list[TextBlock]) -> str | None:
    for block in blocks:
        value = block.asked_by
        if value:
            return value.split("),")[0] + ")" if ")," in value else value
    return None


def _texts(uid: Uid, blocks: list[TextBlock]) -> tuple[str | None, str | None]:
    question = next((b.body for b in blocks if b.asked_by), None)
    answers = [b.body for b in blocks if not b.asked_by and b.body]
    if uid.type == "QG":
        return None, question
    return question, answers[0] if answers else None


def _after_number(text: str | None) -> str | None:
    if not text:
        return None
    match = _N_TITLE.search(text)
    return clean(text[match.end() :]) if match else None
