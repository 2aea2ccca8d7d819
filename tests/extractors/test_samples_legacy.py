"""The legacy parser on the three real legacy pages in ../shared/an-samples.

Every expected value was written by hand from reading the page source (see
SOURCES.md for provenance). Long transcripts are checked by their first and
last words and their paragraph count (one per speaker turn, counted from the
``<br>`` runs of the source), shorter texts in full. Each page is read once
per module, through :func:`extractors.extract` from its bytes.
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
    "QANR5L14QE3200.html": "https://questions.assemblee-nationale.fr/q14/14-3200QE.htm",
    "QANR5L14QG200.html": "https://questions.assemblee-nationale.fr/q14/14-200QG.htm",
    "QANR5L14QOSD450.html": "https://questions.assemblee-nationale.fr/q14/14-450QOSD.htm",
}
QE, QG, QOSD = URLS


@pytest.fixture(scope="module")
def parsed() -> dict[str, Question]:
    # The parser itself, on the page as extract() prepares it; routing is
    # tested apart (test_extract_routes_here).
    out = {}
    for name, url in URLS.items():
        text = repair_mojibake(decode(sample_path(name).read_bytes()))
        out[name] = legacy.parse(LexborHTMLParser(text), url)
    return out


QE_TEXT = (
    "M. Philippe Le Ray attire l'attention de M. le ministre de l'économie et des finances sur "
    "l'évolution de la Caisse des dépôts et consignation. Le rapport de la Cour des comptes sur "
    "« L'État et le financement de l'économie de juillet 2012 » recommande à l'État d'élaborer "
    "un nouveau plan stratégique pour cette structure. Il lui demande si le Gouvernement entend "
    "mettre en œuvre cette recommandation."
)
QE_ANSWER = (
    "Comme le ministre de l'économie et des finances l'a souligné dans sa réponse au rapport de "
    "la Cour des comptes, publiée en annexe du même rapport, les recommandations de la Cour sur "
    "l'élaboration d'un nouveau plan stratégique de la Caisse des dépôts et sur la mise en place "
    "d'une politique active de gestion de ses participations vont dans le bon sens. En "
    "particulier, il paraît très important que la Caisse des dépôts procède à une évaluation de "
    "ses filiales et participations afin d'envisager des évolutions de son périmètre "
    "d'intervention en fonction de leur caractère stratégique et de leur rentabilité."
)
QOSD_TEXT = (
    "Mme Catherine Coutelle interroge M. le ministre de la défense sur la situation du site "
    "Sagem de Saint-Benoît (Vienne). À l'issue du vote de la loi de programmation militaire, il "
    "apparaît que de nouvelles commandes de jumelles JIR-TTA-NG et de nouveaux marchés à "
    "l'export laissent entrevoir une stabilisation des effectifs. Alors que les employés et la "
    "direction s'inquiétaient en 2013, elle était intervenue pour soutenir l'avenir de ce site "
    "qui, à l'issue de fortes restructurations et réductions d'effectifs, compte aujourd'hui 500 "
    "emplois ETP et constitue un fleuron industriel primordial dans le tissu économique de "
    "l'agglomération de Poitiers et du département de la Vienne. Elle souhaite qu'il apporte "
    "des précisions sur les commandes nouvelles et leur impact sur l'emploi sur site."
)

EXPECTED: list[tuple[str, str, object]] = [
    (QE, "uid", "QANR5L14QE3200"), (QE, "legislature", 14), (QE, "type", "QE"),
    (QE, "number", 3200), (QE, "url", URLS[QE]), (QE, "title", "rapport. propositions."),
    (QE, "author_name", "M. Philippe Le Ray"), (QE, "author_id", "PA607603"),
    (QE, "author_group", "Union pour un Mouvement Populaire"), (QE, "constituency", "Morbihan"),
    (QE, "rubrique", "État"), (QE, "tete_analyse", "financement"),
    (QE, "analyse", "rapport. propositions."), (QE, "ministry_asked", "Économie et finances"),
    (QE, "ministry_answering", "Économie et finances"), (QE, "question_text", QE_TEXT),
    (QE, "answer_text", QE_ANSWER), (QE, "question_published_on", D(2012, 8, 21)),
    (QE, "question_jo_page", 4774), (QE, "answer_published_on", D(2013, 2, 5)),
    (QE, "answer_jo_page", 1324), (QE, "status", "answered"), (QE, "closed_on", D(2013, 2, 5)),
    (QE, "closure_reason", "Réponse publiée"), (QE, "signaled_on", None),
    (QE, "template", "legacy"),

    (QG, "uid", "QANR5L14QG200"), (QG, "legislature", 14), (QG, "type", "QG"),
    (QG, "number", 200), (QG, "url", URLS[QG]),
    (QG, "title", "médecins. dépassement d'honoraires."),
    (QG, "author_name", "M. Olivier Véran"), (QG, "author_id", "PA642788"),
    (QG, "author_group", "Socialiste, républicain et citoyen"), (QG, "constituency", "Isère"),
    (QG, "rubrique", "assurance maladie maternité : généralités"),
    (QG, "tete_analyse", "conventions avec les praticiens"),
    (QG, "analyse", "médecins. dépassement d'honoraires."),
    (QG, "ministry_asked", "Affaires sociales et santé"),
    (QG, "ministry_answering", "Affaires sociales et santé"), (QG, "question_text", None),
    (QG, "question_published_on", D(2012, 10, 25)), (QG, "question_jo_page", None),
    (QG, "answer_published_on", D(2012, 10, 25)), (QG, "answer_jo_page", 4198),
    (QG, "status", "answered"), (QG, "closed_on", D(2012, 10, 25)),
    (QG, "closure_reason", "Réponse publiée"), (QG, "signaled_on", None),

    (QOSD, "uid", "QANR5L14QOSD450"), (QOSD, "legislature", 14), (QOSD, "type", "QOSD"),
    (QOSD, "number", 450), (QOSD, "url", URLS[QOSD]),
    (QOSD, "title", "groupe Sagem. emploi et activité. Vienne."),
    (QOSD, "author_name", "Mme Catherine Coutelle"), (QOSD, "author_id", "PA336421"),
    (QOSD, "author_group", "Socialiste, républicain et citoyen"), (QOSD, "constituency", "Vienne"),
    (QOSD, "rubrique", "défense"), (QOSD, "tete_analyse", "équipements"),
    (QOSD, "analyse", "groupe Sagem. emploi et activité. Vienne."),
    (QOSD, "ministry_asked", "Défense"), (QOSD, "ministry_answering", "Défense"),
    (QOSD, "question_text", QOSD_TEXT), (QOSD, "question_published_on", D(2014, 1, 21)),
    (QOSD, "question_jo_page", 537), (QOSD, "answer_published_on", D(2014, 1, 29)),
    (QOSD, "answer_jo_page", 1041), (QOSD, "status", "answered"),
    (QOSD, "closed_on", D(2014, 1, 29)), (QOSD, "closure_reason", "Réponse publiée"),
    (QOSD, "signaled_on", None),
]  # fmt: skip

#: (page, paragraph index, expected paragraph) for the transcripts.
PARAGRAPHS: list[tuple[str, int, str]] = [
    (QG, 0, "DÉPASSEMENTS D'HONORAIRES"),
    (QG, 1, "M. le président. La parole est à M. Olivier Véran, pour le groupe socialiste, "
            "républicain et citoyen."),
    (QG, 5, "M. Michel Pouzol. Bravo !"),
    (QG, -1, "Mme Marisol Touraine, ministre. Je vous le dis, mesdames et messieurs les "
             "députés : les médecins qui pratiquent des dépassements abusifs feront l'objet "
             "de sanctions dès l'entrée en vigueur de "
             "l'accord. Les médecins se sont en outre engagés à geler le niveau de leurs "
             "consultations. Ils obtiendront en contrepartie de meilleures prises en charge pour "
             "leurs patients, qui seront mieux remboursés par l'assurance maladie. Enfin, cinq "
             "millions de personnes, en plus de celles qui sont à la CMU, pourront bénéficier de "
             "consultations au tarif remboursé par la Sécurité sociale. Au total, cet accord "
             "permettra aux Français d'être mieux soignés et de voir leur pouvoir d'achat "
             "préservé. Après le laisser-faire, la dérive et l'inflation des dépassements "
             "d'honoraires vient le temps de la justice et de l'accès aux soins. "
             "(Applaudissements sur les bancs des groupes SRC, GDR et écologiste. - Exclamations "
             "sur les bancs du groupe UMP.)"),
    (QOSD, 0, "SITUATION DU SITE SAGEM DE SAINT-BENOÎT DANS LA VIENNE"),
    (QOSD, 1, "M. le président. La parole est à Mme Catherine Coutelle, pour exposer sa "
              "question, n° 450, relative à la situation du site SAGEM de Saint-Benoît dans la "
              "Vienne."),
    (QOSD, 15, "M. le président. La parole est à Mme Catherine Coutelle."),
]  # fmt: skip

#: Paragraph counts, from the ``<br>`` runs and ``<p>`` of the source.
COUNTS = [(QG, 18), (QOSD, 17), (QE, 1)]


@pytest.mark.parametrize(("name", "field", "expected"), EXPECTED)
def test_field(parsed: dict[str, Question], name: str, field: str, expected: object) -> None:
    assert getattr(parsed[name], field) == expected


@pytest.mark.parametrize(("name", "index", "expected"), PARAGRAPHS)
def test_transcript_paragraph(
    parsed: dict[str, Question], name: str, index: int, expected: str
) -> None:
    assert (parsed[name].answer_text or "").split("\n\n")[index] == expected


@pytest.mark.parametrize(("name", "count"), COUNTS)
def test_answer_paragraph_count(parsed: dict[str, Question], name: str, count: int) -> None:
    assert len((parsed[name].answer_text or "").split("\n\n")) == count


@pytest.mark.parametrize(
    "name",
    ["QANR5L11QE450.html", "QANR5L11QG450.html", "QANR5L11QOSD450.html",
     "QANR5L16QE200.html", "QANR5L16QG200.html", "QANR5L16QOSD350.html"],
)  # fmt: skip
def test_other_templates_are_not_claimed(name: str) -> None:
    assert not legacy.matches(LexborHTMLParser(sample_path(name).read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", list(URLS))
def test_fiche_does_not_claim_legacy_pages(name: str) -> None:
    assert not fiche.matches(LexborHTMLParser(sample_path(name).read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", list(URLS))
def test_extract_routes_here(name: str) -> None:
    result = extract(sample_path(name).read_bytes(), URLS[name])
    assert isinstance(result, Question) and result.template == "legacy"
