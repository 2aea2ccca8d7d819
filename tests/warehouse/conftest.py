"""Shared helpers for the warehouse tests: a fresh DuckDB file and questions built by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pytest

from extractors.model import Question
from extractors.uid import Uid, make_uid
from warehouse.archive import RawArchive
from warehouse.db import connect
from warehouse.observation import Observation
from warehouse.runs import start_run

if TYPE_CHECKING:
    from tests.warehouse.replay_story import FakeSite

T0 = dt.datetime(2026, 3, 2, 2, 0, 0)


def uid(number: int, legislature: int = 17, type_: str = "QE") -> Uid:
    return make_uid(legislature, type_, number)


def question(number: int, legislature: int = 17, type_: str = "QE", **changes: Any) -> Question:
    """An open written question; pass field values to change it."""
    u = uid(number, legislature, type_)
    base = Question(
        uid=str(u),
        legislature=legislature,
        type=type_,
        number=number,
        url=f"https://www.assemblee-nationale.fr{u.path()}",
        title=f"Question {number}",
        author_name="Mme Marie Curie",
        author_id="PA722252",
        author_group="Renaissance",
        constituency="Aisne (5e circonscription)",
        rubrique="Agriculture",
        tete_analyse=None,
        analyse=None,
        ministry_asked="Agriculture",
        ministry_answering="Agriculture",
        question_text=f"Texte de la question {number}.",
        answer_text=None,
        question_published_on=dt.date(2026, 2, 3),
        question_jo_page=1000 + number,
        answer_published_on=None,
        answer_jo_page=None,
        status="open",
        closed_on=None,
        closure_reason=None,
        signaled_on=None,
        template="dyn_current",
    )
    return dataclasses.replace(base, **changes)


def answered(q: Question, on: dt.date = dt.date(2026, 3, 10)) -> Question:
    return dataclasses.replace(
        q,
        answer_text="La réponse.",
        answer_published_on=on,
        answer_jo_page=2000,
        status="answered",
        closed_on=on,
        closure_reason="Réponse publiée",
    )


def seen(q: Question, at: dt.datetime, **kw: Any) -> Observation:
    """A 200 answer that extracted to ``q``."""
    kw.setdefault("http_status", 200)
    return Observation(
        uid=make_uid(q.legislature, q.type, q.number),
        url=q.url,
        fetched_at=at,
        outcome="question",
        question=q,
        **kw,
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "anq.duckdb"


@pytest.fixture
def con(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = connect(db_path, wait=5)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def run_id(con: duckdb.DuckDBPyConnection) -> str:
    return start_run(con, "sync", {"test": True})


def rows(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return con.execute(sql, list(params)).fetchall()


@pytest.fixture
def archive(tmp_path: Path) -> RawArchive:
    return RawArchive(tmp_path / "raw")


@pytest.fixture
def site(db_path: Path, archive: RawArchive) -> FakeSite:
    """The warehouse after eight nights of fetches (file closed)."""
    from tests.warehouse.replay_story import script  # it imports this module

    with connect(db_path) as con:
        return script(con, start_run(con, "sync", {}), archive)
