"""Reparse: rebuilding from raw_pages + the archive gives back exactly what load_batch wrote."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from extractors.model import Question
from extractors.uid import Uid
from tests.warehouse.conftest import T0, answered, question, rows, uid
from warehouse.archive import RawArchive
from warehouse.load import Observation, load_batch
from warehouse.rebuild import (
    build_versions,
    iter_raw_history,
    last_fetched,
    raw_history_batch,
    replace_history,
)

DAY = dt.timedelta(days=1)
TABLES = ("questions", "question_versions")


class FakeSite:
    """Bodies and what a (deterministic) extractor reads from each: None = extraction error."""

    def __init__(self) -> None:
        self.content: dict[bytes, Question | None] = {}

    def page(self, body: str, q: Question | None) -> bytes:
        raw = body.encode()
        self.content[raw] = q
        return raw

    def extract(self, raw: bytes, url: str) -> Question | None:
        q = self.content[raw]
        return None if q is None else dataclasses.replace(q, url=url)


def _observe(
    site: FakeSite, archive: RawArchive, u: Uid, raw: bytes, at: dt.datetime, url: str | None = None
) -> Observation:
    """fetch → archive → extract → observation, as the flows do."""
    url = url or f"https://an.example{u.path()}"
    sha = archive.put(u, raw)
    q = site.extract(raw, url)
    if q is None:
        return Observation(
            u,
            url,
            at,
            "failed",
            http_status=200,
            raw_sha256=sha,
            raw_size=len(raw),
            error="cannot read title",
            error_stage="extract",
        )
    return Observation(
        u, url, at, "question", q, http_status=200, raw_sha256=sha, raw_size=len(raw)
    )


def _script(con: duckdb.DuckDBPyConnection, run_id: str, archive: RawArchive) -> FakeSite:
    site = FakeSite()
    q1, q2, q4 = question(1), question(2), question(4, legislature=16)
    a = site.page("A", q1)
    a_cosmetic = site.page("A redesigned", dataclasses.replace(q1, template="dyn_2017"))
    c = site.page("C", answered(q1))
    broken = site.page("D broken", None)
    b2 = site.page("B2", answered(q2))
    x = site.page("X", dataclasses.replace(q4, title="x"))
    y = site.page("Y", dataclasses.replace(q4, title="y"))
    only_broken = site.page("E broken", None)
    u1, u2, u3, u4 = uid(1), uid(2), uid(3), uid(4, legislature=16)
    script: list[list[Observation]] = [
        [
            _observe(site, archive, u1, a, T0),
            _observe(site, archive, u2, b2, T0),
            _observe(site, archive, u3, only_broken, T0),
            _observe(site, archive, u4, x, T0),
        ],
        [_observe(site, archive, u1, a, T0 + DAY), _observe(site, archive, u4, y, T0 + DAY)],
        [
            _observe(site, archive, u1, a_cosmetic, T0 + 2 * DAY),
            _observe(site, archive, u4, x, T0 + 2 * DAY),
            Observation(u2, "https://an.example/gone", T0 + 2 * DAY, "not_found", http_status=404),
        ],
        [_observe(site, archive, u1, c, T0 + 3 * DAY)],
        [Observation(u1, "https://an.example/x", T0 + 4 * DAY, "not_modified", http_status=304)],
        [_observe(site, archive, u1, broken, T0 + 5 * DAY)],
        [_observe(site, archive, u1, c, T0 + 6 * DAY)],
        [_observe(site, archive, u1, c, T0 + 7 * DAY, url="https://an.example/redirected")],
    ]
    for batch in script:
        load_batch(con, run_id, batch)
    return site


def _snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[object, ...]]]:
    return {t: rows(con, f"SELECT * FROM {t} ORDER BY ALL") for t in TABLES}


def _reparse(
    con: duckdb.DuckDBPyConnection,
    site: FakeSite,
    archive: RawArchive,
    legislature: int | None = None,
    batch_uids: int = 2,
) -> int:
    skipped = 0
    for batch in iter_raw_history(con, legislature, batch_uids=batch_uids):
        histories: dict[Uid, list[tuple[dt.datetime, str, Question | None]]] = {}
        for ro in batch:
            histories.setdefault(ro.uid, []).append(
                (ro.fetched_at, ro.url, site.extract(archive.get(ro.uid, ro.sha256), ro.url))
            )
        last = last_fetched(con, histories)
        counts = replace_history(con, [(u, h, last.get(u)) for u, h in histories.items()])
        skipped += counts.skipped
    return skipped


@pytest.fixture
def archive(tmp_path: Path) -> RawArchive:
    return RawArchive(tmp_path / "raw")


def test_rebuild_gives_identical_tables(
    con: duckdb.DuckDBPyConnection, run_id: str, archive: RawArchive
) -> None:
    site = _script(con, run_id, archive)
    before = _snapshot(con)
    assert len(before["question_versions"]) == 2 + 1 + 3  # q1: A, C; q2: B2; q4: x, y, x
    con.execute("UPDATE questions SET title = 'damaged'")
    con.execute("DELETE FROM question_versions WHERE version > 1")
    assert _reparse(con, site, archive) == 1  # uid 3 never yielded a question
    assert _snapshot(con) == before


def test_rebuild_of_one_legislature_leaves_others(
    con: duckdb.DuckDBPyConnection, run_id: str, archive: RawArchive
) -> None:
    site = _script(con, run_id, archive)
    before = _snapshot(con)
    con.execute("DELETE FROM question_versions")
    con.execute("DELETE FROM questions")
    _reparse(con, site, archive, legislature=16)
    assert rows(con, "SELECT DISTINCT legislature FROM question_versions") == [(16,)]
    _reparse(con, site, archive, legislature=17, batch_uids=1)
    after = _snapshot(con)
    # last_fetched_at of a question whose row was deleted falls back to the last success
    assert after["question_versions"] == before["question_versions"]
    assert len(after["questions"]) == len(before["questions"])


def test_raw_history_is_paged_by_whole_uids(
    con: duckdb.DuckDBPyConnection, run_id: str, archive: RawArchive
) -> None:
    _script(con, run_id, archive)
    first = raw_history_batch(con, limit=1, legislature=17)
    assert {str(r.uid) for r in first} == {str(uid(1))}
    assert [r.fetched_at for r in first] == sorted(r.fetched_at for r in first)
    assert len(first) == 5  # A, A redesigned, C, D broken, C
    seen_uids = [str(r.uid) for batch in iter_raw_history(con, batch_uids=1) for r in batch]
    assert sorted(set(seen_uids)) == sorted(str(u) for u in (uid(1), uid(2), uid(3), uid(4, 16)))
    assert {str(r.uid) for b in iter_raw_history(con, 16) for r in b} == {str(uid(4, 16))}


def test_build_versions_collapses_and_skips() -> None:
    q = question(1)
    history = [
        (T0 + 2 * DAY, "u", None),
        (T0, "u", q),
        (T0 + DAY, "u", dataclasses.replace(q, template="other")),
        (T0 + 3 * DAY, "u", answered(q)),
    ]
    versions = build_versions(history)
    assert [(v["version"], v["valid_from"], v["valid_to"], v["template"]) for v in versions] == [
        (1, T0, T0 + 3 * DAY, "dyn_current"),
        (2, T0 + 3 * DAY, None, "dyn_current"),
    ]


def test_pages_of_another_uid_are_ignored() -> None:
    history = [(T0, "u", question(1)), (T0 + DAY, "u", question(2))]
    assert [v["uid"] for v in build_versions(history, str(uid(1)))] == [str(uid(1))]
