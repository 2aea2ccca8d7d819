"""The legacy questions.assemblee-nationale.fr parser, on pages written for it.

Each fixture in tests/fixtures/pages/legacy is parsed once (module scope);
each expected value is one test. Content is invented, structure copied from
the real page (../shared/an-samples/QANR5L14QE3200.html and siblings).
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
LEGACY = sorted((PAGES / "legacy").glob("*.html"))
GOOD = [p.name for p in LEGACY if "drift" not in p.name]
URL = "https://questions.assemblee-nationale.fr/q14/page.htm"
D = dt.date


def _tree(path: Path) -> LexborHTMLParser:
    return LexborHTMLParser(path.read_text(encoding="utf-8"))


def _extract(html: str, url: str = URL) -> Question:
    """This module's parser on the page as extract() prepares it (mojibake repaired).

    Routing by extract() is tested separately (test_extract_routes_here), so
    that a wrong claim by another generation cannot hide this parser's results.
    """
    return legacy.parse(LexborHTMLParser(repair_mojibake(html)), url)


@pytest.fixture(scope="module")
def parsed() -> dict[str, Question]:
    return {name: _extract((PAGES / "legacy" / name).read_text(encoding="utf-8")) for name in GOOD}


EXPECTED: list[tuple[str, str, object]] = [
    # open QE: group with parentheses, &nbsp; in the text, a renouvellement date
    ("qe_open.html", "uid", "QANR5L14QE90001"),
    ("qe_open.html", "author_name", "Mme Hélène Martin-Dupuis"),
    ("qe_open.html", "author_id", "PA700001"),
    ("qe_open.html", "author_group", "Union des démocrates et indépendants (UDI)"),
    ("qe_open.html", "constituency", "Haute-Savoie"),
    ("qe_open.html", "title", "jeunes agriculteurs. installation. aides."),
    ("qe_open.html", "tete_analyse", "exploitants"),
    ("qe_open.html", "rubrique", "agriculture"),
    ("qe_open.html", "question_text",
     "Mme Hélène Martin-Dupuis attire l'attention de M. le ministre de l'agriculture sur "
     "l'installation des jeunes agriculteurs en zone de montagne.\n\n"
     "Elle lui demande quelles mesures il entend prendre."),
    ("qe_open.html", "question_published_on", D(2014, 3, 4)),
    ("qe_open.html", "question_jo_page", 2001),
    ("qe_open.html", "status", "open"),
    ("qe_open.html", "closed_on", None),
    ("qe_open.html", "answer_text", None),
    ("qe_open.html", "signaled_on", None),
    # answered QE: change of attribution + renouvellement lines, answer with a table
    ("qe_answered_table.html", "ministry_asked", "Défense"),
    ("qe_answered_table.html", "ministry_answering", "Anciens combattants et mémoire"),
    ("qe_answered_table.html", "question_text",
     "M. Jean-Paul Leclerc interroge M. le ministre de la défense sur la répartition des "
     "crédits entre le 1er et le 5e trimestre."),
    # a table row is one paragraph, even with a <br> inside a header cell
    ("qe_answered_table.html", "answer_text",
     "Les montants alloués en 2013 figurent dans le tableau suivant :\n\n"
     "RÉGION MONTANT (en euros)\n\nBretagne 1 200\n\nCorse néant\n\n"
     "Ces crédits seront reconduits en 2014."),
    ("qe_answered_table.html", "question_published_on", D(2014, 1, 7)),
    ("qe_answered_table.html", "question_jo_page", 18),
    ("qe_answered_table.html", "answer_published_on", D(2014, 5, 13)),
    ("qe_answered_table.html", "answer_jo_page", 3858),
    ("qe_answered_table.html", "status", "answered"),
    ("qe_answered_table.html", "closed_on", D(2014, 5, 13)),
    ("qe_answered_table.html", "closure_reason", "Réponse publiée"),
    ("qe_answered_table.html", "signaled_on", None),
    # withdrawn at the end of the mandate / by its author
    ("qe_withdrawn_fin_de_mandat.html", "status", "withdrawn"),
    ("qe_withdrawn_fin_de_mandat.html", "closed_on", D(2017, 6, 20)),
    ("qe_withdrawn_fin_de_mandat.html", "closure_reason", "Fin de mandat"),
    ("qe_withdrawn_fin_de_mandat.html", "answer_published_on", None),
    ("qe_withdrawn_fin_de_mandat.html", "author_group",
     "Radical, républicain, démocrate et progressiste"),
    ("qe_withdrawn_retrait.html", "legislature", 13),
    ("qe_withdrawn_retrait.html", "status", "withdrawn"),
    ("qe_withdrawn_retrait.html", "closed_on", D(2010, 3, 2)),
    ("qe_withdrawn_retrait.html", "closure_reason", "Retrait"),
    # signalée, then answered
    ("qe_signalee.html", "signaled_on", D(2014, 2, 18)),
    ("qe_signalee.html", "status", "answered"),
    ("qe_signalee.html", "closed_on", D(2014, 4, 1)),
    ("qe_signalee.html", "answer_text",
     "Le taux de chômage des seniors s'établit à 7,2 %.\n\n"
     "Le Gouvernement a engagé un plan d'action."),
    # double-encoded UTF-8 repaired
    ("qe_mojibake.html", "author_name", "Mme Élise Lefèvre"),
    ("qe_mojibake.html", "author_group", "Écologiste"),
    ("qe_mojibake.html", "constituency", "Isère"),
    ("qe_mojibake.html", "ministry_asked", "Écologie, développement durable et énergie"),
    ("qe_mojibake.html", "title", "tarifs. évolution."),
    ("qe_mojibake.html", "question_text",
     "Mme Élise Lefèvre interroge Mme la ministre sur l'évolution des tarifs de l'électricité."),
    # QG: the transcript is the answer, the sitting date everywhere
    ("qg_answered.html", "type", "QG"),
    ("qg_answered.html", "question_text", None),
    ("qg_answered.html", "answer_text",
     "AVENIR DES PETITES LIGNES FERROVIAIRES\n\n"
     "M. le président. La parole est à M. Marc Aubry, pour le groupe écologiste.\n\n"
     "M. Marc Aubry. Monsieur le ministre, les petites lignes ferment les unes après les "
     "autres.\n\n"
     "Que comptez-vous faire ? (Applaudissements sur les bancs du groupe écologiste.)\n\n"
     "M. le président. La parole est à M. le ministre délégué chargé des transports.\n\n"
     "M. Frédéric Cuvillier, ministre délégué chargé des transports. Monsieur le député, "
     "aucune ligne ne sera fermée sans concertation."),
    ("qg_answered.html", "question_published_on", D(2012, 11, 14)),
    ("qg_answered.html", "question_jo_page", None),
    ("qg_answered.html", "answer_published_on", D(2012, 11, 14)),
    ("qg_answered.html", "answer_jo_page", 5012),
    ("qg_answered.html", "closed_on", D(2012, 11, 14)),
    ("qg_answered.html", "status", "answered"),
    ("qg_answered.html", "closure_reason", "Réponse publiée"),
    # QOSD: question text, and a transcript as the answer
    ("qosd_answered.html", "type", "QOSD"),
    ("qosd_answered.html", "answer_text",
     "FERMETURE DE LA MATERNITÉ DE SAINT-ALBAN\n\n"
     "M. le président. La parole est à Mme Claire Vidal, pour exposer sa question, n° 90008, "
     "relative à la fermeture de la maternité de Saint-Alban.\n\n"
     "Mme Claire Vidal. Madame la ministre, la maternité de Saint-Alban doit fermer.\n\n"
     "Quelles garanties pouvez-vous donner aux familles ?\n\n"
     "M. le président. La parole est à Mme la ministre des affaires sociales et de la santé.\n\n"
     "Mme Marisol Touraine, ministre des affaires sociales et de la santé. Madame la députée, "
     "un centre périnatal sera maintenu."),
    ("qosd_answered.html", "answer_published_on", D(2014, 1, 29)),
    ("qosd_answered.html", "closed_on", D(2014, 1, 29)),
    ("qosd_open.html", "status", "open"),
    ("qosd_open.html", "answer_text", None),
    ("qosd_open.html", "question_jo_page", 3990),
    ("qe_closure_line.html", "status", "withdrawn"),
    ("qe_closure_line.html", "closed_on", D(2017, 6, 18)),
    ("qe_closure_line.html", "closure_reason", "Fin de mandat"),
    ("qe_closure_line.html", "unknown_labels", ()),
    ("qe_open.html", "unknown_labels", ()),
    ("qe_unknown_event.html", "status", "open"),
    ("qe_unknown_event.html", "unknown_labels", ("date de transmission",)),
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
    assert parsed[name].template == "legacy"


@pytest.mark.parametrize("name", GOOD)
def test_text_values_are_normalised(parsed: dict[str, Question], name: str) -> None:
    values = [v for v in parsed[name].as_row().values() if isinstance(v, str)]
    bad = [v for v in values if v != v.strip() or "\xa0" in v or "  " in v or "\n\n\n" in v]
    assert bad == []


@pytest.mark.parametrize("name", GOOD)
def test_no_mojibake_left(parsed: dict[str, Question], name: str) -> None:
    assert not any("Ã" in v for v in parsed[name].as_row().values() if isinstance(v, str))


@pytest.mark.parametrize("name", GOOD)
def test_non_column_dates_never_fill_columns(parsed: dict[str, Question], name: str) -> None:
    # 03/04/2014 (attribution), 15/04/2014 and 10/06/2014 (renouvellement) are decoys.
    decoys = {D(2014, 4, 3), D(2014, 4, 15), D(2014, 6, 10)}
    q = parsed[name]
    assert not decoys & {q.question_published_on, q.answer_published_on, q.closed_on}


@pytest.mark.parametrize("path", LEGACY, ids=lambda p: p.name)
def test_legacy_pages_are_recognised(path: Path) -> None:
    assert legacy.matches(_tree(path)) and not fiche.matches(_tree(path))


def test_drifted_page_fails_loudly_naming_the_field() -> None:
    html = (PAGES / "legacy" / "qe_drift_missing_date.html").read_text(encoding="utf-8")
    with pytest.raises(ExtractionError) as error:
        _extract(html)
    assert (error.value.uid, error.value.field) == ("QANR5L14QE90010", "question_published_on")


def test_closure_line_no_rule_reads_fails_on_status() -> None:
    html = (PAGES / "legacy" / "qe_drift_closure_unread.html").read_text(encoding="utf-8")
    with pytest.raises(ExtractionError) as error:
        _extract(html)
    assert (error.value.uid, error.value.field) == ("QANR5L14QE90001", "status")


def test_the_page_names_its_question_whatever_the_url() -> None:
    html = (PAGES / "legacy" / "qe_open.html").read_text(encoding="utf-8")
    url = "https://www.assemblee-nationale.fr/dyn/14/questions/QANR5L14QE1"
    assert _extract(html, url).uid == "QANR5L14QE90001"


def test_uid_falls_back_on_the_pdf_form_when_the_header_lacks_the_number() -> None:
    html = (PAGES / "legacy" / "qe_open.html").read_text(encoding="utf-8")
    html = html.replace("> Question N° 90001</div>", "></div>")
    assert _extract(html, "https://example.org/x").uid == "QANR5L14QE90001"


def test_page_without_author_line_fails_loudly() -> None:
    html = (PAGES / "legacy" / "qe_open.html").read_text(encoding="utf-8")
    html = html.replace('<div id="question_col80"> de ', '<div id="question_col80"> ')
    with pytest.raises(ExtractionError) as error:
        _extract(html)
    assert error.value.field == "author_name"


def test_empty_answer_line_does_not_make_it_answered() -> None:
    html = (PAGES / "legacy" / "qe_open.html").read_text(encoding="utf-8")
    html = html.replace("</div>\n<section class=\"question_answer\">",
                        "<div>Réponse publiée au JO le : </div></div>\n"
                        "<section class=\"question_answer\">", 1)  # fmt: skip
    assert _extract(html).status == "open"


@pytest.mark.parametrize("name", GOOD)
def test_extract_routes_here(name: str) -> None:
    result = extract((PAGES / "legacy" / name).read_bytes(), URL)
    assert isinstance(result, Question) and result.template == "legacy"
