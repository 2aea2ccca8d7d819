"""Turning page markup into the text values the warehouse stores.

Three helpers, shared by every template generation (docs/contract.md, "How values
are written"):

* :func:`clean` normalises whitespace: every Unicode space (``&nbsp;``,
  thin and narrow no-break spaces, tabs, newlines) becomes one space, runs
  collapse, the value is stripped, and an empty value becomes ``None``.
* :func:`repair_mojibake` undoes UTF-8 text that was decoded as cp1252/latin-1
  (``"Ã©"`` → ``"é"``), sequence by sequence and only where the bytes decode
  back to valid UTF-8.
* :func:`paragraphs` / :func:`node_text` / :func:`inline_text` walk a
  selectolax (lexbor) node and build paragraphs the way a reader sees them:
  blocks, runs of ``<br>`` and table rows end a paragraph, a row's cells are
  joined by one space, inline tags add nothing. selectolax's own ``text()``
  cannot do this (``a<br>b`` gives ``ab``), hence the walker.

The walker is iterative (no recursion limit) and normalises whitespace once
per walk, not once per paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from selectolax.lexbor import LexborHTMLParser, LexborNode

#: Tags whose start and end each close the current paragraph.
BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center",
        "dd", "details", "dialog", "dir", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hgroup", "hr", "html", "legend", "li", "listing", "main",
        "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
        "tfoot", "thead", "tr", "ul", "xmp",
    }
)  # fmt: skip

#: Table cells: their content is separated from the next cell's by one space.
CELL_TAGS = frozenset({"td", "th"})

#: Subtrees that never hold readable text (``-comment`` is lexbor's comment node).
SKIP_TAGS = frozenset(
    {"script", "style", "template", "noscript", "head", "title", "iframe", "object",
     "svg", "math", "select", "button", "input", "textarea", "-comment", "-doctype"}
)  # fmt: skip


def _tag_ids() -> dict[str, int]:
    """lexbor's ids for the tags above: fixed for known tags (unknown ones get
    per-document ids, never small), so computed once from a scratch document."""
    scratch = LexborHTMLParser("<!DOCTYPE html><!---->x")
    document = scratch.root.parent if scratch.root is not None else None
    if document is None:
        raise RuntimeError("lexbor built no document")
    ids = {n.tag or "": n.tag_id for n in document.traverse(include_text=True)}
    for name in BLOCK_TAGS | CELL_TAGS | SKIP_TAGS | {"br", "span", "a"}:
        if not name.startswith("-"):
            ids[name] = scratch.create_node(name).tag_id
    return ids


#: lexbor tag ids by name: the tags above, ``span``, ``a`` and ``-text``/``-comment``.
TAG_IDS: dict[str, int] = _tag_ids()
_IDS = TAG_IDS
_SKIP_IDS = frozenset(_IDS[name] for name in SKIP_TAGS)
_TEXT_ID = _IDS["-text"]
# What the walker does with a node, by tag id: anything else is inline (descend).
_INLINE, _TEXT, _SKIP, _BR, _CELL, _BLOCK = range(6)
_KINDS: dict[int, int] = (
    {_IDS[name]: _BLOCK for name in BLOCK_TAGS}
    | {_IDS[name]: _CELL for name in CELL_TAGS}
    | {tag_id: _SKIP for tag_id in _SKIP_IDS}
    | {_IDS["br"]: _BR, _IDS["-text"]: _TEXT}
)

# Marker pushed when entering a table cell: popped when the cell's content is done.
_CELL_END = "\x00cell-end"
# Written between paragraphs by the walker (see :func:`split_paragraphs`).
_BREAK = "\x00"

#: Characters removed outright: invisible, and never a word separator on these pages.
_INVISIBLE_CHARS = "\u200b\ufeff\u00ad"


def clean(text: str | None) -> str | None:
    """Normalise whitespace; ``None`` for ``None`` or a blank value.

    The result is exactly ``" ".join(text.split())`` once the invisible
    characters are removed: every Unicode whitespace character (``\\xa0``,
    ``\\u202f``, tabs, newlines, ...) becomes a space, runs collapse, the ends
    are stripped (see :func:`_normalise` for how).
    """
    if text is None:
        return None
    return _normalise(text).strip(" ") or None


#: Every character ``str.split()`` splits on but the plain space (tested against
#: the Unicode database in tests/extractors/test_text.py).
SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


#: The whitespace characters pages hold (source line breaks, indentation, ``&nbsp;``):
#: replaced first, so that text holding no other is done after one ``isprintable``.
_COMMON_SPACES = "\n\xa0\t\r"


def _spaces_to_space(text: str) -> str:
    """Invisible characters removed and every other whitespace character a space.

    Each character maps on its own, so the order of the replacements does not
    matter; once the common ones are replaced, printable text (see
    :func:`_normalise`) is done without a scan for each of the rare ones.
    """
    for ch in _COMMON_SPACES:
        if ch in text:
            text = text.replace(ch, " ")
    if text.isprintable():
        return text
    for ch in _INVISIBLE_CHARS:
        if ch in text:
            text = text.replace(ch, "")
    for ch in SPACES:
        if ch in text:
            text = text.replace(ch, " ")
    return text


#: Two or more spaces: one pass of this whatever a run's length (indentation
#: runs of 40 to 60 spaces would take six halving passes of ``replace``).
_RUNS = re.compile("  +")


def _collapse(text: str) -> str:
    """Runs of plain spaces made one: one ``replace`` when no run is longer than two."""
    if "  " not in text:
        return text
    if "   " not in text:
        return text.replace("  ", " ")
    return _RUNS.sub(" ", text)


def paragraphs(node: LexborNode | None) -> list[str]:
    """The paragraphs of ``node`` (itself included), each whitespace-normalised.

    Rules (docs/contract.md): ``<p>``, ``<div>`` and other blocks, any run of
    ``<br>``, and each table row end a paragraph; a row's cells are joined by
    one space; inline elements add nothing, so ``1<sup>er</sup>`` reads
    ``1er``. Empty paragraphs vanish, which is what makes a *run* of ``<br>``
    one break. Scripts, styles and comments are skipped.

    Inside a table cell, ``<br>`` and blocks are a space, not a break, so
    that each row stays on its own line ("cells separated, rows on their own
    lines"); a row is never split across paragraphs.

    One stack: ``None`` marks "a block ends here", :data:`_CELL_END` "a cell
    ends here", any other string is text to add; children are pushed from the
    last one so they pop in document order (the hot path: written for speed).
    """
    if node is None:
        return []
    child = node.first_child
    if child is not None and child.next is None and child.tag_id == _TEXT_ID:
        return _one_text(node, child)
    return _walk(node)


# Kept for speed, not for clarity: most values (a ministry, a date line, a
# title) are one element holding one text, which needs no walk.
def _one_text(node: LexborNode, text: LexborNode) -> list[str]:
    """:func:`_walk` of ``node`` whose only child is ``text``: whatever ``node``
    is (inline, block or cell), its breaks and spaces only surround the text,
    so the paragraphs are the text's, unless ``node`` is skipped or a ``<br>``."""
    if _KINDS.get(node.tag_id, _INLINE) in (_SKIP, _BR):
        return []
    return split_paragraphs(text.text_content or "")


def paragraphs_after(node: LexborNode) -> list[str]:
    """The paragraphs of the siblings after ``node``, in order: as ``paragraphs``
    of each, normalised in one go (a paragraph end between two siblings, and
    runs of spaces never cross one, see :func:`split_paragraphs`)."""
    parts: list[str] = []
    sibling = node.next
    while sibling is not None:
        _pieces(sibling, parts)
        parts.append(_BREAK)
        sibling = sibling.next
    return split_paragraphs("".join(parts))


def _walk(node: LexborNode) -> list[str]:
    return split_paragraphs("".join(_pieces(node, [])))


def _pieces(node: LexborNode, parts: list[str]) -> list[str]:
    """The walker behind :func:`paragraphs`: depth first, one iterator per open element.

    Dispatches on ``tag_id`` (an int, no string built) through :data:`_KINDS`.
    The children of an element are read by one ``for`` over lexbor's iterator
    (flat runs of text and ``<br>``, the common case, never touch the stack);
    entering an element saves the current iterator and what to write when the
    element closes. A paragraph end is written as :data:`_BREAK` into one list
    of pieces (``parts``, returned), normalised once by the caller
    (:func:`split_paragraphs`).
    """
    add, kinds = parts.append, _KINDS
    stack: list[tuple[Iterator[LexborNode], str]] = []
    children: Iterator[LexborNode] = iter((node,))
    closing = ""  # written when ``children`` runs out
    in_cell = 0
    while True:
        for item in children:
            kind = kinds.get(item.tag_id, _INLINE)
            if kind == _TEXT:
                add(item.text_content or "")
            elif kind == _BR:
                add(" " if in_cell else _BREAK)
            elif kind != _SKIP:
                stack.append((children, closing))
                if kind == _INLINE:
                    closing = ""
                elif kind == _CELL:
                    in_cell += 1
                    add(" ")
                    closing = _CELL_END
                else:  # a block
                    closing = " " if in_cell else _BREAK
                    add(closing)
                children = item.iter(include_text=True)
                break
        else:
            if closing is _CELL_END:
                in_cell -= 1
                add(" ")
            elif closing:
                add(closing)
            if not stack:
                return parts
            children, closing = stack.pop()


def split_paragraphs(text: str) -> list[str]:
    """The non-blank paragraphs of ``text`` (ends marked by :data:`_BREAK`), cleaned.

    Exactly ``[clean(p) for p in text.split(_BREAK)]`` without the blanks, but
    whitespace is normalised over the whole text at once: runs of spaces never
    cross a ``_BREAK`` (not whitespace), so only the ends of each piece are
    left to strip.
    lexbor never leaves a NUL in a text node (its tokenizer drops or replaces
    it; tests/extractors/test_text.py pins this), so ``_BREAK`` cannot come
    from the page.
    """
    flat = _normalise(text)
    return [p for p in (piece.strip(" ") for piece in flat.split(_BREAK)) if p]


# Kept for speed, not for clarity: it pays in bench/bench_extract.py.
def _normalise(text: str) -> str:
    """Invisible characters removed, every whitespace a space, runs collapsed.

    The ends may or may not be stripped: callers strip them. Printable text
    can only hold plain spaces (every other whitespace and the invisible
    characters are not printable). Rather than ``split``/``join``, which
    allocates a string per word, the whitespace characters a text holds are
    replaced (one-character ``in`` and ``replace`` run at memchr speed) and
    doubled spaces collapsed.
    """
    if text.isprintable():
        return _collapse(text)
    return _collapse(_spaces_to_space(text))


def node_text(node: LexborNode | None) -> str | None:
    """``node``'s paragraphs joined by exactly one blank line; ``None`` if empty.

    This is the value for ``question_text`` and ``answer_text``.
    """
    paras = paragraphs(node)
    return "\n\n".join(paras) if paras else None


def inline_text(node: LexborNode | None) -> str | None:
    """``node``'s text on one line: paragraphs joined by one space.

    For short fields (a title, a ministry, an author line) where a stray
    ``<br>`` must still separate words but no paragraph structure is wanted.
    """
    # Each paragraph is already clean, so joining them with one space is too.
    return " ".join(paragraphs(node)) or None


def join_paragraphs(paras: list[str]) -> str | None:
    """Join already-built paragraphs the documented way (one blank line), dropping blanks."""
    kept = [p for p in (clean(x) for x in paras) if p]
    return "\n\n".join(kept) if kept else None
