"""One test per question invariant: a question that breaks it, and one that keeps it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from extractors.invariants import ENDED_LEGISLATURES, INVARIANTS, violations
from extractors.model import Question
from tests.warehouse.conftest import answered, question

D = dt.date
WITHDRAWN = {"status": "withdrawn", "closed_on": D(2026, 6, 21), "closure_reason": "Fin de mandat"}

#: invariant -> (fields that break it, fields that keep it), over an open QE of the 17th.
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "open_in_ended_legislature": (
        {"legislature": 15}, {"legislature": 15, **WITHDRAWN},
    ),
    "closed_on_iff_not_open": (
        {**WITHDRAWN, "closed_on": None}, {"closed_on": None},
    ),
    "answer_only_if_answered": (
        {**WITHDRAWN, "answer_text": "Une réponse."},
        {**WITHDRAWN, "type": "QOSD", "answer_text": "M. le ministre. Réponse."},
    ),
    "closed_before_asked": (
        {**WITHDRAWN, "closed_on": D(2026, 2, 2)}, {**WITHDRAWN, "closed_on": D(2026, 2, 3)},
    ),
}  # fmt: skip


def _make(changes: dict[str, Any]) -> Question:
    q = question(7)
    uid = q.uid.replace("L17", f"L{changes.get('legislature', 17)}")
    return dataclasses.replace(q, uid=uid.replace("QE", changes.get("type", "QE")), **changes)


@pytest.mark.parametrize("name", [row.name for row in INVARIANTS])
def test_broken(name: str) -> None:
    assert violations(_make(CASES[name][0])) == (name,)


@pytest.mark.parametrize("name", [row.name for row in INVARIANTS])
def test_kept(name: str) -> None:
    assert violations(_make(CASES[name][1])) == ()


def test_every_invariant_has_a_case() -> None:
    assert set(CASES) == {row.name for row in INVARIANTS}


def test_an_answered_question_keeps_them_all() -> None:
    assert violations(answered(question(7, legislature=16))) == ()


def test_ended_legislatures_are_the_11th_to_the_16th() -> None:
    assert sorted(ENDED_LEGISLATURES) == [11, 12, 13, 14, 15, 16]
