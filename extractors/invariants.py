"""What must hold of every question, whatever page it came from: named rows, as data.

``status`` is always filled, so a fill-rate alarm cannot see it go wrong
(a closure the rules miss reads as ``open``). These invariants can: each row
is a predicate on one :class:`~extractors.model.Question` (checked on every
extracted page, :func:`violations`) and the same condition in SQL over the
``questions`` table (:data:`Invariant.violated_sql`, checked on the warehouse
after each run). A violation is counted and reported, not raised: the page is
kept as read, and the run alarms when too many pages break one invariant
(``warehouse.drift``). Each row has its own test (tests/extractors/test_invariants.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from extractors.model import Question

#: Legislatures that have ended: every question still unanswered was closed
#: ("Fin de mandat"), so none of them can be ``open``. Add the 17th when it ends.
ENDED_LEGISLATURES = frozenset(range(11, 17))


@dataclass(frozen=True, slots=True)
class Invariant:
    """One row: ``holds(question)`` must be true; ``violated_sql`` (a condition on
    ``questions``' columns) selects the rows that break it."""

    name: str
    holds: Callable[[Question], bool]
    violated_sql: str


def _not_open_if_ended(q: Question) -> bool:
    return q.status != "open" or q.legislature not in ENDED_LEGISLATURES


def _closed_on_iff_closed(q: Question) -> bool:
    return (q.closed_on is None) == (q.status == "open")


def _answer_only_if_answered(q: Question) -> bool:
    if q.status == "answered":
        return True
    return q.answer_published_on is None and (q.type != "QE" or q.answer_text is None)


def _closed_after_asked(q: Question) -> bool:
    asked, closed = q.question_published_on, q.closed_on
    return asked is None or closed is None or closed >= asked


_ENDED_SQL = ", ".join(str(n) for n in sorted(ENDED_LEGISLATURES))

INVARIANTS: tuple[Invariant, ...] = (
    Invariant("open_in_ended_legislature", _not_open_if_ended,
              f"status = 'open' AND legislature IN ({_ENDED_SQL})"),
    Invariant("closed_on_iff_not_open", _closed_on_iff_closed,
              "(closed_on IS NULL) <> (status = 'open')"),
    Invariant("answer_only_if_answered", _answer_only_if_answered,
              "status <> 'answered' AND (answer_published_on IS NOT NULL "
              "OR (type = 'QE' AND answer_text IS NOT NULL))"),
    Invariant("closed_before_asked", _closed_after_asked,
              "closed_on < question_published_on"),
)  # fmt: skip


def violations(question: Question) -> tuple[str, ...]:
    """The names of the invariants ``question`` breaks (empty: all hold)."""
    return tuple(row.name for row in INVARIANTS if not row.holds(question))
