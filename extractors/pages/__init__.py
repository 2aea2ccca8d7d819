"""The extractor: ``extract(html, url) -> Question | NotAQuestion``, pure (no I/O).

``extract`` cuts the page to its ``<head>`` and ``<main>`` (the rest is
menus), decodes it (:mod:`extractors.pages.page`; current pages' UTF-8 bytes go
straight to lexbor, see :func:`_read_focused`), repairs mojibake, parses
once with lexbor, answers :class:`NotAQuestion` for pages that hold no
question (the site's 200 error pages, empty or non-HTML bodies), recognises
the template generation and hands the tree to that generation's module. It raises
:class:`ExtractionError` when a page looks like a question but a required
field (uid, legislature, type, number, status, and a title or a text)
cannot be read, and nothing else: any other exception inside a generation
module is reported as an ``ExtractionError`` on field ``"page"``.

Generation modules
------------------
Each template generation is one module exposing exactly::

    NAME: str                                   # Question.template value
    def matches(tree: LexborHTMLParser) -> bool  # cheap: is this page mine?
    def parse(tree: LexborHTMLParser, url: str) -> Question

``tree`` is the already-parsed page (mojibake already repaired at document
level, so modules never see "Ã©"); ``url`` is the address the page was read
from, stored as ``Question.url``. ``parse`` may raise ``ExtractionError``;
it need not check the required fields, :func:`extract` does that for every
module. Modules are tried in :data:`GENERATIONS` order, first match wins;
they are imported eagerly, so a broken module fails at import, loudly.

Page-level helpers shared by those modules live in :mod:`extractors.pages.common`:
:func:`resolve_uid`, :func:`split_author`, :func:`author_id`.

Uid precedence: the uid printed *in the page* (``data-id="QANR5L16QE200 /
..."``, ``og:url``, the canonical link) wins over the one in the URL. The
content describes the page's own question, and after a redirect the URL
asked for may name another number; ``Question.url`` still records where the
page was read. The URL is used when the page names no uid.
"""

from __future__ import annotations

import dataclasses
import operator
import re
from types import ModuleType

from selectolax.lexbor import LexborHTMLParser

from extractors.model import STATUSES, ExtractionError, NotAQuestion, Question
from extractors.pages import dyn_2017, dyn_current, fiche, legacy
from extractors.pages.common import Author, author_id, resolve_uid, split_author
from extractors.pages.labels import fold
from extractors.pages.mojibake import mojibake_bytes
from extractors.pages.page import decode, focus, focused_bytes, is_utf8, prepare
from extractors.pages.text import clean, inline_text
from extractors.uid import InvalidUid, make_uid, uid_in

__all__ = [
    "GENERATIONS",
    "Author",
    "ExtractionError",
    "NotAQuestion",
    "Question",
    "author_id",
    "decode",
    "extract",
    "focus",
    "resolve_uid",
    "split_author",
    "uid_in",
]

#: Generation modules, most common first.
GENERATIONS: tuple[ModuleType, ...] = (dyn_current, dyn_2017, legacy, fiche)

_ERROR_MARKERS = (
    "la page demandee n'existe pas",
    "page demandee est introuvable",
    "page introuvable",
    "page non trouvee",
    "aucun resultat",
    "erreur 404",
    "error 404",
    "404 not found",
    "cette question n'existe pas",
    "document introuvable",
)
_QUESTION_HINT = re.compile(
    r"question (ecrite|orale|au gouvernement)\s*n\s*[°o]|QANR5L\d", re.IGNORECASE
)


def extract(html: str | bytes, url: str) -> Question | NotAQuestion:
    """Read one page. See the module docstring for what may come out."""
    if isinstance(html, bytes):
        read = _read_focused(html, url)
        if read is not None:
            return read
    source = prepare(html, url)
    if isinstance(source, NotAQuestion):
        return source
    return _read(source, url)


def _read(source: str | bytes, url: str) -> Question | NotAQuestion:
    """Parse the prepared page and hand it to its generation module."""
    try:
        tree = LexborHTMLParser(source)
    except Exception as exc:  # lexbor refuses some binary junk
        return NotAQuestion(url, f"unparseable: {type(exc).__name__}")
    module = _generation(tree, url)
    if module is None:
        return _not_a_question(tree, url)
    try:
        question: Question = module.parse(tree, url)
    except ExtractionError:
        raise
    except Exception as exc:
        raise ExtractionError(_uid_hint(tree, url), "page", f"{type(exc).__name__}: {exc}") from exc
    _check_required(question)
    return question


# Kept for speed, not for clarity: it pays in bench/bench_extract.py.
def _read_focused(raw: bytes, url: str) -> Question | NotAQuestion | None:
    """The fast way for a page with a ``<main>``: its ``<head>`` and ``<main>``
    bytes straight to lexbor, which reads UTF-8. ``None``: take the general way.

    Whether those bytes are UTF-8 is checked only when it could matter: lexbor
    turns a byte that is not UTF-8 into U+FFFD, so a question none of whose
    values holds U+FFFD was read from valid text, or from damage that reaches
    no value. Anything else (U+FFFD in a value, not a question, an extraction
    error) is believed only if the bytes decode; otherwise the general way
    decides (the "encoding" error, or a legacy charset). The cut is made on the
    bytes (its markers are ASCII, so it falls between UTF-8 characters) and
    mojibake is looked for in its UTF-8 form, which the general way repairs.
    """
    data = focused_bytes(raw)
    if data is None or mojibake_bytes(data):
        return None
    try:
        found = _read(data, url)
    except ExtractionError:
        if is_utf8(data):
            raise
        return None
    if isinstance(found, Question) and not _has_replacement(found):
        return found
    return found if is_utf8(data) else None


def _has_replacement(question: Question) -> bool:
    """Whether a text value holds U+FFFD, lexbor's stand-in for a byte that is not UTF-8."""
    return "\ufffd" in "".join(filter(None, _TEXT_VALUES(question)))


#: The ``str`` columns of a question, read in one C call.
_TEXT_VALUES = operator.attrgetter(
    *(f.name for f in dataclasses.fields(Question) if str(f.type).startswith("str"))
)


def _generation(tree: LexborHTMLParser, url: str) -> ModuleType | None:
    for module in GENERATIONS:
        try:
            if module.matches(tree):
                return module
        except Exception as exc:
            raise ExtractionError(
                _uid_hint(tree, url), "template", f"{module.NAME}.matches: {exc}"
            ) from exc
    return None


def _not_a_question(tree: LexborHTMLParser, url: str) -> NotAQuestion:
    """No generation claimed the page: an error page, or drift we must not hide."""
    body = tree.body
    shown = fold(clean(body.text(separator=" ")) or "") if body is not None else ""
    head = tree.css_first("title")
    title = fold(inline_text(head) or "") if head is not None else ""
    for marker in _ERROR_MARKERS:
        if marker in shown or marker in title:
            return NotAQuestion(url, f"error page: {marker!r}")
    if _QUESTION_HINT.search(title) or _QUESTION_HINT.search(shown[:20000]):
        raise ExtractionError(_uid_hint(tree, url), "template", "no known template generation")
    return NotAQuestion(url, "no question on the page")


def _check_required(q: Question) -> None:
    """Required columns, checked once for every generation (fail loudly on drift)."""
    try:
        expected = make_uid(q.legislature, q.type, q.number)
    except InvalidUid as exc:
        raise ExtractionError(q.uid, "uid", str(exc)) from exc
    if str(expected) != q.uid:
        raise ExtractionError(q.uid, "uid", f"uid disagrees with its parts ({expected})")
    if q.status not in STATUSES:
        raise ExtractionError(q.uid, "status", f"unknown status {q.status!r}")
    if not (q.title or q.question_text or q.answer_text):
        raise ExtractionError(q.uid, "title", "neither a title nor a text on the page")


def _uid_hint(tree: LexborHTMLParser, url: str) -> str:
    try:
        return str(resolve_uid(tree, url))
    except ExtractionError:
        return url
