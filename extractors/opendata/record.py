"""One open-data record (``{"question": {...}}``) mapped to the ``questions`` columns.

Pure: a decoded JSON object in, an :class:`OpenRecord` out. Mapping (the record
key on the left):

====================================================  ==========================
uid, identifiant.{legislature,numero}, type           uid, legislature, number, type
indexationAN.analyses.analyse                         title and analyse
indexationAN.teteAnalyse / rubrique                   tete_analyse / rubrique
auteur.identite.acteurRef                             author_id (no ``OMC_``)
auteur.groupe.developpe                               author_group (as pages show it)
minInt.abrege                                         ministry_asked (as pages show it)
minAttribs.minAttrib[last].denomination.abrege        ministry_answering
textesQuestion.texteQuestion[first].{texte,infoJO}    question_text, question_published_on,
                                                      question_jo_page
textesReponse.texteReponse[first].{texte,infoJO}      answer_text, answer_published_on,
                                                      answer_jo_page
cloture.{codeCloture,libelleCloture,dateCloture}      status, closed_on, closure_reason
signalement[earliest].dateJO                          signaled_on
====================================================  ==========================

The record holds no author name and no constituency: they stay ``None``. Keys
that hold an object or a list of objects are read both ways. Texts go through
the pages' paragraph rules, so markup and whitespace end up as on a page. The
closure is read by its *label* through the pages' status rules
(:func:`extractors.pages.status.derive_status`): the codes are not documented.
A label no rule knows leaves ``status`` ``None`` and says why in ``drift``
instead of guessing. A QG has no question text: its sitting date is its
publication, answer and closing date, as on the pages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from extractors.model import QUESTION_COLUMNS, Question
from extractors.pages.dates import parse_numeric_date
from extractors.pages.status import ANSWER_REASON, derive_status
from extractors.pages.text import clean, node_text
from extractors.uid import InvalidUid, parse_uid

_CLOSURE_ROW = "Date de clôture : "
#: The ``questions`` columns a record can fill (it never names the author or the place).
RECORD_COLUMNS: tuple[str, ...] = tuple(
    c for c in QUESTION_COLUMNS if c not in ("author_name", "constituency")
)
#: The columns that make up a question's *state*: a change in one of them makes its page due.
STATE_COLUMNS = ("status", "closed_on", "closure_reason", "signaled_on", "ministry_answering",
                 "answer_published_on")  # fmt: skip
#: Closure codes seen so far and the status each must map to (a check, not the mapping).
KNOWN_CODES = {"REP_PUB": "answered"}


class OpenDataError(Exception):
    """A record that cannot be read: names the uid (``?`` if unknown) and the field."""

    def __init__(self, uid: str, field: str, reason: str) -> None:
        super().__init__(f"{uid}: cannot read {field}: {reason}")
        self.uid = uid
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class OpenRecord:
    """A record's ``questions`` values (:data:`RECORD_COLUMNS`) and its bookkeeping."""

    values: Mapping[str, Any]
    closure_code: str | None
    closure_label: str | None
    drift: str | None
    record_hash: str
    state_hash: str

    @property
    def uid(self) -> str:
        return str(self.values["uid"])

    def to_question(self) -> Question | None:
        """The record as a :class:`Question` (``template="opendata"``); ``None`` when
        its status is unknown (drift), since a status is never guessed."""
        if self.values["status"] is None:
            return None
        return Question(**self.values, author_name=None, constituency=None, template="opendata")


def read_record(data: Mapping[str, Any], base_url: str) -> OpenRecord:
    """Map one decoded record; ``base_url`` makes the page url (where it would be read)."""
    body = data.get("question") if isinstance(data, Mapping) else None
    if not isinstance(body, Mapping):
        raise OpenDataError("?", "question", "the record holds no 'question' object")
    uid = _uid(body)
    values: dict[str, Any] = {
        "uid": str(uid), "legislature": uid.legislature, "type": uid.type,
        "number": uid.number, "url": base_url.rstrip("/") + uid.path(),
    }  # fmt: skip
    values.update(_indexation(body))
    values.update(_people(body))
    values.update(_texts(body, str(uid), uid.type))
    closure = _one(body.get("cloture"))
    code = clean(_str(closure[0].get("codeCloture"))) if closure else None
    label = clean(_str(closure[0].get("libelleCloture"))) if closure else None
    closed = _date(closure[0].get("dateCloture"), str(uid), "closed_on") if closure else None
    status, drift = _closure(values, uid.type, code, label, closed)
    values.update(status)
    values["signaled_on"] = _signaled(body, str(uid))
    return OpenRecord(
        values={c: values.get(c) for c in RECORD_COLUMNS},
        closure_code=code,
        closure_label=label,
        drift=drift,
        record_hash=_hash(data, ordered=False),
        state_hash=_hash([str(values.get(c)) for c in STATE_COLUMNS] + [code]),
    )


def _uid(body: Mapping[str, Any]) -> Any:
    raw = _str(body.get("uid"))
    if raw is None:
        raise OpenDataError("?", "uid", "missing")
    try:
        uid = parse_uid(raw)
    except InvalidUid as err:
        raise OpenDataError(raw, "uid", str(err)) from None
    ident = body.get("identifiant") or {}
    for key, want in (("legislature", uid.legislature), ("numero", uid.number)):
        got = _str(ident.get(key)) if isinstance(ident, Mapping) else None
        if got is not None and got != str(want):
            raise OpenDataError(raw, key, f"identifiant says {got!r}, the uid {want}")
    kind = _str(body.get("type"))
    if kind is not None and kind != uid.type:
        raise OpenDataError(raw, "type", f"type says {kind!r}, the uid {uid.type}")
    return uid


def _indexation(body: Mapping[str, Any]) -> dict[str, Any]:
    index = _first(body.get("indexationAN"))
    analyses = [_str(a) for a in _many(_first(index.get("analyses")).get("analyse"))]
    analyse = clean(" ; ".join(a for a in analyses if a)) if analyses else None
    rubrique = clean(_str(index.get("rubrique")))
    return {
        "title": analyse or clean(_str(index.get("teteAnalyse"))),
        "analyse": analyse,
        "tete_analyse": clean(_str(index.get("teteAnalyse"))),
        # The pages print the rubrique capitalised; the archives in lower case.
        "rubrique": rubrique[0].upper() + rubrique[1:] if rubrique else None,
    }


def _people(body: Mapping[str, Any]) -> dict[str, Any]:
    author = _first(body.get("auteur"))
    actor = clean(_str(_first(author.get("identite")).get("acteurRef")))
    attributions = _one(_first(body.get("minAttribs")).get("minAttrib"))
    # The last attribution answers; order by JO date when the list is not in order.
    attributions.sort(key=lambda a: _str(_first(a.get("infoJO")).get("dateJO")) or "")
    last = _first(attributions[-1].get("denomination")) if attributions else {}
    return {
        "author_id": actor.removeprefix("OMC_") if actor else None,
        "author_group": clean(_str(_first(author.get("groupe")).get("developpe"))),
        "ministry_asked": _ministry(_first(body.get("minInt"))),
        "ministry_answering": _ministry(last),
    }


def _ministry(entry: Mapping[str, Any]) -> str | None:
    return clean(_str(entry.get("abrege"))) or clean(_str(entry.get("developpe")))


def _texts(body: Mapping[str, Any], uid: str, type_: str) -> dict[str, Any]:
    asked = _one(_first(body.get("textesQuestion")).get("texteQuestion"))
    answered = _one(_first(body.get("textesReponse")).get("texteReponse"))
    q_jo = _first(asked[0].get("infoJO")) if asked else {}
    a_jo = _first(answered[0].get("infoJO")) if answered else {}
    values = {
        "question_text": _html_text(asked[0].get("texte")) if asked else None,
        "question_published_on": _date(q_jo.get("dateJO"), uid, "question_published_on"),
        "question_jo_page": _page(q_jo.get("pageJO"), uid, "question_jo_page"),
        "answer_text": _html_text(answered[0].get("texte")) if answered else None,
        "answer_published_on": _date(a_jo.get("dateJO"), uid, "answer_published_on"),
        "answer_jo_page": _page(a_jo.get("pageJO"), uid, "answer_jo_page"),
    }
    if type_ == "QG":  # the sitting is the QG's publication (as on its page)
        values["question_text"] = None
        values["question_published_on"] = values["answer_published_on"]
    return values


def _closure(
    values: dict[str, Any], type_: str, code: str | None, label: str | None, closed: dt.date | None
) -> tuple[dict[str, Any], str | None]:
    """Status, closing date and reason, by the pages' rules; drift when a label maps nowhere."""
    answered = values["answer_published_on"] is not None or values["answer_text"] is not None
    # Read as the page's own closure row ("Date de clôture : <reason>"), by the same rules.
    row = f"{_CLOSURE_ROW}{label}" if label is not None else None
    lines = [label, row, f"{_CLOSURE_ROW}{ANSWER_REASON}" if answered or type_ == "QG" else None]
    outcome = derive_status(lines, type_)
    uid = values["uid"]
    drift = None
    if row is not None and derive_status([label, row], type_).rule in (None, "closure_other"):
        drift = f"unknown closure {code!r} ({label!r})"
        if not answered:
            return {"status": None, "closed_on": closed, "closure_reason": label}, drift
    elif code in KNOWN_CODES and KNOWN_CODES[code] != outcome.status:
        drift = f"closure {code!r} ({label!r}) read as {outcome.status}"
    on = (values["answer_published_on"] or closed) if outcome.status == "answered" else closed
    if outcome.status == "withdrawn" and on is None:
        raise OpenDataError(uid, "closed_on", f"closure {label!r} without a date")
    reason = outcome.closure_reason
    return {"status": outcome.status, "closed_on": on, "closure_reason": reason}, drift


def _signaled(body: Mapping[str, Any], uid: str) -> dt.date | None:
    dates = []
    for entry in _one(body.get("signalement")):
        raw = entry.get("dateJO") or _first(entry.get("infoJO")).get("dateJO")
        found = _date(raw, uid, "signaled_on")
        if found is not None:
            dates.append(found)
    return min(dates) if dates else None


def _html_text(raw: Any) -> str | None:
    text = _str(raw)
    if not text or not text.strip():
        return None
    if "<" not in text and "&" not in text:  # no markup: one paragraph, no parse needed
        return clean(text)
    return node_text(LexborHTMLParser(text).body)


def _date(raw: Any, uid: str, field: str) -> dt.date | None:
    """ISO (``2025-03-25``, a time part ignored) or ``dd/mm/yyyy``; anything else is an error."""
    text = clean(_str(raw))
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        found = parse_numeric_date(text)
        if found is None:
            raise OpenDataError(uid, field, f"not a date: {text!r}") from None
        return found


def _page(raw: Any, uid: str, field: str) -> int | None:
    text = clean(_str(raw))
    if text is None:
        return None
    if not text.isdigit():
        raise OpenDataError(uid, field, f"not a page number: {text!r}")
    return int(text)


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping | list):
        return None
    return str(value)


def _one(value: Any) -> list[Mapping[str, Any]]:
    """An object or a list of objects (or null) as a list of objects."""
    return [v for v in _many(value) if isinstance(v, Mapping)]


def _many(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _first(value: Any) -> Mapping[str, Any]:
    """The object, or the first of a list; ``{}`` when there is none."""
    found = _one(value)
    return found[0] if found else {}


def _hash(value: Any, *, ordered: bool = True) -> str:
    """sha256 of ``value`` as JSON; a record keeps its published key order (its publisher's
    order is stable, and sorting a whole record's keys costs more than the rest of the hash)."""
    blob = json.dumps(value, sort_keys=ordered, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
