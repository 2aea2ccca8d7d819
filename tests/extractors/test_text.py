"""Whitespace, mojibake and the block-aware walker (docs/contract.md, "How values are written")."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from extractors.pages import text
from extractors.pages.mojibake import repair_mojibake
from extractors.pages.text import (
    BLOCK_TAGS,
    CELL_TAGS,
    SKIP_TAGS,
    SPACES,
    clean,
    inline_text,
    node_text,
    paragraphs,
    paragraphs_after,
)


def _node(html: str) -> object:
    return LexborHTMLParser(f"<!DOCTYPE html><div id=x>{html}</div>").css_first("#x")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  a \t b\n", "a b"),
        ("a\xa0\xa0b", "a b"),
        ("a\u202fb\u2009c", "a b c"),
        ("\xa0 \n", None),
        ("", None),
        (None, None),
        ("a\u200bb", "ab"),
    ],
)
def test_clean(raw: str | None, expected: str | None) -> None:
    assert clean(raw) == expected


def test_spaces_are_every_whitespace_but_the_space() -> None:
    every = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    assert set(SPACES) == every - {" "}


# Long values take the replace-and-collapse path: it must give what split/join gives.
_PIECES = st.sampled_from([*SPACES, " ", "  ", "\u200b", "\ufeff", "\u00ad", "é", "a", "’", "x y"])


@settings(max_examples=300, deadline=None)
@given(
    st.tuples(
        st.lists(_PIECES, max_size=30).map("".join),
        st.lists(_PIECES, min_size=10, max_size=30).map("".join),  # repeated past 1,024
        st.lists(_PIECES, max_size=30).map("".join),
    ).map(lambda t: t[0] + t[1] * 110 + t[2])
)
def test_clean_long_values_as_split_join(raw: str) -> None:
    invisible = {ord(ch): None for ch in "\u200b\ufeff\u00ad"}
    assert clean(raw) == (" ".join(raw.translate(invisible).split()) or None)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("Bonjour<br>le monde", ["Bonjour", "le monde"]),
        ("a<br><br/><br> b", ["a", "b"]),
        ("<p>un</p><p>deux</p>", ["un", "deux"]),
        ("1<sup>er</sup> janvier", ["1er janvier"]),
        ("5<sup>e</sup> circonscription", ["5e circonscription"]),
        ("<strong>M. X. </strong>La parole", ["M. X. La parole"]),
        ("<table><tr><td>A</td><td>B</td></tr><tr><th>C</th><td>D</td></tr></table>",
         ["A B", "C D"]),
        ("<table><tr><td>x<br>y</td><td><p>z</p></td></tr></table>", ["x y z"]),
        ("a&nbsp;&nbsp;b", ["a b"]),
        ("t<script>var x = 1;</script><style>p{}</style><!-- c -->u", ["tu"]),
        ("<div>a<div>b</div>c</div>", ["a", "b", "c"]),
        ("<ul><li>un</li><li>deux</li></ul>", ["un", "deux"]),
        ("<p></p><p> </p>", []),
    ],
)  # fmt: skip
def test_paragraphs(html: str, expected: list[str]) -> None:
    assert paragraphs(_node(html)) == expected  # type: ignore[arg-type]


def test_node_text_joins_with_one_blank_line() -> None:
    assert node_text(_node("a<br>b<p>c</p>")) == "a\n\nb\n\nc"  # type: ignore[arg-type]


def test_node_text_of_nothing_is_none() -> None:
    assert node_text(None) is None


def test_inline_text_keeps_one_line() -> None:
    assert inline_text(_node("a<br>b <p>c</p>")) == "a b c"  # type: ignore[arg-type]


def test_deep_nesting_does_not_recurse() -> None:
    html = "<span>" * 5000 + "x" + "</span>" * 5000
    assert paragraphs(_node(html)) == ["x"]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("dÃ©putÃ©", "député"),
        ("lâ€™Ã©tÃ©", "l’été"),
        ("Â«Â ouiÂ Â»", "« oui »"),
        ("Ã la", "à la"),
        ("Å“uvre", "œuvre"),
        ("50 â‚¬", "50 €"),
        ("MinistÃ¨re de lâ€™IntÃ©rieur", "Ministère de l’Intérieur"),
    ],
)
def test_repair_mojibake(raw: str, expected: str) -> None:
    assert repair_mojibake(raw) == expected


@pytest.mark.parametrize(
    "good",
    ["âge du théâtre", "CHÂTEAU", "Âme", "été… « oui »", "L’État, 1er", "Ô mon pays", "É–"],
)
def test_repair_mojibake_leaves_correct_text_alone(good: str) -> None:
    assert repair_mojibake(good) == good


# --- the walker against a plain recursive statement of its rules -----------------

_SOUP = st.sampled_from(
    [
        "<p>", "</p>", "<br>", "<div>", "</div>", "<b>", "</b>", "<span>", "</span>",
        "<table><tr><td>", "</td><td>", "</td></tr><tr><th>", "</table>", "<ul><li>",
        "</li><li>", "</ul>", "<script>x</script>", "<style>p{}</style>", "<!-- c -->",
        "<sup>er</sup>", "&nbsp;", "\u2003", "\u200b", "\xad", "a", "é", "’", " ", "  ",
        "\n", "\t", "&#0;", "\x00", "<h2>", "</h2>", "<blockquote>", "<i>x</i>",
        "<table><tr><td>a<br>b</td><td><p>c</p>d</td></tr><tr><td>e</td></tr></table>",
        "<td>x<br>y<div>z</div>", "<p>u<br><br>v</p>", "<th><b>k</b></th>",
    ]
)  # fmt: skip


def _reference(node: Any) -> list[str]:
    """The rules of :func:`paragraphs`, written as plainly as possible."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        text = "".join(pending).translate({0x200B: None, 0xFEFF: None, 0xAD: None})
        pending.clear()
        if " ".join(text.split()):
            out.append(" ".join(text.split()))

    def visit(n: Any, in_cell: bool) -> None:
        tag = n.tag
        if tag == "-text":
            pending.append(n.text_content or "")
        elif tag in SKIP_TAGS:
            return
        elif tag == "br":
            pending.append(" ") if in_cell else flush()
        elif tag in CELL_TAGS or (tag in BLOCK_TAGS and in_cell):
            pending.append(" ")
            for child in n.iter(include_text=True):
                visit(child, True)
            pending.append(" ")
        elif tag in BLOCK_TAGS:
            flush()
            for child in n.iter(include_text=True):
                visit(child, False)
            flush()
        else:
            for child in n.iter(include_text=True):
                visit(child, in_cell)

    visit(node, False)
    flush()
    return out


@settings(max_examples=400, deadline=None)
@given(st.lists(_SOUP, max_size=40).map("".join))
def test_paragraphs_follow_the_rules_on_any_soup(soup: str) -> None:
    node = LexborHTMLParser(f"<!DOCTYPE html><div id=x>{soup}</div>").css_first("#x")
    assert node is not None
    assert paragraphs(node) == _reference(node)


@settings(max_examples=300, deadline=None)
@given(st.lists(_SOUP, max_size=40).map("".join))
def test_paragraphs_after_are_each_siblings_paragraphs(soup: str) -> None:
    header = LexborHTMLParser(f"<!DOCTYPE html><div><i id=h>h</i>{soup}</div>").css_first("#h")
    assert header is not None
    siblings, node = [], header.next
    while node is not None:
        siblings.append(node)
        node = node.next
    assert paragraphs_after(header) == [p for s in siblings for p in _reference(s)]


@settings(max_examples=200, deadline=None)
@given(st.lists(_SOUP, max_size=40).map("".join))
def test_lexbor_leaves_no_nul_in_text(soup: str) -> None:
    # paragraphs() marks paragraph ends with NUL inside one string: that is only
    # sound because lexbor drops or replaces every NUL of the page (text.py).
    tree = LexborHTMLParser(f"<!DOCTYPE html><div id=x>{soup}</div>")
    texts = (
        [n.text_content or "" for n in tree.root.traverse(include_text=True)] if tree.root else []
    )
    assert not any("\x00" in text for text in texts)


def test_every_character_the_rules_rewrite_is_caught_by_the_printable_shortcut() -> None:
    """Text found printable skips the rare-character rules: none of them may be printable."""
    rewritten = set(text._INVISIBLE_CHARS) | set(text.SPACES)
    assert rewritten and not [c for c in rewritten if c.isprintable() and c != " "]
