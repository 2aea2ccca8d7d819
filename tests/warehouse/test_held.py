"""Held: one bit per uid a replay may already have loaded; never claims a uid is new wrongly."""

from __future__ import annotations

import pytest

from extractors.uid import make_uid
from warehouse.held import MAX_NUMBER, Held


@pytest.mark.parametrize(
    ("added", "asked", "held"),
    [
        ([], (17, "QE", 1), False),
        ([(17, "QE", 1)], (17, "QE", 1), True),
        ([(17, "QE", 1)], (17, "QE", 2), False),
        ([(17, "QE", 1)], (17, "QG", 1), False),
        ([(17, "QE", 1)], (16, "QE", 1), False),
        ([(17, "QE", 8)], (17, "QE", 9), False),
        ([(17, "QE", 200_000)], (17, "QE", 200_000), True),
        ([(17, "QE", 200_000)], (17, "QE", 7), False),
        ([], (17, "QE", MAX_NUMBER), True),  # past the bitmaps: always looked up
    ],
)
def test_held(added: list[tuple[int, str, int]], asked: tuple[int, str, int], held: bool) -> None:
    bits = Held()
    bits.add(make_uid(*a) for a in added)
    assert (make_uid(*asked) in bits) is held


def test_every_added_uid_is_held() -> None:
    numbers = [1, 2, 3, 8, 9, 63, 64, 65, 1000, 4097, 123_457]
    bits = Held()
    bits.add(make_uid(14, "QOSD", n) for n in numbers)
    assert [n for n in range(1, 130_000) if make_uid(14, "QOSD", n) in bits] == numbers
