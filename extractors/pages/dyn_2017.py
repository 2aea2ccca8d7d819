"""The older label set of the dyn page (seen for 14th-legislature questions).

Known only from a text rendering of the page of question écrite 14-41019,
no HTML: so this module reads the page as *lines* (the paragraphs of
``<main>``, built by :mod:`extractors.pages.text`) and finds every field by its
label, whatever the markup around it::

    14ème législature
    <title line>                      ← title: the line above "Question écrite n° N"
    Question écrite n° 41019
    Texte de la question / <paragraphs> / Texte de la réponse / <paragraphs>
    Données clés
    Auteur : M. Jacques Krabal
    Circonscription : Aisne (5e circonscription) - Radical, républicain, ...
    Numéro de la question : 41019   Rubrique : ...   Ministère interrogé : ...
    Ministère attributaire : ...
    Date(s) clé(s)
    Question publiée au JO le : 29 octobre 2013, page 11194
    Réponse publiée au JO le : ..., page N
    Question retirée le : 20 juin 2017 (Fin de mandat)
    Question signalée au JO le : ...

"Date de changement d'attribution" and "Date de renouvellement" are printed
in the same block; they are not columns and are never read as one (dates are
only taken from lines that start with the column's own label).
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from extractors.model import ANSWERED, ExtractionError, Question
from extractors.pages.common import author_id, resolve_uid, split_author
from extractors.pages.dates import labelled_date, labelled_page
from extractors.pages.dyn_current import check_answer
from extractors.pages.labels import Folded, fold, is_label, starts_with_label
from extractors.pages.status import read_status
from extractors.pages.text import clean, join_paragraphs, paragraphs
from extractors.uid import Uid

NAME = "dyn_2017"

#: Labels only this generation prints (folded); any one of them identifies it.
#: ("Ministère attributaire" is not one: legacy and fiche pages print it too.)
_MARKERS = ("date(s) cle(s)", "numero de la question")
_HEADING = re.compile(r"^question (ecrite|orale|au gouvernement)\b.*\bn\s*[°o]\s*\d+")
_SECTION_ENDS = ("Texte de la question", "Texte de la réponse", "Données clés", "Date(s) clé(s)")
_STOP_LABELS = ("Auteur", "Circonscription", "Type de question", "Numéro de la question",
                "Rubrique", "Ministère interrogé", "Ministère attributaire")  # fmt: skip


def matches(tree: LexborHTMLParser) -> bool:
    """A dyn page (``<main>`` or an ``an-bloc``) showing one of this generation's labels.

    Legacy and fiche pages have neither ``<main>`` nor ``an-bloc``.
    """
    main = tree.css_first("main") or tree.css_first("div.an-bloc")
    if main is None:
        return False
    shown = fold(main.text(deep=True))
    return any(marker in shown for marker in _MARKERS)


def parse(tree: LexborHTMLParser, url: str) -> Question:
    """Read every column from an older-dyn page; raise ExtractionError on drift."""
    uid = resolve_uid(tree, url)
    main = tree.css_first("main") or tree.body
    if main is None:
        raise ExtractionError(str(uid), "page", "no <main> or <body>")
    lines = _folded(paragraphs(main))
    author = split_author(_value(lines, "Auteur"))
    place = split_author(f"x ({_value(lines, 'Circonscription') or ''})")
    keyed = _value_block(lines, "Date(s) clé(s)")
    question_text = _section(lines, "Texte de la question")
    answer_text = _section(lines, "Texte de la réponse")
    outcome = read_status([("Date(s) clé(s)", keyed)], [], uid.type, str(uid))
    answered = outcome.status == ANSWERED
    check_answer(uid, answered, answer_text)
    return Question(
        uid=str(uid), legislature=uid.legislature, type=uid.type, number=uid.number, url=url,
        title=_title([line.text for line in lines], uid), author_name=author.name,
        author_id=_author_id(main), author_group=place.group or author.group,
        constituency=place.place or author.place,
        rubrique=_value(lines, "Rubrique"), tete_analyse=_value(lines, "Tête d'analyse"),
        analyse=_value(lines, "Analyse"), ministry_asked=_value(lines, "Ministère interrogé"),
        ministry_answering=_value(lines, "Ministère attributaire", "Ministère répondant"),
        question_text=question_text, answer_text=answer_text,
        question_published_on=labelled_date(keyed, "Question publiée au JO le",
                                            "Question publiée le"),
        question_jo_page=labelled_page(keyed, "Question publiée au JO le"),
        answer_published_on=outcome.closed_on if answered else None,
        answer_jo_page=labelled_page(keyed, "Réponse publiée au JO le") if answered else None,
        status=outcome.status, closed_on=outcome.closed_on,
        closure_reason=outcome.closure_reason,
        signaled_on=labelled_date(keyed, "Question signalée au JO le", "Question signalée le"),
        template=NAME,
    )  # fmt: skip


def _folded(lines: list[str]) -> list[Folded]:
    """Each line folded once: every label below is tried on every line."""
    return [Folded(line) for line in lines]


def _value(lines: list[Folded], *labels: str) -> str | None:
    """The value on the first line labelled with one of ``labels``; a label alone
    on its line takes the next line as its value (markup that splits them)."""
    for i, line in enumerate(lines):
        if not line.starts_with(*labels):
            continue
        value = line.strip(*labels)
        if value is None and i + 1 < len(lines) and not _is_any_label(lines[i + 1]):
            value = lines[i + 1].text
        return clean(value)
    return None


def _is_any_label(line: Folded) -> bool:
    return line.starts_with(*_STOP_LABELS, *_SECTION_ENDS)


def _value_block(lines: list[Folded], heading: str) -> list[str]:
    """The lines after ``heading`` (the dated events), to the end of the page."""
    for i, line in enumerate(lines):
        if is_label(line.text, heading):
            return [following.text for following in lines[i + 1 :]]
    return [line.text for line in lines if line.starts_with("Question", "Réponse", "Date")]


def _section(lines: list[Folded], heading: str) -> str | None:
    """Paragraphs between ``heading`` and the next section heading or label."""
    for i, line in enumerate(lines):
        if is_label(line.text, heading):
            body: list[str] = []
            for following in lines[i + 1 :]:
                if following.starts_with(*_SECTION_ENDS) or is_label(following.text, "Auteur"):
                    break
                body.append(following.text)
            return join_paragraphs(body)
    return None


def _title(lines: list[str], uid: Uid) -> str | None:
    """The line just above "Question écrite n° N", unless it is the legislature line."""
    for i, line in enumerate(lines):
        if _HEADING.match(fold(line)) and i > 0:
            above = lines[i - 1]
            if re.search(r"\bl[ée]gislature\b", above, re.IGNORECASE) or is_label(
                above, "Assemblée nationale"
            ):
                return None
            return above
    return None


def _author_id(main: LexborNode) -> str | None:
    for node in main.css("p, div, li, dd, span"):
        text = node.text(deep=False)
        if starts_with_label(text, "Auteur"):
            found = author_id(node)
            if found is not None:
                return found
    return author_id(main)
