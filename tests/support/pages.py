# ruff: noqa: E501  (HTML template lines are kept whole so they read like the real markup)
"""Question pages shaped like the site's current "dyn" template, with invented content.

The end-to-end tests serve these from a loopback server, and the extractor
tests read them back, so they follow the real template closely (recovered from
../shared/an-samples/QANR5L16QE200.html, QG200, QOSD350): ``main`` >
``div.an-bloc._style-question[data-id="UID / ..."]`` > title ``span.h4`` with
``span._regular``; the text column (``div._pa-small`` blocks headed "Question
de :" and the green "Réponse publiée le ..."); the "Données clés" column of
``p.h6`` labels with ``span._regular`` values; JO links "Publication de ... au
Journal Officiel du ..., page N".

``render_question(**fields)`` keyword arguments (all optional but ``uid``):

=====================  ==========================================================
uid                    ``"QANR5L16QE200"`` (type and number are read from it)
title                  heading after "n°N :" (default ``"Sujet de la question N"``)
author_name            ``"Mme Camille Exemple"``
author_id              ``"PA900001"`` (``None``: a plain span, no link)
constituency           ``"Bretagne"``
author_group           ``"Démocrate (MoDem et Indépendants)"`` (``None``: shown as
                       ``(Bretagne)`` alone)
rubrique               ``"Agriculture"``
ministry_asked         ``"Agriculture et souveraineté alimentaire"``
ministry_answering     same default; ``None`` hides the line
question_paragraphs    list of paragraphs (QE/QOSD); ignored for QG
answer_paragraphs      list of paragraphs, or ``None`` while unanswered (QE/QOSD);
                       for QG the transcript paragraphs (heading first)
answer_heading         QOSD/QG transcript heading (a ``<b>`` line before the turns);
                       it is the answer's first paragraph
question_published_on  ``datetime.date`` (QG: the sitting date)
question_jo_page       int or ``None``
answer_published_on    ``datetime.date`` or ``None``
answer_jo_page         int or ``None``
signaled_on            ``datetime.date`` or ``None`` ("Question signalée le ...")
closed_on              withdrawal date, or ``None``
closure_reason         shown after the withdrawal date (``"Fin de mandat"``)
closure_row            ``None``: the closure is a line of the "Dates" block;
                       ``"inline"`` / ``"split"``: as the live site prints it, a
                       "Date de cloture :" row of its own, the date and the reason
                       on one line or split by ``<br>``
=====================  ==========================================================

The dated block is labelled "Date :" when it holds one line, "Dates :" otherwise
(as the live site does).

Values are inserted HTML-escaped, so any text round-trips.
``render_not_found()`` is the site's 200 error page ("La page demandée
n'existe pas"). :func:`expected_question` gives the :class:`Question` that
``extract`` must return for the same keyword arguments.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from extractors.model import Question
from extractors.uid import parse_uid

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
    "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
KIND = {"QE": "Question écrite", "QG": "Question au Gouvernement", "QOSD": "Question orale"}
BASE = "https://www.assemblee-nationale.fr"

_DEFAULTS: dict[str, Any] = {
    "author_name": "Mme Camille Exemple",
    "author_id": "PA900001",
    "constituency": "Bretagne",
    "author_group": "Démocrate (MoDem et Indépendants)",
    "rubrique": "Agriculture",
    "ministry_asked": "Agriculture et souveraineté alimentaire",
    "ministry_answering": "Agriculture et souveraineté alimentaire",
    "question_paragraphs": ["Mme Camille Exemple interroge M. le ministre sur un sujet inventé."],
    "answer_paragraphs": None,
    "answer_heading": None,
    "question_published_on": dt.date(2022, 7, 26),
    "question_jo_page": 3501,
    "answer_published_on": None,
    "answer_jo_page": None,
    "signaled_on": None,
    "closed_on": None,
    "closure_reason": None,
    "closure_row": None,
}


def french_date(day: dt.date) -> str:
    """``1er décembre 2022``: the long form the site prints."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"


def _fields(kw: dict[str, Any]) -> dict[str, Any]:
    unknown = set(kw) - set(_DEFAULTS) - {"uid", "title"}
    if unknown:
        raise TypeError(f"unknown page fields: {sorted(unknown)}")
    out = {**_DEFAULTS, **kw}
    uid = parse_uid(out["uid"])
    out.setdefault("title", f"Sujet de la question {uid.number}")
    out["_uid"] = uid
    return out


def render_question(**kw: Any) -> str:
    """A whole current-dyn page for one question (see the module docstring)."""
    f = _fields(kw)
    uid = f["_uid"]
    e = escape
    title = f["title"]
    return f"""<!DOCTYPE html>
<html class="no-js" lang="fr">
<head>
<title>Question n°{uid.number} : {e(title)} - Assemblée nationale</title>
<meta charset="utf-8"/>
<meta content="{BASE}{uid.path()}" property="og:url"/>
<meta content="Question n°{uid.number}" property="og:title"/>
</head>
<body class="_coloration-travaux">
<div id="root">
<header class="site-header print-exclude"><span>Assemblée nationale</span></header>
<nav class="page-breadcrumb print-exclude"><ul class="focus-within">
<li><a href="/dyn/{uid.legislature}/questions">Questions {uid.legislature}<sup>e</sup> législature</a></li>
<li><span title="Vous êtes sur la page « Question n°{uid.number} : {e(title)} »">Question n°{uid.number}</span></li>
</ul></nav>
<main id="main" role="main">
<div class="page"><div class="page-content">
<div class="an-bloc _style-question" data-id="{uid} / Bloc de style « question »">
<div class="bloc-content"><div class="_vertical container"><div>
<div class="title _centered-text pb-sm-3">
<span class="h4 _colored-primary">{KIND[uid.type]} n°{uid.number} :
  <span class="_regular">{e(title)}</span>
</span>
</div>
<hr class="hr-flag"/>
<div><span class="h6 _colored-primary _bold">{uid.legislature}ème Législature</span></div>
{_jo_links(f)}
</div>
<div class="ha-grid">
<div class="ha-grid-item size-3">
{_text_column(f)}
</div>
<div class="ha-grid-item size-1">
<div class="_pa-small _centered-text">
<span class="h5 _colored-primary _pa-small _centered-text">Données clés</span>
<hr class="hr-flag"/>
</div>
{_key_data(f)}
</div>
</div>
</div></div>
</div>
</div></div>
</main>
<footer class="site-footer print-exclude" id="footer"><div>©Tous droits réservés</div></footer>
</div>
</body>
</html>
"""


def render_not_found() -> str:
    """The page the site answers with status 200 for a question that does not exist."""
    return """<!DOCTYPE html>
<html class="no-js" lang="fr">
<head><title>Erreur - Assemblée nationale</title><meta charset="utf-8"/></head>
<body class="_coloration-travaux">
<div id="root">
<header class="site-header print-exclude"><span>Assemblée nationale</span></header>
<main id="main" role="main">
<div class="page"><div class="page-content"><div class="container _centered-text">
<h1 class="h2 _colored-primary">Erreur</h1>
<p>La page demandée n'existe pas ou a été déplacée.</p>
<p><a href="/">Retour à l'accueil</a></p>
</div></div></div>
</main>
<footer class="site-footer print-exclude" id="footer"><div>©Tous droits réservés</div></footer>
</div>
</body>
</html>
"""


def _jo_links(f: dict[str, Any]) -> str:
    links = []
    for what, day, page in (
        ("la question", f["question_published_on"], f["question_jo_page"]),
        ("la réponse", f["answer_published_on"], f["answer_jo_page"]),
    ):
        if day is None or f["_uid"].type == "QG":
            continue
        shown = french_date(day) + (f", page {page}" if page else "")
        links.append(
            f'<a class="link" href="https://questions.assemblee-nationale.fr/static/jo.pdf">\n'
            f"  Publication de {what} au Journal Officiel\n  du {shown}</a>\n<br/>"
        )
    return f"<div>\n{''.join(links)}\n</div>" if links else ""


def _author_shown(f: dict[str, Any]) -> str:
    if f["author_group"] is None:
        return f"{f['author_name']} ({f['constituency']})"
    return f"{f['author_name']} ({f['constituency']} - {f['author_group']})"


def _author_span(f: dict[str, Any]) -> str:
    shown = _author_shown(f)
    if f["author_id"] is None:
        return escape(shown)
    pa = f["author_id"]
    return f'<a class="link" data-document-id="{pa}" href="{BASE}/dyn/deputes/{pa}">{escape(shown)}</a>'


def _paragraphs_html(paras: list[str]) -> str:
    return "<br/><br/>".join(escape(p) for p in paras)


def _text_column(f: dict[str, Any]) -> str:
    uid = f["_uid"]
    author = escape(_author_shown(f))
    asked = f'<span class="_bold">Question de :</span>\n<span class="_colored-primary _regular">{author}</span>'
    if uid.type == "QG":
        day = french_date(f["question_published_on"])
        head = f'<p class="_colored-primary">\n{asked}, posée en séance, et publiée le {day} </p>'
        return f'<div><div class="_pa-small">{head}\n{_transcript(f)}\n</div></div>'
    question = "".join(f'<p class="_pa-small">{escape(p)}</p>' for p in f["question_paragraphs"])
    blocks = [
        f'<div><div class="_pa-small">\n<p class="_colored-primary">\n{asked} </p>\n{question}\n</div></div>'
    ]
    if f["answer_paragraphs"] is not None:
        how = "en séance, et publiée" if uid.type == "QOSD" else "publiée"
        day = french_date(f["answer_published_on"])
        green = f'<p class="_colored-green _bold">\n   Réponse  {how}    le {day}   </p>'
        body = (
            _transcript(f)
            if uid.type == "QOSD"
            else (f'<p class="_pa-small">{_paragraphs_html(f["answer_paragraphs"])}</p>')
        )
        blocks.append(f'<div><div class="_pa-small">\n{green}\n{body}\n</div></div>')
    return "\n".join(blocks)


def _transcript(f: dict[str, Any]) -> str:
    head = f["answer_heading"]
    heading = f'<br/><span class="bold"> {escape(head)} </span><br/><br/>' if head else ""
    turns = "<br/><br/>".join(escape(p) for p in (f["answer_paragraphs"] or []))
    return f'<p class="_pa-small">{heading}{turns}<br/></p>'


def _h6(label: str, value: str, ident: str = "") -> str:
    attr = f' id="{ident}"' if ident else ""
    return f'<p class="h6 _colored-primary"{attr}>{label} :\n  <span class="_regular">{value}</span>\n</p>'


def _key_data(f: dict[str, Any]) -> str:
    uid = f["_uid"]
    rows = [
        _h6("Auteur", _author_span(f)),
        _h6("Type de question", KIND[uid.type]),
        _h6("Rubrique", escape(f["rubrique"])),
        _h6("Ministère interrogé", escape(f["ministry_asked"]), "blocMinistereInterroge"),
    ]
    if f["ministry_answering"] is not None:
        answering = escape(f["ministry_answering"])
        rows.append(_h6("Ministère répondant", answering, "blocMinistereAttributaire"))
    if uid.type in ("QG", "QOSD"):
        day = french_date(f["question_published_on"])
        rows.append(_h6("Date de la séance", "La question a été posée au Gouvernement en "
                        f"séance, parue dans le journal officiel le {day}"))  # fmt: skip
    if uid.type != "QG":
        rows.append(_dates_block(f))
    if f["closed_on"] is not None and f["closure_row"] is not None:
        rows.append(_closure_row(f))
    return "\n".join(rows)


def _closure_row(f: dict[str, Any]) -> str:
    """The live site's own row: "Date de cloture :" then the date and the reason."""
    between = " " if f["closure_row"] == "inline" else "<br/>"
    value = f"{french_date(f['closed_on'])}{between}{escape(f['closure_reason'] or '')}"
    return f'<p class="h6 _colored-primary">Date de cloture :\n  <br/>\n<span class="_regular">{value}</span>\n</p>'


def _dates_block(f: dict[str, Any]) -> str:
    lines = []
    if f["question_published_on"] is not None:
        lines.append(("Question publiée le", f["question_published_on"], ""))
    if f["signaled_on"] is not None:
        lines.append(("Question signalée le", f["signaled_on"], ""))
    if f["answer_published_on"] is not None:
        lines.append(("Réponse publiée le", f["answer_published_on"], ""))
    if f["closed_on"] is not None and f["closure_row"] is None:
        lines.append(("Date de cloture :", f["closed_on"], f" {f['closure_reason'] or ''}"))
    spans = "\n<br/>\n".join(
        f'<span class="_regular"> {label} <a class="link" href="https://questions.assemblee-nationale.fr/static/jo.pdf">'
        f"{french_date(day)}</a>{escape(rest)}</span>"
        for label, day, rest in lines
    )
    label = "Date" if len(lines) == 1 else "Dates"
    return f'<p class="h6 _colored-primary">\n  {label}   :\n  <br/>\n{spans}\n</p>'


def expected_question(url: str | None = None, **kw: Any) -> Question:
    """The Question ``extract(render_question(**kw), url)`` must return.

    ``url`` defaults to the page's address on the real site.
    """
    f = _fields(kw)
    uid = f["_uid"]
    qg = uid.type == "QG"
    answer_paras = f["answer_paragraphs"]
    if answer_paras is not None and f["answer_heading"]:
        answer_paras = [f["answer_heading"], *answer_paras]
    answered = qg or f["answer_published_on"] is not None
    if answered:
        status, closed_on, reason = "answered", f["answer_published_on"], "Réponse publiée"
    elif f["closed_on"] is not None:
        status, closed_on, reason = "withdrawn", f["closed_on"], f["closure_reason"]
    else:
        status, closed_on, reason = "open", None, None
    if qg:
        closed_on = f["question_published_on"]
    return Question(
        uid=str(uid), legislature=uid.legislature, type=uid.type, number=uid.number,
        url=url or f"{BASE}{uid.path()}", title=f["title"], author_name=f["author_name"],
        author_id=f["author_id"], author_group=f["author_group"],
        constituency=f["constituency"], rubrique=f["rubrique"], tete_analyse=None,
        analyse=None, ministry_asked=f["ministry_asked"],
        ministry_answering=f["ministry_answering"],
        question_text=None if qg else "\n\n".join(f["question_paragraphs"]),
        answer_text="\n\n".join(answer_paras) if answer_paras else None,
        question_published_on=f["question_published_on"],
        question_jo_page=None if qg else f["question_jo_page"],
        answer_published_on=closed_on if answered else None,
        answer_jo_page=None if qg else f["answer_jo_page"],
        status=status, closed_on=closed_on, closure_reason=reason,
        signaled_on=f["signaled_on"], template="dyn_current",
    )  # fmt: skip
