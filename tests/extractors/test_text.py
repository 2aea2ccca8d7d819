"""Whitespace, mojibake and the block-aware walker (CONTRACT: "How values are written")."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from extractors.text import SPACES, clean, inline_text, node_text, paragraphs, repair_mojibake


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
@given(st.lists(_PIECES, min_size=150, max_size=600).map("".join))
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
