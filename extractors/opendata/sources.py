"""Where the open-data question archives are published, as a table.

One row per legislature: the suffix its file names carry (the 14th and 15th
archives are ``Questions_ecrites_XIV.json.zip``, ``..._XV.json.zip``; the 16th
and 17th have none). Each type has one folder and one file stem. A
legislature missing from :data:`SUFFIXES` has no archive: its questions keep
the page schedule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Legislatures published as open data, and the suffix of their file names.
SUFFIXES: dict[int, str] = {14: "_XIV", 15: "_XV", 16: "", 17: ""}

#: Per question type: (folder, file stem).
FOLDERS: dict[str, tuple[str, str]] = {
    "QE": ("questions_ecrites", "Questions_ecrites"),
    "QG": ("questions_gouvernement", "Questions_gouvernement"),
    "QOSD": ("questions_orales_sans_debat", "Questions_orales_sans_debat"),
}


@dataclass(frozen=True, slots=True)
class Archive:
    """One archive: a legislature and a type, its path relative to the open-data URL."""

    legislature: int
    type: str
    path: str

    @property
    def file_name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def archive_for(legislature: int, type_: str) -> Archive | None:
    """The archive of ``(legislature, type_)``, or ``None`` when none is published."""
    if legislature not in SUFFIXES or type_ not in FOLDERS:
        return None
    folder, stem = FOLDERS[type_]
    name = f"{stem}{SUFFIXES[legislature]}.json.zip"
    path = f"/static/openData/repository/{legislature}/questions/{folder}/{name}"
    return Archive(legislature, type_, path)


def archives(legislatures: Iterable[int], types: Iterable[str]) -> list[Archive]:
    """The archives published for these legislatures and types, in that order."""
    kinds = list(types)
    found = [archive_for(leg, t) for leg in legislatures for t in kinds]
    return [a for a in found if a is not None]


#: Every archive published, for reference and tests.
ARCHIVES: tuple[Archive, ...] = tuple(archives(SUFFIXES, FOLDERS))
