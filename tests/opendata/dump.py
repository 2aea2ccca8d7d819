"""Open-data records and archives built from the same questions the fixture pages show.

:func:`record_for` turns a :class:`Question` (what a page extracts to) into a
``{"question": {...}}`` record in the archives' format, so a dump built from
``tests.support.pages.expected_question`` agrees with the pages field by field.
:func:`zip_files` and :func:`zip_list` build the two archive layouts; :func:`serve_dump`
serves a fixture site's questions as archives of the same host.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from html import escape
from typing import Any

from extractors.model import Question
from extractors.opendata import archive_for
from extractors.uid import parse_uid
from tests.e2e.site import FixtureSite


def _jo(day: dt.date | None, page: int | None, kind: str = "JO_QUESTION") -> dict[str, Any]:
    return {
        "typeJO": kind, "dateJO": day.isoformat() if day else None,
        "pageJO": str(page) if page is not None else None, "numJO": None,
        "urlLegifrance": None, "referenceNOR": None,
    }  # fmt: skip


def _html(text: str | None) -> str | None:
    if text is None:
        return None
    return "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))


def _closure(q: Question, code: str | None) -> dict[str, Any] | None:
    if q.status == "open":
        return None
    label = "Réponse publiée" if q.status == "answered" else q.closure_reason
    default = "REP_PUB" if q.status == "answered" else "RETRAIT"
    return {
        "codeCloture": code or default, "libelleCloture": label,
        "dateCloture": q.closed_on.isoformat() if q.closed_on else None,
        "infoJO": _jo(q.closed_on, q.answer_jo_page),
    }  # fmt: skip


def record_for(
    q: Question, *, lists: bool = False, closure_code: str | None = None
) -> dict[str, Any]:
    """The record the archives would hold for ``q``; ``lists`` writes every key that may
    be a list as a list (a re-attribution: two ``minAttrib``, the last one answering)."""
    qg = q.type == "QG"
    attrib = {"infoJO": _jo(q.question_published_on, None),
              "denomination": {"organeRef": "PO1", "abrege": q.ministry_answering,
                               "developpe": f"Ministère {q.ministry_answering}"}}  # fmt: skip
    attribs: Any = attrib
    if lists:
        first = {"infoJO": _jo(dt.date(1999, 1, 1), None),
                 "denomination": {"abrege": "Ancien ministère", "developpe": "Ancien"}}  # fmt: skip
        attribs = [first, attrib]
    asked = None if qg else {"texteQuestion": {"infoJO": _jo(q.question_published_on,
                                                             q.question_jo_page),
                                               "texte": _html(q.question_text)}}  # fmt: skip
    answer = None
    if q.answer_text is not None:
        answer = {"texteReponse": {"infoJO": _jo(q.answer_published_on, q.answer_jo_page),
                                   "texte": _html(q.answer_text)}}  # fmt: skip
    signal = {"dateJO": q.signaled_on.isoformat()} if q.signaled_on else None
    body = {
        "uid": q.uid,
        "identifiant": {"numero": str(q.number), "regime": "5eme Republique",
                        "legislature": str(q.legislature)},
        "type": q.type,
        "indexationAN": {"rubrique": (q.rubrique or "").lower() or None, "teteAnalyse": None,
                         "analyses": {"analyse": [q.title] if lists else q.title}},
        "auteur": {"identite": {"acteurRef": q.author_id, "mandatRef": "PM1"},
                   "groupe": {"organeRef": "PO2", "abrege": "X", "developpe": q.author_group}},
        "minInt": {"organeRef": "PO3", "abrege": q.ministry_asked,
                   "developpe": f"Ministère {q.ministry_asked}"},
        "minAttribs": {"minAttrib": attribs},
        "textesQuestion": asked,
        "textesReponse": answer,
        "cloture": _closure(q, closure_code),
        "signalement": [signal] if lists and signal else signal,
        "renouvellements": [] if lists else None,
    }  # fmt: skip
    return {"question": body}


def zip_files(records: Iterable[dict[str, Any]], *, extra: dict[str, bytes] | None = None) -> bytes:
    """One JSON file per record (the 16th and 17th legislatures' layout)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for record in records:
            name = f"json/{record['question']['uid']}.json"
            zf.writestr(name, json.dumps(record, ensure_ascii=False))
        for name, raw in (extra or {}).items():
            zf.writestr(name, raw)
    return out.getvalue()


def zip_list(records: Iterable[dict[str, Any]], name: str = "Questions.json") -> bytes:
    """One file holding the list of records (older archives)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, json.dumps(list(records), ensure_ascii=False, indent=1))
    return out.getvalue()


def serve_dump(site: FixtureSite, edit: dict[str, dict[str, Any]] | None = None) -> None:
    """Every question the site shows, as archives of the same host, with ``edit`` applied."""
    by_archive: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for uid in site.specs:
        record = record_for(site.expected(uid))
        record["question"].update((edit or {}).get(uid, {}))
        key = parse_uid(uid)
        by_archive[(key.legislature, key.type)].append(record)
    for (leg, type_), records in by_archive.items():
        arc = archive_for(leg, type_)
        assert arc is not None
        site.server.pages[arc.path] = zip_files(records)
