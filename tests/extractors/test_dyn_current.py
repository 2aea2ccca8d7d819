"""The current dyn template, over the hand-written fixtures in tests/fixtures/pages/dyn_current.

Each page is parsed once per module; each expected field is its own test.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser

from extractors import ExtractionError, Question, extract
from extractors.pages.common import regular_spans
from tests.conftest import FIXTURES

DIR = FIXTURES / "pages" / "dyn_current"
URL = "https://www.assemblee-nationale.fr/dyn/test"
D = dt.date

EXPECTED: dict[str, dict[str, Any]] = {
    "qe_open": {
        "uid": "QANR5L17QE1204", "legislature": 17, "type": "QE", "number": 1204,
        "title": "Entretien des ponts communaux", "author_name": "M. Paul Invente",
        "author_id": "PA990011", "constituency": "Occitanie",
        "author_group": "Libertés, Indépendants, Outre-mer et Territoires",
        "rubrique": "Collectivités territoriales", "ministry_asked": "Transition écologique",
        "question_text": "M. Paul Invente interroge M. le ministre sur l'entretien des ponts "
        "communaux.\n\nIl demande quels crédits seront ouverts.",
        "answer_text": None, "question_published_on": D(2024, 10, 1), "question_jo_page": 5012,
        "answer_published_on": None, "answer_jo_page": None, "status": "open",
        "closed_on": None, "closure_reason": None, "signaled_on": None,
    },
    "qe_signalee": {
        "signaled_on": D(2023, 9, 1), "status": "open", "question_jo_page": 3320,
        "author_group": "Démocrate (MoDem et Indépendants)",
        "constituency": "Provence-Alpes-Côte d'Azur", "rubrique": "Papiers d'identité",
    },
    "qe_withdrawn": {
        "status": "withdrawn", "closed_on": D(2022, 6, 21), "closure_reason": "Fin de mandat",
        "author_group": "Gauche démocrate et républicaine - NUPES", "answer_text": None,
        "answer_published_on": None, "question_published_on": D(2021, 11, 30),
    },
    "qe_answered_table": {
        "status": "answered", "closed_on": D(2023, 12, 1), "closure_reason": "Réponse publiée",
        "answer_published_on": D(2023, 12, 1), "answer_jo_page": 10999,
        "question_jo_page": 4801, "ministry_answering": "Logement",
        "ministry_asked": "Transition écologique et cohésion des territoires",
        "answer_text": "Depuis le 1er janvier 2023, les aides sont les suivantes :\n\n"
        "Ménages Montant (€)\n\nTrès modestes 10 000\n\nModestes 8 000\n\n"
        "Ces montants sont cumulables.\n\nIls seront revus en 2024.",
    },
    "qe_mojibake": {
        "title": "Délais de délivrance des passeports", "rubrique": "Papiers d'identité",
        "ministry_asked": "Intérieur et outre-mer",
        "question_text": "Mme Lina Fictive attire l’attention sur les délais à venir, "
        "« vraiment » longs.",
    },
    "qg_answered": {
        "type": "QG", "number": 88, "title": "SITUATION DES HÔPITAUX", "question_text": None,
        "answer_text": "SITUATION DES HÔPITAUX\n\nMme la présidente. La parole est à M. Léo "
        "Essai.\n\nM. Léo Essai. Madame la ministre, que comptez-vous faire ?\n\n"
        "Mme la ministre. Nous agissons.",
        "status": "answered", "closure_reason": "Réponse publiée",
        "question_published_on": D(2024, 10, 9), "answer_published_on": D(2024, 10, 9),
        "closed_on": D(2024, 10, 9), "question_jo_page": None, "answer_jo_page": None,
        "author_group": "Rassemblement National", "constituency": "Grand Est",
    },
    "qosd_open": {
        "type": "QOSD", "status": "open", "question_published_on": D(2024, 11, 5),
        "question_jo_page": None, "answer_text": None, "closed_on": None,
    },
    "qe_closure_row_split": {
        "uid": "QANR5L15QE40001", "status": "withdrawn", "closed_on": D(2022, 6, 21),
        "closure_reason": "Fin de mandat", "question_published_on": D(2021, 11, 30),
        "answer_published_on": None, "answer_text": None, "unknown_labels": (),
    },
    "qe_closure_row_inline": {
        "status": "withdrawn", "closed_on": D(2022, 6, 21), "closure_reason": "Fin de mandat",
        "question_published_on": D(2021, 11, 30),
    },
    "qe_unknown_label": {
        "status": "withdrawn", "closed_on": D(2022, 6, 21),
        "unknown_labels": ("date de renvoi en commission",),
    },
    "qosd_closure_row_split": {
        "uid": "QANR5L16QOSD12", "type": "QOSD", "status": "withdrawn",
        "closed_on": D(2022, 6, 21), "closure_reason": "Fin de mandat",
        "question_published_on": D(2021, 11, 5), "answer_published_on": None,
        "answer_text": None,
    },
    "qosd_answered": {
        "status": "answered", "question_published_on": D(2023, 1, 10),
        "answer_published_on": D(2023, 1, 18), "closed_on": D(2023, 1, 18),
        "author_group": "Socialistes et apparentés (membre de l'intergroupe NUPES)",
        "answer_text": "FERMETURE D'UNE MATERNITÉ\n\nMme la présidente. La parole est à "
        "M. Marc Factice.\n\nM. Marc Factice. Je vous remercie.\n\nMme la ministre. La "
        "maternité restera ouverte.",
    },
}  # fmt: skip

DRIFTED = {
    "qe_drift_answer_missing": "answer_text",
    "qe_drift_no_title_no_text": "title",
    "qe_drift_closure_unread": "status",
}


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
def test_template_is_current(parsed: dict[str, Question], page: str) -> None:
    assert parsed[page].template == "dyn_current"


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_url_is_the_one_read(parsed: dict[str, Question], page: str) -> None:
    assert parsed[page].url == URL


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_closed_iff_not_open(parsed: dict[str, Question], page: str) -> None:
    q = parsed[page]
    assert (q.closed_on is None) == (q.status == "open")


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_texts_are_normalised(parsed: dict[str, Question], page: str) -> None:
    q = parsed[page]
    for text in (q.question_text, q.answer_text):
        for para in (text or "x").split("\n\n"):
            assert para == " ".join(para.split()) and para


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_author_id_is_bare(parsed: dict[str, Question], page: str) -> None:
    assert (parsed[page].author_id or "PA1").startswith("PA")


@pytest.mark.parametrize(("page", "field"), sorted(DRIFTED.items()))
def test_drift_raises_on_the_missing_field(page: str, field: str) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract((DIR / f"{page}.html").read_bytes(), URL)
    assert caught.value.field == field


# --- regular_spans: p.css("span._regular") without the CSS call ---------------------


@pytest.mark.parametrize(
    "doctype, row",
    [
        ("<!DOCTYPE html>", '<span class="_regular" id=a>x</span><span id=b>y</span>'),
        ("<!DOCTYPE html>", '<span class="c\t_regular\nd" id=a><span class="_regular" id=b>'),
        ("<!DOCTYPE html>", '<span class="_REGULAR" id=a></span><b class="_regular">z</b>'),
        ("", '<span class="_REGULAR" id=a></span><span class=" _regular " id=b></span>'),
        ("", '<span class="x_regular _regular-y" id=a></span><span class="_regular" id=b>'),
        ("<!DOCTYPE html>", '<span class="\xa0_regular" id=a></span><span class="" id=b>'),
    ],
)
def test_regular_spans_are_what_css_finds(doctype: str, row: str) -> None:
    p = LexborHTMLParser(f'{doctype}<p class="h6">Label : {row}</p>').css_first("p")
    assert p is not None
    assert [n.id for n in regular_spans(p)] == [n.id for n in p.css("span._regular")]
