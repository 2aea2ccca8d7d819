"""From the bytes the server sent to the text (or UTF-8 bytes) lexbor parses.

Pure (no I/O): decoding with the right charset, refusing a body that
declares UTF-8 but is not, cutting a page to the ``<head>`` and ``<main>``
that hold everything a question page says, and spotting mojibake. Used by
:func:`extractors.extract`; a generation module never sees raw bytes.
"""

from __future__ import annotations

import codecs
import re
from typing import AnyStr

from extractors.model import ExtractionError, NotAQuestion
from extractors.pages.mojibake import looks_like_mojibake, repair_mojibake
from extractors.uid import uid_in

_META_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.IGNORECASE)


def prepare(html: str | bytes, url: str) -> str | NotAQuestion:
    """The focused page (:func:`focus`) as text, mojibake repaired (the general way)."""
    text = focus(decode_checked(html, url) if isinstance(html, bytes) else html)
    if not text or text.isspace():  # as ``not text.strip()``, without copying the page
        return NotAQuestion(url, "empty body")
    if "<" not in text[:4096] and "<" not in text:
        return NotAQuestion(url, "not HTML")
    return repair_mojibake(text) if looks_like_mojibake(text) else text


def decode_checked(raw: bytes, url: str) -> str:
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
    footer around it are three quarters of the bytes and most of lexbor's
    time (bench/bench_extract.py). Cutting is
    done on the raw text with plain ``find``; pages without a ``<main>``
    (legacy, fiche) are parsed whole.
    """
    cut = cut_main(text, "<main", "</main>", "</head>")
    if cut is None:
        return text
    return f"{cut[0]}<body>{cut[1]}</body></html>"


def cut_main(
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


def focused_bytes(raw: bytes) -> bytes | None:
    """The ``<head>`` and ``<main>`` of ``raw``, without BOM; ``None`` without a main."""
    cut = cut_main(raw, b"<main", b"</main>", b"</head>")
    if cut is None:
        return None
    head = cut[0][3:] if cut[0].startswith(codecs.BOM_UTF8) else cut[0]
    return b"".join((head, b"<body>", cut[1], b"</body></html>"))


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
