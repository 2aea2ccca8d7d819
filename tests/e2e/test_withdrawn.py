"""Withdrawn questions as the live site prints them ("Date :", then a "Date de
cloture :" row of its own), through the real ``anq``: every field after ``sync``,
and after ``reparse`` repairs a warehouse that an older extractor filled wrong."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from extractors.invariants import INVARIANTS
from extractors.model import QUESTION_COLUMNS
from tests.e2e.conftest import Done, anq, query
from tests.e2e.site import FixtureSite

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

D = dt.date
END = {"closed_on": D(2022, 6, 21), "closure_reason": "Fin de mandat"}
SPECS: dict[str, dict[str, Any]] = {
    "QANR5L15QE1": {**END, "closure_row": "split", "question_published_on": D(2022, 2, 22)},
    "QANR5L15QE2": {**END, "closure_row": "inline", "question_published_on": D(2021, 3, 2)},
    "QANR5L15QE3": {
        "answer_paragraphs": ["Réponse."], "answer_published_on": D(2021, 5, 4),
        "answer_jo_page": 4100, "question_published_on": D(2021, 3, 9),
    },
    "QANR5L16QE1": {"closed_on": D(2024, 6, 9), "closure_reason": "Retrait",
                    "closure_row": "split", "question_published_on": D(2023, 1, 3)},
    "QANR5L16QOSD1": {**END, "closure_row": "split", "question_jo_page": None,
                      "question_published_on": D(2022, 1, 4)},
    "QANR5L16QOSD2": {"closed_on": D(2024, 6, 9), "closure_reason": "Caducité",
                      "closure_row": "inline", "question_jo_page": None,
                      "question_published_on": D(2023, 1, 10)},
}  # fmt: skip
WITHDRAWN = sorted(uid for uid, spec in SPECS.items() if "closed_on" in spec)
#: What the extractor stored before the fix: the closure row unread.
OLD_READING = (
    "UPDATE {table} SET status = 'open', closed_on = NULL, closure_reason = NULL "
    "WHERE status = 'withdrawn'"
)


def _questions(db: Path) -> dict[str, tuple[Any, ...]]:
    cols = ", ".join(f'"{c}"' for c in QUESTION_COLUMNS)
    return {str(row[0]): row for row in query(db, f"SELECT {cols} FROM questions")}


@pytest.fixture(scope="module")
def story(site: FixtureSite, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("withdrawn")
    db = tmp / "anq.duckdb"
    for uid, spec in SPECS.items():
        site.put(uid, **spec)
    common = ["--db", str(db), "--base-url", site.server.base_url, "--rate", "0",
              "--legislature", "15", "--legislature", "16", "--miss-run", "3"]  # fmt: skip
    steps: dict[str, Any] = {"db": db, "expected": {u: site.expected(u) for u in SPECS}}
    steps["sync"] = anq("sync", *common)
    steps["after_sync"] = _questions(db)
    steps["sync_report"] = query(db, "SELECT report FROM runs WHERE flow = 'sync'")[0][0]
    con = duckdb.connect(str(db))  # the older extractor's warehouse, as the user has it
    for table in ("questions", "question_versions"):
        con.execute(OLD_READING.format(table=table))
    con.close()
    steps["before_reparse"] = _questions(db)
    steps["reparse"] = anq("reparse", "--db", str(db))
    steps["after_reparse"] = _questions(db)
    steps["reparse_report"] = query(db, "SELECT report FROM runs WHERE flow = 'reparse'")[0][0]
    return steps


@pytest.mark.parametrize("step", ["sync", "reparse"])
def test_command_exits_zero(story: dict[str, Any], step: str) -> None:
    done: Done = story[step]
    assert done.code == 0, done.err[-3000:]


@pytest.mark.parametrize("step", ["after_sync", "after_reparse"])
@pytest.mark.parametrize("column", QUESTION_COLUMNS)
def test_every_field_matches_the_site(story: dict[str, Any], step: str, column: str) -> None:
    index = QUESTION_COLUMNS.index(column)
    got = {uid: row[index] for uid, row in story[step].items()}
    want = {uid: getattr(q, column) for uid, q in story["expected"].items()}
    assert got == want


@pytest.mark.parametrize("uid", WITHDRAWN)
def test_the_old_reading_was_open(story: dict[str, Any], uid: str) -> None:
    assert story["before_reparse"][uid][QUESTION_COLUMNS.index("status")] == "open"


def test_sync_report_shows_no_broken_invariant(story: dict[str, Any]) -> None:
    assert "## Invariants broken" not in story["sync_report"]


def test_reparse_report_counts_no_broken_invariant_after_repair(story: dict[str, Any]) -> None:
    assert not any(row.name in story["reparse_report"] for row in INVARIANTS)
