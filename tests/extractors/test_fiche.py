"""The "FICHE QUESTION" parser, on pages written for it.

Each fixture in tests/fixtures/pages/fiche is parsed once (module scope);
each expected value is one test. Content is invented, structure copied from
the real page (../shared/an-samples/QANR5L11QE450.html and siblings).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from extractors.model import STATUSES, ExtractionError, Question
from extractors.pages import extract, fiche, legacy
from extractors.pages.mojibake import repair_mojibake

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
FICHE = sorted((PAGES / "fiche").glob("*.html"))
GOOD = [p.name for p in FICHE if "drift" not in p.name]
URL = "https://questions.assemblee-nationale.fr/q11/page.htm"
D = dt.date


def _tree(path: Path) -> LexborHTMLParser:
    return LexborHTMLParser(path.read_text(encoding="utf-8"))


def _extract(html: str, url: str = URL) -> Question:
    """This module's parser on the page as extract() prepares it (mojibake repaired).

    Routing by extract() is tested separately (test_extract_routes_here), so
    that a wrong claim by another generation cannot hide this parser's results.
    """
    return fiche.parse(LexborHTMLParser(repair_mojibake(html)), url)


@pytest.fixture(scope="module")
def parsed() -> dict[str, Question]:
    return {name: _extract((PAGES / "fiche" / name).read_text(encoding="utf-8")) for name in GOOD}


EXPECTED: list[tuple[str, str, object]] = [
    ("qe_open.html", "uid", "QANR5L12QE80001"),
    ("qe_open.html", "author_name", "M. Lemoine Jacques"),
    ("qe_open.html", "author_id", None),
    ("qe_open.html", "author_group", "Union pour un mouvement populaire"),
    ("qe_open.html", "constituency", "Finistère"),
    ("qe_open.html", "title", "langoustine. golfe de Gascogne"),
    ("qe_open.html", "tete_analyse", "quotas de pêche"),
    ("qe_open.html", "rubrique", "pêche maritime"),
    ("qe_open.html", "question_published_on", D(2002, 10, 14)),
    ("qe_open.html", "question_jo_page", 3521),
    ("qe_open.html", "status", "open"),
    ("qe_open.html", "answer_text", None),
    ("qe_answered_table.html", "question_text",
     "Mme Odile Perrot demande à M. le ministre le nombre d'accidents recensés sur la RN 20."),
    ("qe_answered_table.html", "answer_text",
     "Le nombre d'accidents est le suivant :\n\nAnnée Accidents\n\n1996 42\n\n1997 37\n\n"
     "La baisse résulte des aménagements réalisés en 1er semestre."),
    ("qe_answered_table.html", "answer_published_on", D(1998, 4, 6)),
    ("qe_answered_table.html", "answer_jo_page", 1950),
    ("qe_answered_table.html", "status", "answered"),
    ("qe_answered_table.html", "closed_on", D(1998, 4, 6)),
    ("qe_answered_table.html", "closure_reason", "Réponse publiée"),
    ("qe_withdrawn_fin_de_mandat.html", "status", "withdrawn"),
    ("qe_withdrawn_fin_de_mandat.html", "closed_on", D(2002, 6, 18)),
    ("qe_withdrawn_fin_de_mandat.html", "closure_reason", "Fin de mandat"),
    ("qe_withdrawn_fin_de_mandat.html", "author_group",
     "Union pour la démocratie française-Alliance"),
    ("qe_withdrawn_retrait.html", "status", "withdrawn"),
    ("qe_withdrawn_retrait.html", "closed_on", D(2004, 6, 21)),
    ("qe_withdrawn_retrait.html", "closure_reason", "Retrait"),
    ("qe_signalee_change_attribution.html", "signaled_on", D(1998, 2, 9)),
    ("qe_signalee_change_attribution.html", "ministry_asked", "intérieur"),
    ("qe_signalee_change_attribution.html", "ministry_answering",
     "fonction publique, réforme de l'Etat et décentralisation"),
    ("qe_signalee_change_attribution.html", "question_published_on", D(1997, 11, 10)),
    ("qe_signalee_change_attribution.html", "closed_on", D(1998, 3, 16)),
    ("qe_mojibake.html", "author_name", "Mme Lefèvre Hélène"),
    ("qe_mojibake.html", "constituency", "Hérault"),
    ("qe_mojibake.html", "ministry_asked", "écologie et développement durable"),
    ("qe_mojibake.html", "tete_analyse", "électricité"),
    ("qe_mojibake.html", "question_text",
     "Mme Hélène Lefèvre interroge Mme la ministre sur l'évolution des tarifs de l'électricité."),
    ("qg_answered.html", "question_text", None),
    ("qg_answered.html", "answer_text",
     "M. le président. La parole est à M. Louis Fabre.\n\n"
     "M. Louis Fabre. Madame la ministre, le chômage des jeunes reste élevé.\n\n"
     "M. le président. La parole est à Mme la ministre de l'emploi et de la solidarité.\n\n"
     "Mme la ministre de l'emploi et de la solidarité. Monsieur le député, le programme "
     "emplois-jeunes a créé 150 000 postes."),
    ("qg_answered.html", "question_published_on", D(1999, 5, 12)),
    ("qg_answered.html", "answer_published_on", D(1999, 5, 12)),
    ("qg_answered.html", "closed_on", D(1999, 5, 12)),
    ("qg_answered.html", "status", "answered"),
    ("qosd_answered.html", "type", "QOSD"),
    ("qosd_answered.html", "answer_text",
     "M. le président. Mme Claire Marchal a présenté une question, n° 80008, ainsi rédigée : "
     "« ... »\n\nLa parole est à Mme Claire Marchal, pour exposer sa question.\n\n"
     "Mme Claire Marchal. Monsieur le ministre, trois classes vont fermer.\n\n"
     "M. le président. La parole est à M. le ministre délégué.\n\n"
     "M. le ministre délégué. Madame la députée, la carte scolaire sera concertée."),
    ("qosd_answered.html", "closed_on", D(2003, 12, 17)),
    ("qosd_open.html", "status", "open"),
    ("qosd_open.html", "closed_on", None),
]  # fmt: skip


@pytest.mark.parametrize(("name", "field", "expected"), EXPECTED)
def test_field(parsed: dict[str, Question], name: str, field: str, expected: object) -> None:
    assert getattr(parsed[name], field) == expected


@pytest.mark.parametrize("name", GOOD)
def test_status_is_known(parsed: dict[str, Question], name: str) -> None:
    assert parsed[name].status in STATUSES


@pytest.mark.parametrize("name", GOOD)
def test_closed_exactly_when_not_open(parsed: dict[str, Question], name: str) -> None:
    q = parsed[name]
    assert (q.status == "open") == (q.closed_on is None and q.closure_reason is None)


@pytest.mark.parametrize("name", GOOD)
def test_answered_closes_on_answer_date(parsed: dict[str, Question], name: str) -> None:
    q = parsed[name]
    if q.status == "answered":
        assert (q.closed_on, q.closure_reason) == (q.answer_published_on, "Réponse publiée")


@pytest.mark.parametrize("name", GOOD)
def test_title_is_the_analyse_line(parsed: dict[str, Question], name: str) -> None:
    assert parsed[name].title == parsed[name].analyse is not None


@pytest.mark.parametrize("name", GOOD)
def test_template_is_named(parsed: dict[str, Question], name: str) -> None:
    assert parsed[name].template == "fiche"


@pytest.mark.parametrize("name", GOOD)
def test_text_values_are_normalised(parsed: dict[str, Question], name: str) -> None:
    values = [v for v in parsed[name].as_row().values() if isinstance(v, str)]
    bad = [v for v in values if v != v.strip() or "\xa0" in v or "  " in v or "\n\n\n" in v]
    assert bad == []


@pytest.mark.parametrize("name", GOOD)
def test_no_mojibake_left(parsed: dict[str, Question], name: str) -> None:
    assert not any("Ã" in v for v in parsed[name].as_row().values() if isinstance(v, str))


@pytest.mark.parametrize("name", GOOD)
def test_change_of_attribution_date_fills_no_column(parsed: dict[str, Question], name: str) -> None:
    q = parsed[name]
    assert D(1998, 1, 12) not in {q.question_published_on, q.answer_published_on, q.closed_on}


@pytest.mark.parametrize("path", FICHE, ids=lambda p: p.name)
def test_fiche_pages_are_recognised(path: Path) -> None:
    assert fiche.matches(_tree(path)) and not legacy.matches(_tree(path))


def test_drifted_page_fails_loudly_naming_the_field() -> None:
    html = (PAGES / "fiche" / "qe_drift_missing_date.html").read_text(encoding="utf-8")
    with pytest.raises(ExtractionError) as error:
        _extract(html)
    assert (error.value.uid, error.value.field) == ("QANR5L11QE80010", "question_published_on")


def test_page_without_number_fails_loudly() -> None:
    html = (PAGES / "fiche" / "qe_open.html").read_text(encoding="utf-8")
    html = html.replace("<num>80001</num>", "<num></num>")
    with pytest.raises(ExtractionError) as error:
        _extract(html)
    assert error.value.field == "number"


def test_withdrawal_reason_falls_back_on_the_hidden_code() -> None:
    html = (PAGES / "fiche" / "qe_withdrawn_fin_de_mandat.html").read_text(encoding="utf-8")
    html = html.replace("<cret>Fin de mandat</cret>", "<cret></cret>")
    assert _extract(html).closure_reason == "Fin de mandat"


@pytest.mark.parametrize("name", GOOD)
def test_extract_routes_here(name: str) -> None:
    result = extract((PAGES / "fiche" / name).read_bytes(), URL)
    assert isinstance(result, Question) and result.template == "fiche"
