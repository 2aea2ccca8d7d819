"""The run's agreement counts (``warehouse.agreement``) equal what the views
``opendata_agreement`` and ``discrepancies`` show, field by field, whatever the page says."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import duckdb
import pytest

from extractors.model import Question
from extractors.opendata import Archive, RecordItem, archive_for
from flows.opendata_load import stage_row
from tests.opendata.dump import record_for
from tests.warehouse.conftest import T0, answered, question, seen
from warehouse import agreement as ag
from warehouse import opendata as od
from warehouse.db import READER_MEMORY, connect
from warehouse.load import load_batch
from warehouse.runs import start_run
from warehouse.staging import QUESTION_TYPES

_FOUND = archive_for(17, "QE")
assert _FOUND is not None
ARC: Archive = _FOUND
#: Read as pages and held by the archive; numbers in three slices of the count.
BOTH = [question(1), answered(question(2)), question(3, tete_analyse="Aides", analyse="Aides"),
        answered(question(ag.SLICE + 4)), question(3 * ag.SLICE + 5)]  # fmt: skip
#: Held by the archive only: bootstrapped, never compared.
ARCHIVE_ONLY = question(6)
#: The page whose value each case changes.
CHANGED = 2
#: A value of each column type that no fixture question holds.
OTHER = {"VARCHAR": "'Autre valeur'", "DATE": "DATE '2001-02-03'", "INTEGER": "7"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The fixture warehouse, built once; each test's changes are rolled back (``wh``)."""
    con = connect(tmp_path_factory.mktemp("agreement") / "anq.duckdb", wait=5)
    try:
        load_batch(con, start_run(con, "sync", {}), [seen(q, T0) for q in BOTH])
        at = T0 + dt.timedelta(days=1)
        od.load_records(con, [_record(q, at) for q in [*BOTH, ARCHIVE_ONLY]])
        od.bootstrap(con, 17, "QE", at, at)
        yield con
    finally:
        con.close()


@pytest.fixture
def wh(built: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    built.execute("BEGIN TRANSACTION")
    try:
        yield built
    finally:
        built.execute("ROLLBACK")


def _record(q: Question, at: dt.datetime) -> dict[str, object]:
    row = stage_row(RecordItem("m", 0, record_for(q)), ARC, "https://x", at, at)
    assert isinstance(row, dict)
    return row


def _set_page(con: duckdb.DuckDBPyConnection, field: str, value: str) -> None:
    con.execute(f'UPDATE questions SET "{field}" = {value} WHERE number = {CHANGED}')


def _other(con: duckdb.DuckDBPyConnection, field: str) -> str:
    row = con.execute(
        "SELECT data_type FROM information_schema.columns "
        "WHERE table_name = 'questions' AND column_name = ?",
        [field],
    ).fetchone()
    assert row is not None
    return "'withdrawn'" if field == "status" else OTHER[str(row[0])]


def _view(con: duckdb.DuckDBPyConnection) -> tuple[list[ag.Agreement], int]:
    con.execute(f"SET memory_limit = '{READER_MEMORY}'")  # as `anq stats` reads the views
    rows = con.execute("SELECT field, compared, agreeing FROM opendata_agreement ORDER BY field")
    found = [ag.Agreement(str(f), int(c), int(a)) for f, c, a in rows.fetchall()]
    count = con.execute("SELECT count(*) FROM discrepancies").fetchone()
    return found, int(count[0]) if count is not None else -1


def _counted(con: duckdb.DuckDBPyConnection) -> tuple[list[ag.Agreement], int]:
    found = ag.agreement(con)
    return found, ag.discrepancies(found)


#: Other spellings of a page's text: some normalisations make them equal to the record's.
SPELLINGS = ["upper({}) || '  '", "replace({}, ' ', '  ') || ' '", "replace({}, 'e', 'é')"]
FIELDS = [name for name, _, _ in ag.COMPARED]
TEXTS = [name for name in FIELDS if QUESTION_TYPES[name] == "VARCHAR" and name != "status"]
NULLABLE = [name for name in FIELDS if name != "status"]


def test_agreeing_sources_count_as_the_views_do(wh: duckdb.DuckDBPyConnection) -> None:
    assert _counted(wh) == _view(wh)


@pytest.mark.parametrize("field", FIELDS)
def test_a_page_value_that_differs_counts_as_the_views_do(
    wh: duckdb.DuckDBPyConnection, field: str
) -> None:
    _set_page(wh, field, _other(wh, field))
    assert _counted(wh) == _view(wh)


@pytest.mark.parametrize("field", NULLABLE)
def test_a_page_value_that_is_missing_counts_as_the_views_do(
    wh: duckdb.DuckDBPyConnection, field: str
) -> None:
    _set_page(wh, field, "NULL")
    assert _counted(wh) == _view(wh)


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("field", TEXTS)
def test_a_page_text_spelled_differently_counts_as_the_views_do(
    wh: duckdb.DuckDBPyConnection, field: str, spelling: str
) -> None:
    column = f'"{field}"'
    wh.execute(f"UPDATE questions SET {column} = {spelling.format(column)}")
    assert _counted(wh) == _view(wh)


def test_the_fields_compared_are_the_views(wh: duckdb.DuckDBPyConnection) -> None:
    viewed = wh.execute("SELECT DISTINCT field FROM opendata_comparisons ORDER BY 1").fetchall()
    assert [f for (f,) in viewed] == sorted(FIELDS)


def test_a_difference_is_one_more_discrepancy(wh: duckdb.DuckDBPyConnection) -> None:
    before = _counted(wh)[1]
    _set_page(wh, "title", "'Autre titre'")
    assert _counted(wh)[1] == before + 1
