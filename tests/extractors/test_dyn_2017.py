"""The older dyn label set (seed-QANR5L14QE41019.md), over tests/fixtures/pages/dyn_2017."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from extractors import Question, extract
from tests.conftest import FIXTURES

DIR = FIXTURES / "pages" / "dyn_2017"
URL = "https://www.assemblee-nationale.fr/dyn/14/questions/test"
D = dt.date

EXPECTED: dict[str, dict[str, Any]] = {
    "qe_withdrawn": {
        "uid": "QANR5L14QE51234", "legislature": 14, "type": "QE", "number": 51234,
        "title": "ateliers numériques", "author_name": "M. Jean Imaginaire",
        "author_id": "PA990101", "constituency": "Aisne (5e circonscription)",
        "author_group": "Radical, républicain, démocrate et progressiste",
        "rubrique": "Entreprises", "ministry_asked": "PME, innovation et économie numérique",
        "ministry_answering": "Économie", "tete_analyse": None, "analyse": None,
        "question_text": "M. Jean Imaginaire appelle l'attention de Mme la ministre sur les "
        "ateliers numériques.\n\nIl demande quels financements sont prévus.",
        "answer_text": None, "question_published_on": D(2013, 10, 29),
        "question_jo_page": 11194, "answer_published_on": None, "answer_jo_page": None,
        "status": "withdrawn", "closed_on": D(2017, 6, 20), "closure_reason": "Fin de mandat",
        "signaled_on": None,
    },
    "qe_answered": {
        "status": "answered", "closed_on": D(2016, 3, 1), "answer_published_on": D(2016, 3, 1),
        "answer_jo_page": 1890, "question_published_on": D(2015, 7, 7), "question_jo_page": 5102,
        "signaled_on": D(2015, 10, 13), "closure_reason": "Réponse publiée",
        "ministry_answering": "Travail, emploi, formation professionnelle et dialogue social",
        "answer_text": "Le Gouvernement a créé les dispositifs suivants :\n\nDispositif "
        "Bénéficiaires\n\nGarantie jeunes 100 000\n\nIls sont évalués chaque année depuis le "
        "1er janvier 2015.",
    },
    "qe_open_signalee": {
        "status": "open", "closed_on": None, "closure_reason": None,
        "signaled_on": D(2018, 2, 19), "author_group": "Les Républicains",
        "constituency": "Français établis hors de France (11e circonscription)",
    },
    "qosd_answered": {
        "type": "QOSD", "status": "answered", "answer_published_on": D(2014, 12, 10),
        "answer_jo_page": None, "question_jo_page": 9876,
        "answer_text": "DESSERTE DE LA VALLÉE\n\nMme la présidente. La parole est à Mme Inès "
        "Probable.\n\nMme Inès Probable. Merci.\n\nM. le secrétaire d'État. Les travaux "
        "commenceront.",
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def parsed() -> dict[str, Question]:
    out = {}
    for name in EXPECTED:
        result = extract((DIR / f"{name}.html").read_bytes(), URL)
        assert isinstance(result, Question), result
        out[name] = result
    return out


@pytest.mark.parametrize(
    ("page", "field", "value"),
    [(page, field, value) for page, fields in EXPECTED.items() for field, value in fields.items()],
)
def test_field(parsed: dict[str, Question], page: str, field: str, value: Any) -> None:
    assert getattr(parsed[page], field) == value


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_template_is_2017(parsed: dict[str, Question], page: str) -> None:
    assert parsed[page].template == "dyn_2017"


def test_change_of_attribution_and_renewal_are_not_column_dates(
    parsed: dict[str, Question],
) -> None:
    q = parsed["qe_withdrawn"]
    assert {D(2014, 4, 2), D(2014, 2, 4)}.isdisjoint(
        {q.question_published_on, q.answer_published_on, q.closed_on, q.signaled_on}
    )
