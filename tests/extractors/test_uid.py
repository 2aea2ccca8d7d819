"""Uids are validated the same way whether parsed from text or built from parts."""

from __future__ import annotations

import pytest

from extractors.uid import InvalidUid, Uid, make_uid, parse_uid


def _parsed(legislature: int, type_: str, number: int) -> Uid | None:
    try:
        return parse_uid(f"QANR5L{legislature}{type_}{number}")
    except InvalidUid:
        return None


def _made(legislature: int, type_: str, number: int) -> Uid | None:
    try:
        return make_uid(legislature, type_, number)
    except InvalidUid:
        return None


@pytest.mark.parametrize("legislature", [-1, 0, 1, 9, 10, 17, 99, 100])
@pytest.mark.parametrize("type_", ["QE", "QG", "QOSD", "qe", "QX", ""])
@pytest.mark.parametrize("number", [-5, 0, 1, 200, 9_999_999, 10_000_000])
def test_make_uid_accepts_what_parse_uid_accepts(legislature: int, type_: str, number: int) -> None:
    assert _made(legislature, type_, number) == _parsed(legislature, type_, number)


def test_uid_prints_back() -> None:
    assert str(make_uid(16, "QOSD", 350)) == "QANR5L16QOSD350"
