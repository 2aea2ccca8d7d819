"""The extractor's public types: what a parsed page *is*.

Kept free of any parsing code so that the warehouse and the flows can import
the types without pulling in selectolax.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field, fields
from typing import Any

#: The three statuses a question can have (docs/contract.md, column ``status``).
OPEN, ANSWERED, WITHDRAWN = "open", "answered", "withdrawn"
STATUSES = (OPEN, ANSWERED, WITHDRAWN)


@dataclass(frozen=True, slots=True)
class Question:
    """One question as read from one page: the ``questions`` columns from
    ``uid`` to ``signaled_on``, same names, same Python types.

    ``template`` names the page generation the fields were read from
    (``dyn_current``, ``dyn_2017``, ``legacy``, ``fiche``). It is
    bookkeeping, not content: it takes no part in equality or in
    :meth:`content_hash`, so a redesign of the site that changes no
    field adds no version.
    """

    uid: str
    legislature: int
    type: str
    number: int
    url: str
    title: str | None
    author_name: str | None
    author_id: str | None
    author_group: str | None
    constituency: str | None
    rubrique: str | None
    tete_analyse: str | None
    analyse: str | None
    ministry_asked: str | None
    ministry_answering: str | None
    question_text: str | None
    answer_text: str | None
    question_published_on: dt.date | None
    question_jo_page: int | None
    answer_published_on: dt.date | None
    answer_jo_page: int | None
    status: str
    closed_on: dt.date | None
    closure_reason: str | None
    signaled_on: dt.date | None
    template: str = field(default="", compare=False)
    unknown_labels: tuple[str, ...] = field(default=(), compare=False)

    def as_row(self) -> dict[str, Any]:
        """The public columns (docs/contract.md) (``uid`` .. ``signaled_on``) as a dict."""
        return {name: getattr(self, name) for name in QUESTION_COLUMNS}

    def content_hash(self) -> str:
        """A stable hash of every extracted field except ``url``.

        The url is left out because the same question may be reached by a
        redirect on one night and directly on the next; that is not a change
        of the question.
        """
        row = self.as_row()
        row.pop("url")
        blob = json.dumps(row, sort_keys=True, default=_json_default, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


#: Names of the public columns (docs/contract.md), in table order.
QUESTION_COLUMNS: tuple[str, ...] = tuple(
    f.name for f in fields(Question) if f.name not in ("template", "unknown_labels")
)


@dataclass(frozen=True, slots=True)
class NotAQuestion:
    """A page that holds no question (a 200 answered with an error page).

    ``reason`` says which marker was seen, for the run report.
    """

    url: str
    reason: str


class ExtractionError(Exception):
    """A page looked like a question but a required field could not be read.

    Raised instead of returning a half-filled :class:`Question`, so that
    template drift fails loudly; the caller archives the page and records
    ``uid``, ``field`` and ``reason``.
    """

    def __init__(self, uid: str, field: str, reason: str) -> None:
        super().__init__(f"{uid}: cannot read {field}: {reason}")
        self.uid = uid
        self.field = field
        self.reason = reason


def _json_default(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not serialisable: {type(value).__name__}")
