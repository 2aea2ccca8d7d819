"""Status read from key-data rows (label, value lines), as every generation hands them.

One test per way the site prints a closure row, the real page of question
15-44415 read as rows, and the refusal to read a closure no rule knows.
"""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.model import ExtractionError
from extractors.pages.status import Outcome, read_status, row_lines
from tests.conftest import sample_path

D = dt.date
UID = "QANR5L15QE44415"
ASKED = ("Date :", ["Question publiée le 22 février 2022"])
END = Outcome("withdrawn", D(2022, 6, 21), "Fin de mandat", "closure_end_of_mandate")

ROWS = {
    "closure row, date and reason on one line": (
        [ASKED, ("Date de cloture :", ["21 juin 2022 Fin de mandat"])], "QE", END),
    "closure row, date and reason on two lines": (
        [ASKED, ("Date de cloture :", ["21 juin 2022", "Fin de mandat"])], "QE", END),
    "closure row with accents, QOSD": (
        [ASKED, ("Date de clôture", ["21 juin 2022", "Fin de mandat"])], "QOSD", END),
    "label Clôture alone": (
        [("Clôture :", ["21 juin 2022", "Fin de mandat"])], "QE", END),
    "reason before the date": (
        [("Date de cloture :", ["Fin de mandat le 21 juin 2022"])], "QE", END),
    "numeric date, dash, reason": (
        [("Date de cloture", ["21/06/2022 - Retrait"])], "QE",
        Outcome("withdrawn", D(2022, 6, 21), "Retrait", "closure_withdrawal")),
    "closure row announcing the answer": (
        [("Date de cloture :", ["27 septembre 2022", "Réponse publiée"])], "QE",
        Outcome("answered", D(2022, 9, 27), "Réponse publiée", "closure_answer")),
    "closure row with an unlisted reason": (
        [("Date de cloture :", ["3 mai 2019", "Décès"])], "QE",
        Outcome("withdrawn", D(2019, 5, 3), "Décès", "closure_other")),
    "closure inside the Dates block": (
        [("Dates :", ["Question publiée le 22 février 2022",
                      "Date de cloture : 21 juin 2022 Fin de mandat"])], "QE", END),
    "closure split inside the Date(s) clé(s) block": (
        [("Date(s) clé(s)", ["Question publiée au JO le : 29 octobre 2013",
                             "Date de clôture : 21 juin 2022", "Fin de mandat"])], "QE", END),
    "label the site adds later": (
        [ASKED, ("Statut :", ["Fin de mandat le 21 juin 2022"])], "QE",
        Outcome("withdrawn", D(2022, 6, 21), "Fin de mandat", "end_of_mandate")),
    "open: nothing but the question": ([ASKED], "QE", Outcome("open", None, None, None)),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(ROWS))
def test_rows(case: str) -> None:
    rows, type_, expected = ROWS[case]
    assert read_status(rows, [], type_, UID) == expected


def test_content_rows_are_not_status() -> None:
    rows = [ASKED, ("Analyse :", ["Caducité des permis de construire"])]
    assert read_status(rows, [], "QE", UID).status == "open"


def test_headers_still_count() -> None:
    found = read_status([ASKED], ["Réponse publiée le 5 juillet 2022"], "QE", UID)
    assert found == Outcome("answered", D(2022, 7, 5), "Réponse publiée", "answer_published")


@pytest.mark.parametrize(
    "row",
    [
        ("Statut :", ["Retirée par son auteur"]),
        ("Date :", ["Clôturée sans date"]),
        ("Motif :", ["Question devenue caduque"]),
    ],
)
def test_closure_no_rule_reads_is_an_error(row: tuple[str, list[str]]) -> None:
    with pytest.raises(ExtractionError) as caught:
        read_status([ASKED, row], [], "QE", UID)
    assert (caught.value.uid, caught.value.field) == (UID, "status")


def test_row_lines_offer_lines_pairs_and_the_labelled_value() -> None:
    assert row_lines("Date de cloture", ["21 juin 2022", "Fin de mandat"]) == [
        "21 juin 2022", "Fin de mandat", "21 juin 2022 Fin de mandat",
        "Date de cloture : 21 juin 2022 Fin de mandat",
    ]  # fmt: skip


def _rows_of_text(text: str) -> list[tuple[str, list[str]]]:
    """The key-data rows of a page's text rendering: "Label :" alone on its line
    opens a row whose value is the lines below; "Label : value" is a row of one line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    rows: list[tuple[str, list[str]]] = []
    for line in lines[next(i for i, x in enumerate(lines) if x.startswith("Auteur :")) :]:
        if line.endswith(":"):
            rows.append((line, []))
        elif " : " in line:
            label, _, value = line.partition(" : ")
            rows.append((label, [value]))
        else:
            rows[-1][1].append(line)
    return rows


def test_real_page_15_44415_as_rows() -> None:
    text = sample_path("text-QANR5L15QE44415.md").read_text(encoding="utf-8")
    rows = _rows_of_text(text)
    assert ("Date de cloture :", ["21 juin 2022", "Fin de mandat"]) in rows
    assert read_status(rows, [], "QE", UID) == END
