"""Reparse with the extractor in worker processes: the tables, counts and damage findings of
one process; a page the extractor refuses in a worker is counted and logged, and the replay
goes on; a worker that dies fails the replay and leaves the warehouse as it was."""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from extractors.model import Question
from tests.support.procs import still_running
from tests.warehouse.conftest import uid
from tests.warehouse.replay_probe import heavy_modules
from tests.warehouse.replay_story import DAMAGE, FakeSite, Snapshot, reparse, snapshot
from warehouse import replay
from warehouse.archive import RawArchive
from warehouse.db import connect
from warehouse.replay import ReplayResult
from warehouse.replay_pool import ExtractionDied


class Fixed:
    """The extractor after a fix (every title reads differently), picklable."""

    def __init__(self, site: FakeSite) -> None:
        self.site = site

    def __call__(self, raw: bytes, url: str) -> Question | None:
        found = self.site.extract(raw, url)
        return None if found is None else dataclasses.replace(found, title=f"{found.title} !")


class FailsOn(Fixed):
    """Raises on one body, as the extractor does on a page it cannot read."""

    def __call__(self, raw: bytes, url: str) -> Question | None:
        if raw == b"C":
            raise ValueError("answer_text: cannot be read")
        return super().__call__(raw, url)


class DiesOn(Fixed):
    """Ends its process on one body, as a crash in native code would."""

    def __call__(self, raw: bytes, url: str) -> Question | None:
        if raw == b"B2":
            os._exit(3)
        return super().__call__(raw, url)


Outcome = tuple[Snapshot, dict[str, int], list[tuple[object, ...]]]


def both_ways(db: Path, archive: RawArchive, site: FakeSite) -> dict[int, Outcome]:
    """The same reparse of two copies of ``db``: in this process, and in two workers."""
    twin = db.with_name("twin.duckdb")
    shutil.copyfile(db, twin)
    done: dict[int, Outcome] = {}
    for workers, path in ((0, db), (2, twin)):
        result = reparse(path, RawArchive(archive.root), Fixed(site), workers=workers)
        found = [dataclasses.astuple(d) for d in result.damaged]
        done[workers] = (snapshot(path), result.counts(), found)
    return done


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_give_back_the_tables(
    db_path: Path, archive: RawArchive, site: FakeSite, workers: int
) -> None:
    before = snapshot(db_path)
    with connect(db_path) as con:
        con.execute("UPDATE questions SET title = 'damaged'")
        con.execute("DELETE FROM question_versions WHERE version > 1")
    reparse(db_path, archive, site.extract, workers=workers)
    assert snapshot(db_path) == before


def test_workers_rebuild_as_one_process_does(
    db_path: Path, archive: RawArchive, site: FakeSite
) -> None:
    done = both_ways(db_path, archive, site)
    assert done[2] == done[0]


@pytest.mark.parametrize("harm", sorted(DAMAGE))
def test_workers_find_the_damage_one_process_finds(
    db_path: Path, archive: RawArchive, site: FakeSite, harm: str
) -> None:
    DAMAGE[harm][0](archive)
    done = both_ways(db_path, archive, site)
    assert done[2] == done[0]


def test_a_page_a_worker_cannot_read_is_counted_and_logged(
    db_path: Path, archive: RawArchive, site: FakeSite, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="anq.reparse"):
        result = reparse(db_path, archive, FailsOn(site), workers=2)
    failed = [r.getMessage() for r in caplog.records if "extraction failed" in r.getMessage()]
    assert (result.extraction_errors, len(failed)) == (2, 2)  # C is logged twice
    assert "answer_text: cannot be read" in failed[0]


def test_the_replay_goes_on_past_a_page_a_worker_cannot_read(
    db_path: Path, archive: RawArchive, site: FakeSite
) -> None:
    reparse(db_path, archive, FailsOn(site), workers=2)
    with connect(db_path) as con:
        titles = set(con.execute("SELECT uid, title FROM questions").fetchall())
    q1, q2, q4 = (str(u) for u in (uid(1), uid(2), uid(4, legislature=16)))
    assert titles == {(q1, "Question 1 !"), (q2, "Question 2 !"), (q4, "x !")}


def test_a_worker_that_dies_fails_the_replay(
    db_path: Path, archive: RawArchive, site: FakeSite
) -> None:
    with pytest.raises(ExtractionDied):
        reparse(db_path, archive, DiesOn(site), workers=2)


def test_a_worker_that_dies_leaves_the_warehouse_as_it_was(
    db_path: Path, archive: RawArchive, site: FakeSite
) -> None:
    before = snapshot(db_path)
    with pytest.raises(ExtractionDied):
        reparse(db_path, archive, DiesOn(site), workers=2)
    left = [p.name for p in db_path.parent.iterdir() if p.name.startswith("anq.duckdb.rewrite")]
    assert (snapshot(db_path), left) == (before, [])


def test_workers_import_neither_prefect_nor_the_warehouse_engine(
    db_path: Path, archive: RawArchive, site: FakeSite
) -> None:
    result: ReplayResult = reparse(db_path, archive, heavy_modules, workers=2)
    assert (result.extraction_errors, result.no_question) == (0, result.pages)


def test_workers_end_before_the_whole_table_statements(
    db_path: Path, archive: RawArchive, site: FakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    alive: list[int] = []
    keep = replay._keep_old_rows

    def counted(*args: Any) -> None:
        alive.append(len(multiprocessing.active_children()))
        keep(*args)

    monkeypatch.setattr(replay, "_keep_old_rows", counted)
    reparse(db_path, archive, Fixed(site), workers=2)
    assert alive == [0]


#: Starts two extraction workers, prints their pids, and is killed (as by ``kill -9``).
KILLED = """
import multiprocessing, os, signal
from warehouse.replay_pool import Extraction, read_question
if __name__ == "__main__":
    Extraction(read_question, 2).__enter__()
    print(*[p.pid for p in multiprocessing.active_children()], flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_workers_end_when_the_process_that_started_them_is_killed() -> None:
    done = subprocess.run(
        [sys.executable, "-c", KILLED], capture_output=True, text=True, timeout=60, check=False
    )
    workers = [int(pid) for pid in done.stdout.split()]
    assert (len(workers), still_running(workers, within=10)) == (2, []), done.stderr
