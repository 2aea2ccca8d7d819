"""The whole corpus, synthetic: ~400,000 question pages of legislatures 11 to 17, on demand.

Nothing is stored: ``Corpus(questions).page(path)`` renders a page from its
uid and the seed alone, so any machine serves the same bytes. Each legislature
is shown in the page generation its pages have (``GENERATIONS``): the current
dyn template through ``tests.support.pages.render_question``, the 2017 dyn,
legacy and fiche pages from the fixtures with values swapped in
(``bench/corpus_templates.py``). ``Corpus.question(uid)`` also gives the
``Question`` that ``extract`` must read from the page.

The mix, scaled down from ``FULL`` when ``questions`` is smaller: types QE
85 %, QG 8 %, QOSD 7 %; ended legislatures are all closed (QE: 80 % answered,
20 % withdrawn at the end of the mandate; QOSD answered), the 17th 55 % open;
question and answer texts 300 to 6,000 characters, log-normal (a long tail).
Question numbers run 1..count for each legislature and type; past the last
one the site answers 404, so discovery stops.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from functools import cache
from typing import Any

from bench.corpus_templates import BASE, Template, Values
from extractors import Question
from extractors.uid import parse_uid
from tests.support.pages import expected_question, render_question

# Questions per legislature at full scale (400,000 in all; the real site's order of size).
FULL = {11: 58_000, 12: 88_000, 13: 94_000, 14: 86_000, 15: 46_000, 16: 15_000, 17: 13_000}
TYPE_SHARE = {"QE": 0.85, "QG": 0.08, "QOSD": 0.07}
# Each legislature's pages in the generation(s) its pages have on the site.
GENERATIONS = {
    11: ("fiche",),
    12: ("fiche",),
    13: ("legacy",),
    14: ("legacy", "dyn_2017"),
    15: ("dyn_2017",),
    16: ("dyn_current",),
    17: ("dyn_current",),
}
TERMS = {
    11: (dt.date(1997, 6, 12), dt.date(2002, 6, 18)),
    12: (dt.date(2002, 6, 19), dt.date(2007, 6, 19)),
    13: (dt.date(2007, 6, 20), dt.date(2012, 6, 19)),
    14: (dt.date(2012, 6, 20), dt.date(2017, 6, 20)),
    15: (dt.date(2017, 6, 21), dt.date(2022, 6, 21)),
    16: (dt.date(2022, 6, 22), dt.date(2024, 6, 9)),
    17: (dt.date(2024, 7, 18), dt.date(2026, 11, 30)),
}
# fixture names by generation and (type, status); a missing entry falls back to dyn_current.
FIXTURES: dict[str, dict[tuple[str, str], tuple[str, ...]]] = {
    "fiche": {
        ("QE", "answered"): ("qe_signalee_change_attribution", "qe_answered_table"),
        ("QE", "withdrawn"): ("qe_withdrawn_fin_de_mandat",),
        ("QE", "open"): ("qe_open",),
        ("QG", "answered"): ("qg_answered",),
        ("QOSD", "answered"): ("qosd_answered",),
        ("QOSD", "open"): ("qosd_open",),
    },
    "legacy": {
        ("QE", "answered"): ("qe_signalee", "qe_answered_table"),
        ("QE", "withdrawn"): ("qe_withdrawn_fin_de_mandat",),
        ("QE", "open"): ("qe_open",),
        ("QG", "answered"): ("qg_answered",),
        ("QOSD", "answered"): ("qosd_answered",),
        ("QOSD", "open"): ("qosd_open",),
    },
    "dyn_2017": {
        ("QE", "answered"): ("qe_answered",),
        ("QE", "withdrawn"): ("qe_withdrawn",),
        ("QE", "open"): ("qe_open_signalee",),
        ("QOSD", "answered"): ("qosd_answered",),
    },
}
# Site chrome (menus) of about the real pages' size: bytes to carry, no data.
PADDING_KB = {"dyn_current": 40, "dyn_2017": 40, "legacy": 30, "fiche": 0}
WORDS = (
    "le",
    "ministre",
    "attention",
    "situation",
    "sur",
    "les",
    "conséquences",
    "de",
    "la",
    "réforme",
    "pour",
    "communes",
    "rurales",
    "agriculteurs",
    "hôpitaux",
    "écoles",
    "transport",
    "financement",
    "collectivités",
    "territoriales",
    "dispositif",
    "mesures",
    "gouvernement",
    "entend",
    "prendre",
    "afin",
    "garantir",
    "accès",
    "services",
    "publics",
    "dans",
    "départements",
    "souhaite",
    "connaître",
    "calendrier",
    "application",
    "décret",
    "loi",
    "nationale",
    "européenne",
    "enseignement",
    "santé",
    "sécurité",
    "emploi",
    "logement",
    "énergie",
    "environnement",
    "eau",
    "retraites",
    "handicap",
    "culture",
    "sport",
)
_MEAN_WORD = round(sum(map(len, WORDS)) / len(WORDS))
RUBRIQUES = (
    "agriculture", "enseignement", "santé", "impôts et taxes", "transports", "logement",
    "énergie et carburants", "retraites : généralités", "collectivités territoriales", "emploi",
)  # fmt: skip
GROUPS = (
    "Renaissance", "Rassemblement National", "La France insoumise", "Socialistes",
    "Les Républicains", "Démocrate (MoDem et Indépendants)", "Écologiste", "Horizons",
)  # fmt: skip
MINISTRIES = (
    "Économie, finances et souveraineté", "Santé et prévention", "Intérieur",
    "Transition écologique", "Éducation nationale", "Travail, santé et solidarités",
)  # fmt: skip


def _padding(kb: int) -> str:
    items = "".join(
        f'<li><a href="{BASE}/dyn/menu/{i}">Entrée de menu {i}</a></li>\n'
        for i in range(kb * 1024 // 80)
    )
    return f'<nav id="header-navigation"><ul>{items}</ul></nav>' if kb else ""


@cache
def _chrome(generation: str) -> str:
    return _padding(PADDING_KB[generation])


@cache
def _template(generation: str, name: str) -> Template:
    return Template(generation, name)


def _paragraphs(rng: random.Random, median: int) -> list[str]:
    """300 to 6,000 characters, log-normal around ``median``, in paragraphs of ~40-110 words."""
    size = min(6000, max(300, int(rng.lognormvariate(math.log(median), 0.75))))
    words = rng.choices(WORDS, k=max(40, size // (_MEAN_WORD + 1)))
    paras, at = [], 0
    while at < len(words):
        step = rng.randrange(40, 110)
        paras.append(" ".join(words[at : at + step]).capitalize() + ".")
        at += step
    return paras


class Corpus:
    """``questions`` pages (about), split by ``FULL`` and ``TYPE_SHARE``; same seed, same bytes."""

    def __init__(self, questions: int = 400_000, seed: int = 16) -> None:
        self.seed = seed
        scale = questions / sum(FULL.values())
        self.counts = {
            (leg, type_): max(1, round(total * share * scale))
            for leg, total in FULL.items()
            for type_, share in TYPE_SHARE.items()
        }

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def uids(self) -> Iterator[str]:
        for (leg, type_), count in self.counts.items():
            for number in range(1, count + 1):
                yield f"QANR5L{leg}{type_}{number}"

    def page(self, path: str) -> bytes | None:
        """The body served at ``/dyn/{leg}/questions/{uid}``, or ``None`` (404)."""
        parts = path.split("/")
        if len(parts) != 5 or parts[:2] != ["", "dyn"] or parts[3] != "questions":
            return None
        try:
            uid = parse_uid(parts[4])
        except ValueError:
            return None
        if str(uid) != parts[4] or str(uid.legislature) != parts[2]:
            return None
        if uid.number > self.counts.get((uid.legislature, uid.type), 0):
            return None
        return self.question(str(uid))[0].encode()

    def question(self, uid: str) -> tuple[str, Question]:
        """The page of ``uid`` and the ``Question`` that ``extract`` must return for it."""
        parsed = parse_uid(uid)
        leg, type_, number = parsed.legislature, parsed.type, parsed.number
        rng = random.Random(f"{self.seed}/{uid}")
        status = self._status(rng, leg, type_)
        dates = self._dates(rng, leg, number / self.counts[(leg, type_)], status)
        generation = rng.choice(GENERATIONS[leg])
        names = FIXTURES.get(generation, {}).get((type_, status))
        question = _paragraphs(rng, 900) if type_ != "QG" else None
        answer = _paragraphs(rng, 1500) if status == "answered" else None
        if names:
            tpl = _template(generation, rng.choice(names))
            values = Values(uid, leg, number, question, answer, *dates, rng.choice(RUBRIQUES))
            html, expected = tpl.render(values), tpl.expected(values)
        else:
            generation = "dyn_current"
            fields = self._dyn_fields(rng, uid, type_, status, question, answer, dates)
            html, expected = render_question(**fields), expected_question(**fields)
        return _pad(html, generation), expected

    @staticmethod
    def _status(rng: random.Random, leg: int, type_: str) -> str:
        draw = rng.random()
        if type_ == "QG":
            return "answered"
        if leg == 17:
            return "open" if draw < 0.55 else "answered" if draw < 0.95 else "withdrawn"
        if type_ == "QOSD":
            return "answered"
        return "answered" if draw < 0.8 else "withdrawn"

    @staticmethod
    def _dates(
        rng: random.Random, leg: int, share: float, status: str
    ) -> tuple[dt.date, dt.date | None, dt.date | None]:
        """Question date by number order across the term; answer ~3 months later; withdrawal."""
        start, end = TERMS[leg]
        asked = start + dt.timedelta(days=int(share * ((end - start).days - 30)))
        if status == "answered":
            later = asked + dt.timedelta(days=1 + int(rng.expovariate(1 / 90)))
            return asked, min(later, end), None
        if status == "withdrawn":
            closed = end if leg < 17 else min(end, asked + dt.timedelta(days=30))
            return asked, None, closed
        return asked, None, None

    @staticmethod
    def _dyn_fields(
        rng: random.Random,
        uid: str,
        type_: str,
        status: str,
        question: list[str] | None,
        answer: list[str] | None,
        dates: tuple[dt.date, dt.date | None, dt.date | None],
    ) -> dict[str, Any]:
        deputy = rng.randrange(1, 600)
        fields: dict[str, Any] = {
            "uid": uid,
            "title": " ".join(rng.choice(WORDS) for _ in range(rng.randrange(2, 8))).capitalize(),
            "author_name": f"{rng.choice(('M.', 'Mme'))} Député Numéro{deputy}",
            "author_id": f"PA{900000 + deputy}",
            "author_group": GROUPS[deputy % len(GROUPS)],
            "constituency": f"Département {deputy % 101} ({deputy % 11 + 1}e circonscription)",
            "rubrique": rng.choice(RUBRIQUES).capitalize(),
            "ministry_asked": rng.choice(MINISTRIES),
            "ministry_answering": rng.choice(MINISTRIES),
            "question_paragraphs": question or [],
            "answer_paragraphs": answer,
            "question_published_on": dates[0],
            "question_jo_page": rng.randrange(1, 9000) if type_ != "QG" else None,
            "answer_published_on": dates[1],
            "answer_jo_page": rng.randrange(1, 9000) if dates[1] and type_ != "QG" else None,
        }
        if type_ != "QE" and answer is not None:
            fields["answer_heading"] = fields["title"].upper()
        if status == "withdrawn":
            fields.update(closed_on=dates[2], closure_reason="Retrait")
        if type_ == "QG":
            fields.update(question_paragraphs=[], answer_published_on=None)
        return fields


def _pad(html: str, generation: str) -> str:
    """Chrome where the site has it: before ``<main>`` on dyn pages, around legacy ones."""
    anchor = {"dyn_current": '<div id="root">', "dyn_2017": "<body>"}.get(
        generation, '<div class="page">'
    )
    return html.replace(anchor, anchor + _chrome(generation), 1)
