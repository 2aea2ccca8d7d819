"""One test per row of the status rule table, plus the table's completeness."""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.pages.status import RULES, Outcome, derive_status, has_status_line

D = dt.date
CASES = {
    "qg_sitting": (
        "QG",
        ["Date de la séance : La question a été posée au Gouvernement en séance, "
         "parue dans le journal officiel le 26 octobre 2022"],
        Outcome("answered", D(2022, 10, 26), "Réponse publiée", "qg_sitting"),
    ),
    "answer_published": (
        "QE", ["Question publiée le 26 juillet 2022", "Réponse publiée le 27 septembre 2022"],
        Outcome("answered", D(2022, 9, 27), "Réponse publiée", "answer_published"),
    ),
    "closure_answer": (
        "QE", ["Date de cloture : 27 septembre 2022 (Réponse publiée)"],
        Outcome("answered", D(2022, 9, 27), "Réponse publiée", "closure_answer"),
    ),
    "withdrawn_with_reason": (
        "QE", ["Question retirée le : 20 juin 2017 (Fin de mandat)"],
        Outcome("withdrawn", D(2017, 6, 20), "Fin de mandat", "withdrawn_with_reason"),
    ),
    "withdrawn": (
        "QE", ["Question retirée le : 12/03/2013"],
        Outcome("withdrawn", D(2013, 3, 12), "Retrait", "withdrawn"),
    ),
    "closure_end_of_mandate": (
        "QE", ["Date de cloture : 21 juin 2022 Fin de mandat"],
        Outcome("withdrawn", D(2022, 6, 21), "Fin de mandat", "closure_end_of_mandate"),
    ),
    "closure_lapsed": (
        "QE", ["Date de clôture : 3 mai 2019 (Caducité)"],
        Outcome("withdrawn", D(2019, 5, 3), "Caducité", "closure_lapsed"),
    ),
    "closure_withdrawal": (
        "QE", ["Date de cloture : 3 mai 2019 Retrait"],
        Outcome("withdrawn", D(2019, 5, 3), "Retrait", "closure_withdrawal"),
    ),
    "closure_other": (
        "QE", ["Date de cloture : 3 mai 2019 (décès)"],
        Outcome("withdrawn", D(2019, 5, 3), "Décès", "closure_other"),
    ),
    "dated_end_of_mandate": (
        "QE", ["21 juin 2022 Fin de mandat"],
        Outcome("withdrawn", D(2022, 6, 21), "Fin de mandat", "dated_end_of_mandate"),
    ),
    "dated_lapsed": (
        "QOSD", ["19/06/2012 (Caducité)"],
        Outcome("withdrawn", D(2012, 6, 19), "Caducité", "dated_lapsed"),
    ),
    "dated_withdrawal": (
        "QE", ["21/06/2022 - Retrait"],
        Outcome("withdrawn", D(2022, 6, 21), "Retrait", "dated_withdrawal"),
    ),
    "lapsed": (
        "QE", ["Caducité le 19/06/2012"],
        Outcome("withdrawn", D(2012, 6, 19), "Caducité", "lapsed"),
    ),
    "withdrawal": (
        "QOSD", ["Retrait le 5 mars 2015"],
        Outcome("withdrawn", D(2015, 3, 5), "Retrait", "withdrawal"),
    ),
    "end_of_mandate": (
        "QE", ["Fin de mandat le 20 juin 2017"],
        Outcome("withdrawn", D(2017, 6, 20), "Fin de mandat", "end_of_mandate"),
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", [rule.name for rule in RULES])
def test_rule(name: str) -> None:
    type_, lines, expected = CASES[name]
    assert derive_status(lines, type_) == expected


def test_every_case_is_a_rule() -> None:
    assert set(CASES) == {rule.name for rule in RULES}


def test_open_when_nothing_matches() -> None:
    lines = ["Question publiée le 3 mai 2022", "Question signalée le 1er juin 2022",
             "Date de changement d'attribution : 2 avril 2014"]  # fmt: skip
    assert derive_status(lines, "QE") == Outcome("open", None, None, None)


def test_qg_rule_is_only_for_qg() -> None:
    lines = ["Date de la séance : parue dans le journal officiel le 16 mai 2023"]
    assert derive_status(lines, "QOSD").status == "open"


def test_answer_wins_over_later_closure() -> None:
    lines = ["Date de cloture : 1er mars 2016 Fin de mandat", "Réponse publiée le 2 février 2016"]
    assert derive_status(lines, "QE").rule == "answer_published"


def test_rules_match_whatever_the_case_and_accents() -> None:
    assert derive_status(["REPONSE PUBLIEE LE 2 FEVRIER 2016"], "QE").closed_on == D(2016, 2, 2)


@pytest.mark.parametrize("name", [rule.name for rule in RULES])
def test_has_status_line_agrees_with_derive_status(name: str) -> None:
    type_, lines, _ = CASES[name]
    assert [has_status_line(x, type_) for x in lines] == [
        derive_status([x], type_).rule is not None for x in lines
    ]


@pytest.mark.parametrize("line", ["Question publiée le 26 juillet 2022", "", None, "Rubrique"])
def test_has_status_line_is_false_for_other_lines(line: str | None) -> None:
    assert not has_status_line(line, "QE")
