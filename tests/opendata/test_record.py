"""The record mapping: the two real samples, both key shapes, dates, closures, errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from extractors.opendata import OpenDataError, read_record
from extractors.opendata.record import RECORD_COLUMNS
from tests.opendata.dump import record_for
from tests.support.pages import expected_question

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "an-samples"
BASE = "https://www.assemblee-nationale.fr"


def _sample(name: str) -> dict[str, Any]:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"sample {name} not available")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


QE = {
    "title": "Révision de la terminologie des diamants synthétiques",
    "author_id": "PA721764",
    "author_group": "Ensemble pour la République",
    "rubrique": "Commerce et artisanat",
    "ministry_asked": "Économie, finances, souveraineté industrielle et numérique",
    "ministry_answering": "Économie, finances, souveraineté industrielle et numérique",
    "question_published_on": dt.date(2025, 3, 25),
    "question_jo_page": 1958,
    "answer_published_on": dt.date(2025, 6, 3),
    "answer_jo_page": 4348,
    "status": "answered",
    "closed_on": dt.date(2025, 6, 3),
    "closure_reason": "Réponse publiée",
    "signaled_on": None,
}


@pytest.mark.parametrize(("field", "value"), QE.items())
def test_qe_sample_field(field: str, value: object) -> None:
    record = read_record(_sample("QANR5L17QE5268.json"), BASE)
    assert record.values[field] == value


QG = {
    "type": "QG",
    "question_text": None,
    "question_published_on": dt.date(2024, 10, 3),
    "answer_published_on": dt.date(2024, 10, 3),
    "closed_on": dt.date(2024, 10, 3),
    "status": "answered",
    "ministry_asked": "Intérieur",
}


@pytest.mark.parametrize(("field", "value"), QG.items())
def test_qg_sample_field(field: str, value: object) -> None:
    record = read_record(_sample("QANR5L17QG1.json"), BASE)
    assert record.values[field] == value


def test_qg_answer_starts_with_its_heading_without_the_stray_markup() -> None:
    text = read_record(_sample("QANR5L17QG1.json"), BASE).values["answer_text"]
    assert text.startswith("SITUATION À MAYOTTE\n\nMme la présidente . La parole")


def test_markup_inside_a_text_adds_nothing() -> None:
    text = read_record(_sample("QANR5L17QE5268.json"), BASE).values["question_text"]
    assert "« laboratory-grown diamond »" in text


SPECS: list[dict[str, Any]] = [
    {"uid": "QANR5L16QE1"},
    {"uid": "QANR5L16QE3", "answer_paragraphs": ["Réponse."],
     "answer_published_on": dt.date(2024, 3, 1), "answer_jo_page": 903},
    {"uid": "QANR5L16QE11", "closed_on": dt.date(2024, 6, 9), "closure_reason": "Fin de mandat"},
    {"uid": "QANR5L16QE12", "signaled_on": dt.date(2024, 5, 2)},
    {"uid": "QANR5L16QG2", "answer_paragraphs": ["Mme la présidente. La parole."],
     "answer_heading": "SUJET"},
    {"uid": "QANR5L16QOSD1", "answer_paragraphs": ["Réponse orale."], "answer_heading": "ORALE",
     "answer_published_on": dt.date(2024, 1, 17)},
]  # fmt: skip


@pytest.mark.parametrize("lists", [False, True], ids=["objects", "lists"])
@pytest.mark.parametrize("spec", SPECS, ids=[s["uid"] for s in SPECS])
def test_a_record_built_from_a_page_maps_back_to_it(spec: dict[str, Any], lists: bool) -> None:
    question = expected_question(**spec)
    record = read_record(record_for(question, lists=lists), BASE)
    want = {c: getattr(question, c) for c in RECORD_COLUMNS if c not in ("analyse",)}
    got = {c: record.values[c] for c in want}
    assert got == want


def test_the_last_attribution_answers_whatever_the_list_order() -> None:
    data = record_for(expected_question(uid="QANR5L16QE1"), lists=True)
    data["question"]["minAttribs"]["minAttrib"].reverse()
    assert read_record(data, BASE).values["ministry_answering"] == (
        "Agriculture et souveraineté alimentaire"
    )


@pytest.mark.parametrize("raw", ["2024-06-09", "09/06/2024", "2024-06-09T00:00:00+02:00"])
def test_dates_read_in_either_form(raw: str) -> None:
    data = record_for(expected_question(uid="QANR5L16QE1", signaled_on=dt.date(2024, 6, 9)))
    data["question"]["signalement"] = {"dateJO": raw}
    assert read_record(data, BASE).values["signaled_on"] == dt.date(2024, 6, 9)


@pytest.mark.parametrize(
    ("label", "status", "reason"),
    [("Fin de mandat", "withdrawn", "Fin de mandat"), ("Retrait", "withdrawn", "Retrait"),
     ("Caducité", "withdrawn", "Caducité"), ("Question retirée", "withdrawn", "Retrait")],
)  # fmt: skip
def test_closure_labels_follow_the_page_rules(label: str, status: str, reason: str) -> None:
    spec = {"uid": "QANR5L16QE11", "closed_on": dt.date(2024, 6, 9), "closure_reason": label}
    record = read_record(record_for(expected_question(**spec)), BASE)
    assert (record.values["status"], record.values["closure_reason"]) == (status, reason)


def test_an_unknown_closure_is_drift_not_a_guess() -> None:
    spec = {"uid": "QANR5L16QE11", "closed_on": dt.date(2024, 6, 9), "closure_reason": "Zorglub"}
    record = read_record(record_for(expected_question(**spec), closure_code="ZRG"), BASE)
    assert (record.values["status"], record.to_question(), record.drift) == (
        None, None, "unknown closure 'ZRG' ('Zorglub')"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [(("uid",), None, "uid"), (("uid",), "QANR5L16XX1", "uid"),
     (("identifiant", "numero"), "2", "numero"), (("type",), "QG", "type"),
     (("textesQuestion", "texteQuestion", "infoJO", "dateJO"), "hier", "question_published_on"),
     (("textesQuestion", "texteQuestion", "infoJO", "pageJO"), "p. 3", "question_jo_page")],
)  # fmt: skip
def test_an_unreadable_field_is_a_named_error(
    path: tuple[str, ...], value: object, field: str
) -> None:
    data = record_for(expected_question(uid="QANR5L16QE1"))
    node = data["question"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(OpenDataError) as err:
        read_record(data, BASE)
    assert err.value.field == field
