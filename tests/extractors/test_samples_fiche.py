"""The fiche parser on the three real "FICHE QUESTION" pages in ../shared/an-samples.

Every expected value was written by hand from reading the page source (see
SOURCES.md). The author is shown surname first ("Jacquaint Muguette"): kept
as displayed, civility in front. Transcripts are checked by chosen
paragraphs and their paragraph count (one per ``<br>`` run of the source).
Each page is read once per module, through :func:`extractors.extract`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from selectolax.lexbor import LexborHTMLParser

from extractors.model import Question
from extractors.pages import decode, extract, fiche, legacy
from extractors.pages.mojibake import repair_mojibake
from tests.conftest import sample_path

D = dt.date
URLS = {
    "QANR5L11QE450.html": "https://questions.assemblee-nationale.fr/q11/11-450QE.htm",
    "QANR5L11QG450.html": "https://questions.assemblee-nationale.fr/q11/11-450QG.htm",
    "QANR5L11QOSD450.html": "https://questions.assemblee-nationale.fr/q11/11-450QOSD.htm",
}
QE, QG, QOSD = URLS


@pytest.fixture(scope="module")
def parsed() -> dict[str, Question]:
    # The parser itself, on the page as extract() prepares it; routing is
    # tested apart (test_extract_routes_here).
    out = {}
    for name, url in URLS.items():
        text = repair_mojibake(decode(sample_path(name).read_bytes()))
        out[name] = fiche.parse(LexborHTMLParser(text), url)
    return out


EXPECTED: list[tuple[str, str, object]] = [
    (QE, "uid", "QANR5L11QE450"), (QE, "legislature", 11), (QE, "type", "QE"),
    (QE, "number", 450), (QE, "url", URLS[QE]), (QE, "title", "calcul"),
    (QE, "author_name", "Mme Jacquaint Muguette"), (QE, "author_id", None),
    (QE, "author_group", "Communiste"), (QE, "constituency", "Seine-Saint-Denis"),
    (QE, "rubrique", "logement : aides et prêts"), (QE, "tete_analyse", "APL"),
    (QE, "analyse", "calcul"), (QE, "ministry_asked", "logement"),
    (QE, "ministry_answering", "logement"),
    (QE, "question_published_on", D(1997, 6, 30)), (QE, "question_jo_page", 2254),
    (QE, "answer_published_on", D(1997, 9, 22)), (QE, "answer_jo_page", 3099),
    (QE, "status", "answered"), (QE, "closed_on", D(1997, 9, 22)),
    (QE, "closure_reason", "Réponse publiée"), (QE, "signaled_on", None),
    (QE, "template", "fiche"),

    (QG, "uid", "QANR5L11QG450"), (QG, "legislature", 11), (QG, "type", "QG"),
    (QG, "number", 450), (QG, "url", URLS[QG]), (QG, "title", "Thomson. emploi et activité"),
    (QG, "author_name", "M. Marchand Jean-Michel"), (QG, "author_id", None),
    (QG, "author_group", "Radical, Citoyen et Vert"), (QG, "constituency", "Maine-et-Loire"),
    (QG, "rubrique", "industrie"), (QG, "tete_analyse", "matériel électrique et électronique"),
    (QG, "analyse", "Thomson. emploi et activité"), (QG, "ministry_asked", "industrie"),
    (QG, "ministry_answering", "industrie"), (QG, "question_text", None),
    (QG, "question_published_on", D(1998, 3, 5)), (QG, "question_jo_page", 1919),
    (QG, "answer_published_on", D(1998, 3, 5)), (QG, "answer_jo_page", 1919),
    (QG, "status", "answered"), (QG, "closed_on", D(1998, 3, 5)),
    (QG, "closure_reason", "Réponse publiée"), (QG, "signaled_on", None),

    (QOSD, "uid", "QANR5L11QOSD450"), (QOSD, "legislature", 11), (QOSD, "type", "QOSD"),
    (QOSD, "number", 450), (QOSD, "url", URLS[QOSD]),
    (QOSD, "title", "services d'urgence. organisation"),
    (QOSD, "author_name", "M. Pontier Jean"), (QOSD, "author_id", None),
    (QOSD, "author_group", "Radical, Citoyen et Vert"), (QOSD, "constituency", "Ardèche"),
    (QOSD, "rubrique", "établissements de santé"), (QOSD, "tete_analyse", "hôpitaux"),
    (QOSD, "analyse", "services d'urgence. organisation"),
    (QOSD, "ministry_asked", "emploi et solidarité"), (QOSD, "ministry_answering", "santé"),
    (QOSD, "question_published_on", D(1998, 6, 24)), (QOSD, "question_jo_page", 5316),
    (QOSD, "answer_published_on", D(1998, 7, 1)), (QOSD, "answer_jo_page", 5493),
    (QOSD, "status", "answered"), (QOSD, "closed_on", D(1998, 7, 1)),
    (QOSD, "closure_reason", "Réponse publiée"), (QOSD, "signaled_on", None),
]  # fmt: skip

#: (page, field, paragraph index, expected paragraph).
PARAGRAPHS: list[tuple[str, str, int, str]] = [
    (QE, "question_text", 0,
     "Mme Muguette Jacquaint attire l'attention de M. le secrétaire d'Etat au logement sur la "
     "modification des bases de ressources pour le calcul de l'APL. Ces mesures se traduiront "
     "par 2,7 milliards de francs de moins versés aux familles, à quoi s'ajoute une "
     "non-revalorisation des barèmes de l'APL depuis trois ans. Ces décisions mettront en "
     "difficulté les accédants à la propriété et les locataires, qui seront certainement encore "
     "plus nombreux à saisir les commissions de surendettement et les fonds de solidarité pour "
     "le logement. Par ailleurs, ces nouvelles économies vont s'effectuer sur la partie la plus "
     "pauvre de la population, elles contredisent toutes les prises de position concernant le "
     "besoin de réduction de la fracture sociale. C'est pourquoi elle lui demande quelles sont "
     "ses intentions afin de recevoir ces nouveaux critères d'attribution d'APL."),
    (QG, "answer_text", 0, "M. le président. La parole est à M. Jean-Michel Marchand."),
    (QG, "answer_text", 3, "M. Didier Boulaud. Ah !"),
    (QG, "answer_text", -1, "M. Pierre Lellouche. Bref, tout va bien !"),
    (QOSD, "answer_text", 0,
     "M. le président. M. Jean Pontier a présenté une question, n° 450, ainsi rédigée:"),
    (QOSD, "answer_text", 2, "La parole est à M. Jean Pontier, pour exposer sa question."),
    (QOSD, "answer_text", -1, "M. Germain Gengenwin. Je m'associe à vos propos !"),
]  # fmt: skip

#: (page, field, prefix, suffix) for the long single texts.
ENDS: list[tuple[str, str, str, str]] = [
    (QE, "answer_text", "Les mesures prises concernant la base de ressources des aides",
     "d'avoir accès au logement et de s'y maintenir."),
    (QOSD, "question_text", "Le décret du 30 mai 1997 relatif à l'accueil et au traitement",
     "les hôpitaux locaux peuvent être reconnus comme siège d'une UPATU."),
]  # fmt: skip

#: Paragraph counts, from the ``<br>`` runs of the source.
COUNTS = [(QE, "question_text", 1), (QE, "answer_text", 1), (QOSD, "question_text", 1),
          (QG, "answer_text", 23), (QOSD, "answer_text", 17)]  # fmt: skip


@pytest.mark.parametrize(("name", "field", "expected"), EXPECTED)
def test_field(parsed: dict[str, Question], name: str, field: str, expected: object) -> None:
    assert getattr(parsed[name], field) == expected


@pytest.mark.parametrize(("name", "field", "index", "expected"), PARAGRAPHS)
def test_paragraph(
    parsed: dict[str, Question], name: str, field: str, index: int, expected: str
) -> None:
    assert (getattr(parsed[name], field) or "").split("\n\n")[index] == expected


@pytest.mark.parametrize(("name", "field", "prefix", "suffix"), ENDS)
def test_text_ends(
    parsed: dict[str, Question], name: str, field: str, prefix: str, suffix: str
) -> None:
    text = getattr(parsed[name], field) or ""
    assert (text[: len(prefix)], text[-len(suffix) :]) == (prefix, suffix)


@pytest.mark.parametrize(("name", "field", "count"), COUNTS)
def test_paragraph_count(parsed: dict[str, Question], name: str, field: str, count: int) -> None:
    assert len((getattr(parsed[name], field) or "").split("\n\n")) == count


@pytest.mark.parametrize(
    "name",
    ["QANR5L14QE3200.html", "QANR5L14QG200.html", "QANR5L14QOSD450.html",
     "QANR5L16QE200.html", "QANR5L16QG200.html", "QANR5L16QOSD350.html"],
)  # fmt: skip
def test_other_templates_are_not_claimed(name: str) -> None:
    assert not fiche.matches(LexborHTMLParser(sample_path(name).read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", list(URLS))
def test_legacy_does_not_claim_fiche_pages(name: str) -> None:
    assert not legacy.matches(LexborHTMLParser(sample_path(name).read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", list(URLS))
def test_extract_routes_here(name: str) -> None:
    result = extract(sample_path(name).read_bytes(), URLS[name])
    assert isinstance(result, Question) and result.template == "fiche"
