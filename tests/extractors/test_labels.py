"""Fields are found by label text, whatever the case, accents and separators."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.pages import labels
from extractors.pages.labels import (
    _FOLD,
    Folded,
    LabelIndex,
    _flat,
    fold,
    is_label,
    label_key,
    starts_with_label,
    strip_label,
)


@pytest.mark.parametrize(
    ("line", "labels", "expected"),
    [
        ("Ministère interrogé > Économie", ("Ministère interrogé",), "Économie"),
        ("MINISTERE INTERROGE : Santé", ("Ministère interrogé",), "Santé"),
        ("Ministère  interrogé\xa0: Santé", ("ministere interroge",), "Santé"),
        ("Tête d’analyse > financement", ("Tête d'analyse",), "financement"),
        ("Rubriques : x", ("Rubrique",), None),
        ("Rubrique :", ("Rubrique",), None),
        ("Auteur : M. X", ("Rubrique", "Auteur"), "M. X"),
        (None, ("Auteur",), None),
    ],
)  # fmt: skip
def test_strip_label(line: str | None, labels: tuple[str, ...], expected: str | None) -> None:
    assert strip_label(line, *labels) == expected


def test_fold_keeps_length() -> None:
    text = "Ministère Interrogé ’ Œuvre"
    assert len(fold(text)) == len(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Ministère Interrogé", "ministere interroge"), ("d’ÉTAT\xa0x", "d'etat x"), ("ÿ µ", "y µ")],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


@given(
    st.one_of(  # Latin-1 text takes the byte table, the rest the character table
        st.text(alphabet=st.characters(max_codepoint=0xFF)),
        st.text(alphabet=st.characters(max_codepoint=0x2100)),
    )
)
def test_fold_byte_table_agrees_with_the_character_table(text: str) -> None:
    assert fold(text) == text.translate(_FOLD)


def test_label_key() -> None:
    assert label_key("  Date(s) clé(s) : ") == "date(s) cle(s)"


def test_is_label_ignores_separators() -> None:
    assert is_label("Dates   :", "Dates")


def test_is_label_is_exact() -> None:
    assert not is_label("Date de la séance :", "Dates")


def test_index_lookup_by_alternatives() -> None:
    index = LabelIndex([("Rubrique :", 1), ("Ministère répondant :", 2)])
    assert index.get("Ministère attributaire", "Ministère répondant") == 2


def test_index_first_label_wins() -> None:
    index = LabelIndex([("Rubrique", 1), ("RUBRIQUE :", 2)])
    assert index.get("Rubrique") == 1


def test_index_missing() -> None:
    assert LabelIndex([("Rubrique", 1)]).get("Analyse") is None


@given(st.text(alphabet=" \xa0\t\n\u2003\u200bab’é:", max_size=30))
def test_flat_is_split_and_join(text: str) -> None:
    assert _flat(text) == " ".join(text.split())


LABELS = ("Rubrique", "Auteur", "Ministère interrogé", "Tête d'analyse")


HEADS = ["", " ", "Rubrique", "RUBRIQUES", "Auteur", "Tête d’analyse", "Ministère  interrogé\xa0"]


@given(st.sampled_from(HEADS), st.text(alphabet=" \xa0\t:>-aésR’", max_size=20))
def test_a_folded_line_reads_as_the_functions_do(head: str, tail: str) -> None:
    text = head + tail
    line = Folded(text)
    found = (line.starts_with(*LABELS), line.strip(*LABELS))
    assert found == (starts_with_label(text, *LABELS), strip_label(text, *LABELS))


@pytest.mark.parametrize("text", ["Rubrique : Santé", "RUBRIQUES : x", "Auteur", ""])
def test_a_folded_line_keeps_its_text(text: str) -> None:
    assert Folded(text).text == text


def test_a_long_page_line_is_keyed_but_not_cached() -> None:
    line = "Réponse : " + "le ministre rappelle que " * 20
    before = labels._cached_key.cache_info().currsize
    assert label_key(line) == labels._key(line)
    assert labels._cached_key.cache_info().currsize == before


def test_a_label_is_cached() -> None:
    label_key("Ministère interrogé")
    hits = labels._cached_key.cache_info().hits
    assert label_key("Ministère interrogé") == "ministere interroge"
    assert labels._cached_key.cache_info().hits == hits + 1
