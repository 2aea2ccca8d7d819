"""Question identifiers: the one place where a uid is parsed and validated.

Every path on disk and every URL is built from a uid that went through
:func:`parse_uid`, so nothing outside the pattern ever reaches the filesystem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Question types the site serves, in the order of docs/contract.md.
TYPES = ("QE", "QG", "QOSD")

_UID = re.compile(r"QANR5L(?P<leg>[1-9][0-9]?)(?P<type>QE|QG|QOSD)(?P<num>[1-9][0-9]{0,6})")


class InvalidUid(ValueError):
    """A string that is not a question uid (``QANR5L{leg}{type}{number}``)."""


@dataclass(frozen=True, slots=True, order=True)
class Uid:
    """A validated question identifier."""

    legislature: int
    type: str
    number: int

    def __str__(self) -> str:
        return f"QANR5L{self.legislature}{self.type}{self.number}"

    def path(self) -> str:
        """The page's path relative to the site root (docs/contract.md: where pages are)."""
        return f"/dyn/{self.legislature}/questions/{self}"


def parse_uid(text: str) -> Uid:
    """Parse ``QANR5L16QE200``; raise :class:`InvalidUid` for anything else."""
    match = _UID.fullmatch(text.strip())
    if match is None:
        raise InvalidUid(f"not a question uid: {text!r}")
    return Uid(int(match["leg"]), match["type"], int(match["num"]))


def make_uid(legislature: int, type_: str, number: int) -> Uid:
    """Build a uid from its parts, validating them as :func:`parse_uid` does.

    The ranges are the pattern's: a legislature of one or two digits, a
    number of one to seven, neither starting with 0.
    """
    if 1 <= legislature <= 99 and type_ in TYPES and 1 <= number <= 9_999_999:
        return Uid(legislature, type_, number)
    raise InvalidUid(f"not a question uid: {f'QANR5L{legislature}{type_}{number}'!r}")


_UID_FORMS = (
    re.compile(r"QANR5L(?P<leg>\d{1,2})(?P<type>QE|QG|QOSD)(?P<num>\d{1,7})", re.IGNORECASE),
    re.compile(r"/q(?P<leg>\d{1,2})/(?P=leg)-(?P<num>\d{1,7})(?P<type>QE|QG|QOSD)\b", re.I),
    re.compile(r"/detail/(?P<leg>\d{1,2})/(?P<type>qe|qg|qosd)/(?P<num>\d{1,7})\b", re.I),
)


def uid_in(text: str | None) -> Uid | None:
    """The first question uid named in ``text``: ``QANR5L16QE200``, a legacy
    ``/q14/14-3200QE.htm`` address or ``/questions/detail/14/qe/3200``."""
    if not text:
        return None
    for form in _UID_FORMS:
        for match in form.finditer(text):
            try:
                return make_uid(int(match["leg"]), match["type"].upper(), int(match["num"]))
            except InvalidUid:
                continue
    return None
