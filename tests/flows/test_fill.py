"""A run's per-template counts: broken invariants and unknown key-data labels."""

from __future__ import annotations

import dataclasses

from flows.pipeline import FieldFill
from tests.warehouse.conftest import question

ENDED_OPEN = dataclasses.replace(question(1), uid="QANR5L15QE1", legislature=15)
ODD = dataclasses.replace(question(2), unknown_labels=("date de renvoi",), template="legacy")


def test_broken_invariants_are_counted_per_template() -> None:
    fill = FieldFill()
    for q in (ENDED_OPEN, ENDED_OPEN, question(3)):
        fill.add(q)
    assert fill.broken == {("dyn_current", "open_in_ended_legislature"): 2}


def test_unknown_labels_are_counted_per_template() -> None:
    fill = FieldFill()
    fill.add(ODD)
    fill.add(ODD)
    assert fill.unknown_labels == {("legacy", "date de renvoi"): 2}


def test_merge_adds_both_counts() -> None:
    one, two = FieldFill(), FieldFill()
    one.add(ENDED_OPEN)
    two.add(ENDED_OPEN)
    two.add(ODD)
    one.merge(two)
    assert (one.broken_by_invariant(), one.unknown_labels) == (
        {"open_in_ended_legislature": 2},
        {("legacy", "date de renvoi"): 1},
    )
