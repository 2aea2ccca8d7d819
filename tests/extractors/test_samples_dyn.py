"""The three real current-dyn pages in ../shared/an-samples, every field checked.

Expected values were written by hand from reading each page's source. Long
texts are checked by their first and last paragraph and paragraph count.
Skipped (with the reason) where ../shared is not beside the clone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from extractors import Question, extract
from tests.conftest import sample_path

D = dt.date
BASE = "https://www.assemblee-nationale.fr/dyn/16/questions/"

EXPECTED: dict[str, dict[str, Any]] = {
    "QANR5L16QE200": {
        "uid": "QANR5L16QE200", "legislature": 16, "type": "QE", "number": 200,
        "url": BASE + "QANR5L16QE200", "title": "Agriculture biologique",
        "author_name": "Mme Marie-Pierre Rixain", "author_id": "PA722252",
        "author_group": "Renaissance", "constituency": "Ile-de-France",
        "rubrique": "Agriculture", "tete_analyse": None, "analyse": None,
        "ministry_asked": "Agriculture et souveraineté alimentaire",
        "ministry_answering": "Agriculture et souveraineté alimentaire",
        "question_published_on": D(2022, 7, 26), "question_jo_page": 3501,
        "answer_published_on": D(2022, 9, 27), "answer_jo_page": 4253,
        "status": "answered", "closed_on": D(2022, 9, 27), "closure_reason": "Réponse publiée",
        "signaled_on": None, "template": "dyn_current",
    },
    "QANR5L16QG200": {
        "uid": "QANR5L16QG200", "legislature": 16, "type": "QG", "number": 200,
        "url": BASE + "QANR5L16QG200",
        "title": "PROJET DE LOI D'ORIENTATION ET DE PROGRAMMATION DU MINISTÈRE DE L'INTÉRIEUR",
        "author_name": "M. Sacha Houlié", "author_id": "PA722150",
        "author_group": "Renaissance", "constituency": "Nouvelle-Aquitaine",
        "rubrique": "Sécurité des biens et des personnes", "tete_analyse": None,
        "analyse": None, "ministry_asked": "Intérieur et outre-mer",
        "ministry_answering": "Intérieur et outre-mer", "question_text": None,
        "question_published_on": D(2022, 10, 26), "question_jo_page": None,
        "answer_published_on": D(2022, 10, 26), "answer_jo_page": None,
        "status": "answered", "closed_on": D(2022, 10, 26), "closure_reason": "Réponse publiée",
        "signaled_on": None, "template": "dyn_current",
    },
    "QANR5L16QOSD350": {
        "uid": "QANR5L16QOSD350", "legislature": 16, "type": "QOSD", "number": 350,
        "url": BASE + "QANR5L16QOSD350",
        "title": "Revalorisation du Ségur du personnel du secteur social et médico-social",
        "author_name": "Mme Danielle Brulebois", "author_id": "PA719890",
        "author_group": "Renaissance", "constituency": "Bourgogne-Franche-Comté",
        "rubrique": "Professions et activités sociales", "tete_analyse": None,
        "analyse": None, "ministry_asked": "Solidarités, autonomie et personnes handicapées",
        "ministry_answering": "Solidarités, autonomie et personnes handicapées",
        "question_published_on": D(2023, 5, 16), "question_jo_page": None,
        "answer_published_on": D(2023, 5, 24), "answer_jo_page": None,
        "status": "answered", "closed_on": D(2023, 5, 24), "closure_reason": "Réponse publiée",
        "signaled_on": None, "template": "dyn_current",
    },
}  # fmt: skip

# (first paragraph, last paragraph, number of paragraphs), or None for NULL.
TEXTS: dict[str, dict[str, tuple[str, str, int] | None]] = {
    "QANR5L16QE200": {
        "question_text": (
            "Mme Marie-Pierre Rixain appelle l'attention de M. le ministre de l'agriculture",
            "de transition agro-écologique.", 1),
        "answer_text": (
            "Le secteur biologique a connu, entre 2015 et 2020, un développement historique",
            "renouer avec la croissance observée ces dernières années.", 1),
    },
    "QANR5L16QG200": {
        "question_text": None,
        "answer_text": (
            "PROJET DE LOI D'ORIENTATION ET DE PROGRAMMATION DU MINISTÈRE DE L'INTÉRIEUR",
            "(Applaudissements sur de nombreux bancs des groupes RE et Dem.)", 24),
    },
    "QANR5L16QOSD350": {
        "question_text": (
            "Mme Danielle Brulebois attire l'attention de M. le ministre des solidarités",
            "les tensions que la situation actuelle engendre.", 1),
        "answer_text": ("OUBLIÉS DU SÉGUR DE LA SANTÉ",
                        "Mme Danielle Brulebois. Merci, madame la ministre déléguée.", 12),
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def parsed() -> dict[str, Question]:
    out: dict[str, Question] = {}
    for uid in EXPECTED:
        result = extract(sample_path(f"{uid}.html").read_bytes(), BASE + uid)
        assert isinstance(result, Question), result
        out[uid] = result
    return out


@pytest.mark.parametrize(
    ("uid", "field", "value"),
    [(uid, field, value) for uid, fields in EXPECTED.items() for field, value in fields.items()],
)
def test_field(parsed: dict[str, Question], uid: str, field: str, value: Any) -> None:
    assert getattr(parsed[uid], field) == value


TEXT_CASES = [(uid, field, shape) for uid, f in TEXTS.items() for field, shape in f.items()]


@pytest.mark.parametrize(("uid", "field", "shape"), TEXT_CASES)
def test_text_first_paragraph(
    parsed: dict[str, Question], uid: str, field: str, shape: tuple[str, str, int] | None
) -> None:
    text = getattr(parsed[uid], field)
    assert (text is None) if shape is None else text.split("\n\n")[0].startswith(shape[0])


@pytest.mark.parametrize(("uid", "field", "shape"), TEXT_CASES)
def test_text_last_paragraph(
    parsed: dict[str, Question], uid: str, field: str, shape: tuple[str, str, int] | None
) -> None:
    text = getattr(parsed[uid], field)
    assert (text is None) if shape is None else text.split("\n\n")[-1].endswith(shape[1])


@pytest.mark.parametrize(("uid", "field", "shape"), TEXT_CASES)
def test_text_paragraph_count(
    parsed: dict[str, Question], uid: str, field: str, shape: tuple[str, str, int] | None
) -> None:
    text = getattr(parsed[uid], field)
    assert (text is None) if shape is None else len(text.split("\n\n")) == shape[2]


def test_qg_speaker_turns_keep_inline_names(parsed: dict[str, Question]) -> None:
    text = parsed["QANR5L16QG200"].answer_text or ""
    assert "\n\nM. Laurent Jacobelli. C'est ce que nous venons de dire !\n\n" in text


def test_qosd_minister_turn_joins_name_and_title(parsed: dict[str, Question]) -> None:
    text = parsed["QANR5L16QOSD350"].answer_text or ""
    assert "\n\nMme Geneviève Darrieussecq, ministre déléguée chargée des personnes " in text
