"""The extractor: ``extract(html, url) -> Question | NotAQuestion``, pure (no I/O).

``extract`` decodes the bytes, repairs mojibake, parses once with lexbor,
answers :class:`NotAQuestion` for pages that hold no question (the site's
200 error pages, empty or non-HTML bodies), recognises the template
generation and hands the tree to that generation's module. It raises
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
module. Modules are tried in :data:`GENERATIONS` order, first match wins,
and imported lazily so that a module still being written (``legacy``,
``fiche``) does not break the others.

Shared page-level helpers for those modules live here: :func:`resolve_uid`,
:func:`uid_in`, :func:`split_author`, :func:`author_id`.

Uid precedence: the uid printed *in the page* (``data-id="QANR5L16QE200 /
..."``, ``og:url``, the canonical link) wins over the one in the URL. The
content describes the page's own question, and after a redirect the URL
asked for may name another number; ``Question.url`` still records where the
page was read. The URL is used when the page names no uid.
"""

from __future__ import annotations

import codecs
import functools
import importlib
import re
from dataclasses import dataclass
from types import ModuleType
from typing import AnyStr

from selectolax.lexbor import LexborHTMLParser, LexborNode

from extractors.labels import fold
from extractors.model import ExtractionError, NotAQuestion, Question
from extractors.text import clean, inline_text, looks_like_mojibake, repair_mojibake
from extractors.uid import InvalidUid, Uid, make_uid

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
GENERATIONS = ("dyn_current", "dyn_2017", "legacy", "fiche")

_META_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.IGNORECASE)
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
    source = _prepare(html, url)
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


def _read_focused(raw: bytes, url: str) -> Question | NotAQuestion | None:
    """The fast way for a page with a ``<main>``: its ``<head>`` and ``<main>``
    bytes straight to lexbor, which reads UTF-8. ``None``: take the general way.

    Whether those bytes are UTF-8 is checked only when it could matter: lexbor
    turns a byte that is not UTF-8 into U+FFFD, so a question none of whose
    values holds U+FFFD was read from valid text, or from damage that reaches
    no value. Anything else (U+FFFD in a value, not a question, an extraction
    error) is believed only if the bytes decode; otherwise the general way
    decides (the "encoding" error, or a legacy charset). Decoding every page
    to check it would cost a tenth of the extraction. The cut is made on the
    bytes (its markers are ASCII, so it falls between UTF-8 characters) and
    mojibake is looked for in its UTF-8 form, which the general way repairs.
    """
    data = _focused_bytes(raw)
    if data is None or _mojibake_bytes(data):
        return None
    try:
        found = _read(data, url)
    except ExtractionError:
        if _is_utf8(data):
            raise
        return None
    if isinstance(found, Question) and not _has_replacement(found):
        return found
    return found if _is_utf8(data) else None


def _focused_bytes(raw: bytes) -> bytes | None:
    """The ``<head>`` and ``<main>`` of ``raw``, without BOM; ``None`` without a main."""
    cut = _cut(raw, b"<main", b"</main>", b"</head>")
    if cut is None:
        return None
    head = cut[0][3:] if cut[0].startswith(codecs.BOM_UTF8) else cut[0]
    return b"".join((head, b"<body>", cut[1], b"</body></html>"))


#: :func:`extractors.text.looks_like_mojibake`'s characters in UTF-8 (Ã, Â, Å, and
#: "â" before "€", "‚" or "„"), each with the offset of a byte that is rare in
#: French text: that byte is found with memchr, then the sequence around it checked.
_MOJIBAKE_UTF8 = (
    (b"\xc3\x83", 1),
    (b"\xc3\x82", 1),
    (b"\xc3\x85", 1),
    (b"\xc3\xa2\xe2\x82\xac", 3),
    (b"\xc3\xa2\xe2\x80\x9a", 4),
    (b"\xc3\xa2\xe2\x80\x9e", 4),
)


def _mojibake_bytes(data: bytes) -> bool:
    """:func:`looks_like_mojibake` of the UTF-8 text ``data`` encodes, without decoding it."""
    for seq, at in _MOJIBAKE_UTF8:
        rare = seq[at : at + 1]
        pos = data.find(rare)
        while pos >= 0:
            if pos >= at and data.startswith(seq, pos - at):
                return True
            pos = data.find(rare, pos + 1)
    return False


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _has_replacement(question: Question) -> bool:
    """Whether a text value holds U+FFFD, lexbor's stand-in for a byte that is not UTF-8."""
    return any(isinstance(v, str) and "\ufffd" in v for v in question.as_row().values())


def _prepare(html: str | bytes, url: str) -> str | NotAQuestion:
    """The focused page (:func:`focus`) as text, mojibake repaired (the general way)."""
    text = focus(_decode_checked(html, url) if isinstance(html, bytes) else html)
    if not text or text.isspace():  # as ``not text.strip()``, without copying the page
        return NotAQuestion(url, "empty body")
    if "<" not in text[:4096] and "<" not in text:
        return NotAQuestion(url, "not HTML")
    return repair_mojibake(text) if looks_like_mojibake(text) else text


def _decode_checked(raw: bytes, url: str) -> str:
    """:func:`decode`, refusing a body that declares UTF-8 but is not UTF-8.

    Such a body was damaged on the way (or by the server): reading it as
    cp1252 would load silently garbled text, so it is an extraction error
    the run records and retries, not a page.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        match = _META_CHARSET.search(raw[:4096])
        declared = match.group(1).decode("ascii", "replace").lower() if match else ""
        if declared in ("utf-8", "utf8"):
            hint = uid_in(url)
            raise ExtractionError(
                str(hint) if hint else url,
                "encoding",
                f"declares UTF-8 but byte {err.start} is not UTF-8 ({err.reason})",
            ) from err
    return decode(raw)


def decode(raw: bytes) -> str:
    """UTF-8 when the bytes are valid UTF-8; else the ``<meta charset>``; else cp1252.

    Valid UTF-8 is almost never accidental, so it is tried first whatever the
    page declares. Legacy pages declare ISO-8859-1, which browsers read as
    cp1252 (a superset); so do we. Decoding never fails (``replace``).
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _META_CHARSET.search(raw[:4096])
    declared = match.group(1).decode("ascii", "replace").lower() if match else ""
    if declared in ("", "iso-8859-1", "latin-1", "latin1", "us-ascii", "utf-8", "utf8"):
        declared = "cp1252"
    try:
        return raw.decode(declared, "replace")
    except LookupError:
        return raw.decode("cp1252", "replace")


def focus(text: str) -> str:
    """The ``<head>`` and ``<main>`` of a page that has a ``<main>``, else the page.

    Everything a question page says is in its ``<main>`` (the text, the key
    data) and its ``<head>`` (``og:url``, ``<title>``); the site's menus and
    footer around it are three quarters of the bytes and lexbor spends ~85%
    of its time on them (measured: 1.1 ms vs 0.14 ms per page). Cutting is
    done on the raw text with plain ``find``; pages without a ``<main>``
    (legacy, fiche) are parsed whole.
    """
    cut = _cut(text, "<main", "</main>", "</head>")
    if cut is None:
        return text
    return f"{cut[0]}<body>{cut[1]}</body></html>"


def _cut(
    page: AnyStr, opening: AnyStr, closing: AnyStr, head_end: AnyStr
) -> tuple[AnyStr, AnyStr] | None:
    """(``<head>`` up to its end tag or empty, ``<main>...</main>``), or ``None`` without a main."""
    start = page.find(opening)
    end = page.rfind(closing)
    if start < 0 or end < start:
        return None
    stop = page.find(head_end, 0, start)
    head = page[: stop + len(head_end)] if stop >= 0 else page[:0]
    return head, page[start : end + len(closing)]


@functools.cache
def _modules() -> tuple[tuple[str, ModuleType], ...]:
    """The generation modules that import, in :data:`GENERATIONS` order (once)."""
    found = []
    for name in GENERATIONS:
        try:
            found.append((name, importlib.import_module(f"extractors.{name}")))
        except ImportError:
            continue  # a generation module that has not landed yet
    return tuple(found)


def _generation(tree: LexborHTMLParser, url: str) -> ModuleType | None:
    for name, module in _modules():
        try:
            if module.matches(tree):
                return module
        except Exception as exc:
            raise ExtractionError(
                _uid_hint(tree, url), "template", f"{name}.matches: {exc}"
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
    if q.status not in ("open", "answered", "withdrawn"):
        raise ExtractionError(q.uid, "status", f"unknown status {q.status!r}")
    if not (q.title or q.question_text or q.answer_text):
        raise ExtractionError(q.uid, "title", "neither a title nor a text on the page")


# --- helpers for generation modules -------------------------------------------------

_UID_FORMS = (
    re.compile(r"QANR5L(?P<leg>\d{1,2})(?P<type>QE|QG|QOSD)(?P<num>\d{1,7})", re.IGNORECASE),
    re.compile(r"/q(?P<leg>\d{1,2})/(?P=leg)-(?P<num>\d{1,7})(?P<type>QE|QG|QOSD)\b", re.I),
    re.compile(r"/detail/(?P<leg>\d{1,2})/(?P<type>qe|qg|qosd)/(?P<num>\d{1,7})\b", re.I),
)


def uid_in(text: str | None) -> Uid | None:
    """The first question uid named in ``text``: ``QANR5L16QE200``, a legacy
    ``/q14/14-3200QE.htm`` address or ``/questions/detail/14/qe/3200``."""
    if not text:
        return None
    for form in _UID_FORMS:
        for match in form.finditer(text):
            try:
                return make_uid(int(match["leg"]), match["type"].upper(), int(match["num"]))
            except InvalidUid:
                continue
    return None


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


def _uid_hint(tree: LexborHTMLParser, url: str) -> str:
    try:
        return str(resolve_uid(tree, url))
    except ExtractionError:
        return url


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
