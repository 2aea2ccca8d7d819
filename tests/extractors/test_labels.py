"""Fields are found by label text, whatever the case, accents and separators."""

from __future__ import annotations

import pytest

from extractors.labels import LabelIndex, fold, is_label, label_key, strip_label


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
