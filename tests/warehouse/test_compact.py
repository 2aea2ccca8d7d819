"""Rewriting the warehouse into a fresh file: every row, view, sequence and migration comes
through, the space rewrites left behind is given back, and nothing is swapped unchecked."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from extractors.model import Question
from tests.warehouse.conftest import T0, question, rows, seen, uid
from tests.warehouse.replay_story import FakeSite, reparse
from warehouse.archive import RawArchive
from warehouse.compact import FreshFile, RewriteFailed, compact, file_size, tables
from warehouse.db import connect, migrate
from warehouse.load import load_batch
from warehouse.runlock import RunLock
from warehouse.runs import start_run
from warehouse.warc import Response

USER_OBJECTS = """
CREATE SEQUENCE note_id START 1;
CREATE TABLE notes (id INTEGER DEFAULT nextval('note_id'), uid VARCHAR, note VARCHAR);
INSERT INTO notes (uid, note) VALUES ('QANR5L17QE1', 'à suivre'), ('QANR5L17QE2', 'vu');
CREATE VIEW noted AS SELECT q.uid, n.note FROM questions AS q JOIN notes AS n USING (uid);
CREATE MACRO shout(x) AS upper(x);
"""


def _dump(db: Path) -> dict[str, list[tuple[object, ...]]]:
    with connect(db) as con:
        return {t: rows(con, f"SELECT * FROM {s}.{t} ORDER BY ALL") for s, t in tables(con, "anq")}


def _compact(db: Path) -> None:
    with RunLock(db):
        compact(db)


@pytest.fixture
def loaded(db_path: Path) -> Path:
    """A warehouse of 40 questions, a third of them changed once."""
    with connect(db_path) as con:
        run = start_run(con, "sync", {})
        load_batch(con, run, [seen(question(n), T0) for n in range(1, 41)])
        changed = [dataclasses.replace(question(n), title="Autre") for n in range(1, 41, 3)]
        load_batch(con, run, [seen(q, T0.replace(day=3)) for q in changed])
        con.execute(USER_OBJECTS)
    return db_path


def test_every_row_of_every_table_comes_through(loaded: Path) -> None:
    before = _dump(loaded)
    _compact(loaded)
    assert _dump(loaded) == before


def test_views_macros_and_sequences_survive(loaded: Path) -> None:
    _compact(loaded)
    with connect(loaded) as con:
        con.execute("INSERT INTO notes (uid, note) VALUES ('QANR5L17QE3', 'nouveau')")
        got = rows(con, "SELECT max(id), (SELECT count(*) FROM noted), shout('a') FROM notes")
    assert got == [(3, 3, "A")]  # the sequence goes on from where it was


def test_migrations_see_the_new_file_as_the_old(loaded: Path) -> None:
    with connect(loaded) as con:
        applied = rows(con, "SELECT * FROM schema_migrations ORDER BY version")
    _compact(loaded)
    with connect(loaded) as con:
        assert (migrate(con), rows(con, "SELECT * FROM schema_migrations ORDER BY version")) == (
            [],
            applied,
        )


def test_the_storage_version_is_kept(loaded: Path) -> None:
    _compact(loaded)
    with connect(loaded) as con:
        tags = rows(con, "SELECT tags FROM duckdb_databases() WHERE database_name = 'anq'")
    assert tags == [({"storage_version": "v1.4.0+"},)]


def test_compact_gives_space_back(loaded: Path) -> None:
    _compact(loaded)
    fresh = file_size(loaded)
    with connect(loaded) as con:
        for _ in range(3):  # what the old reparse did: delete everything, insert it again
            con.execute("CREATE TEMP TABLE v AS SELECT * FROM question_versions")
            con.execute("DELETE FROM question_versions")
            con.execute("INSERT INTO question_versions SELECT * FROM v")
            con.execute("DROP TABLE v")
            con.execute("CHECKPOINT")
    assert file_size(loaded) > fresh
    _compact(loaded)
    assert file_size(loaded) <= 1.2 * fresh


def test_no_rewrite_without_the_run_lock(loaded: Path) -> None:
    before = loaded.read_bytes()
    with pytest.raises(RewriteFailed, match="run lock"):
        compact(loaded)
    assert loaded.read_bytes() == before


def test_a_failed_rewrite_keeps_the_old_file(loaded: Path) -> None:
    before = _dump(loaded)
    with RunLock(loaded), pytest.raises(ZeroDivisionError), FreshFile(loaded):
        raise ZeroDivisionError  # anything going wrong while the new file is built
    assert (_dump(loaded), loaded.with_name(loaded.name + ".rewrite").exists()) == (before, False)


@pytest.mark.parametrize(("memory", "shown"), [(None, "122.0 MiB"), ("64MB", "61.0 MiB")])
def test_the_new_file_is_written_within_its_memory(
    loaded: Path, memory: str | None, shown: str
) -> None:
    """Compact's default, or less where other processes need the memory (reparse's workers)."""
    fresh = FreshFile(loaded) if memory is None else FreshFile(loaded, memory=memory)
    with RunLock(loaded), fresh:
        assert fresh.con is not None
        assert fresh.con.execute("SELECT current_setting('memory_limit')").fetchone() == (shown,)


def test_a_rewrite_missing_rows_is_not_swapped_in(loaded: Path) -> None:
    before = _dump(loaded)
    with RunLock(loaded), FreshFile(loaded) as fresh:
        assert fresh.con is not None
        fresh.con.execute("DELETE FROM notes")
        with pytest.raises(RewriteFailed, match="notes has 0 rows"):
            fresh.commit()
    assert _dump(loaded) == before


def test_a_stale_rewrite_from_a_crash_is_replaced(loaded: Path) -> None:
    loaded.with_name(loaded.name + ".rewrite").write_bytes(b"left by a killed compact")
    before = _dump(loaded)
    _compact(loaded)
    assert _dump(loaded) == before


def _big_site(db: Path, archive: RawArchive) -> FakeSite:
    """300 questions with pages of some size, a third of them answered on a second night."""
    site = FakeSite()
    with connect(db) as con:
        run = start_run(con, "sync", {})
        for night, numbers in enumerate((range(1, 301), range(1, 301, 3))):
            batch = []
            for n in numbers:
                q: Question = question(n, question_text=f"Texte {n}. " * 200)
                if night:
                    q = dataclasses.replace(q, answer_text=f"Réponse {n}. " * 200)
                body = site.page(f"{n}/{night}", q)
                at = T0.replace(day=2 + night)
                sha = archive.put(uid(n), body, Response(q.url, at, 200)).sha256
                batch.append(seen(q, at, raw_sha256=sha, raw_size=9))
            load_batch(con, run, batch)
    return site


def test_repeated_reparses_do_not_grow_the_file(db_path: Path, archive: RawArchive) -> None:
    site = _big_site(db_path, archive)
    _compact(db_path)
    fresh = file_size(db_path)
    sizes = []
    for _ in range(3):
        reparse(db_path, archive, site.extract)
        sizes.append(file_size(db_path))
    assert max(sizes) <= 1.2 * fresh, (fresh, sizes)
