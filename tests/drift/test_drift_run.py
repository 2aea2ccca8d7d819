"""A real drift: the site renames its "Rubrique" label after a history of normal pages.

The real flows run (in-process, under one Prefect test harness) against a
loopback site and a real DuckDB file. A small run over drifted pages stays
quiet; a run of enough drifted pages is marked ``failed`` with a message
naming the field and the template, and the ``anq`` command exits 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.testing.utilities import prefect_test_harness

from flows import cli
from flows.backfill import backfill
from tests.support.pages import render_question
from tests.support.siteserver import SiteServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]


@pytest.fixture(scope="module", autouse=True)
def harness() -> Iterator[None]:
    with (
        prefect_test_harness(server_startup_timeout=240),
        temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield


def _serve(site: SiteServer, numbers: range, *, drifted: bool) -> None:
    for n in numbers:
        uid = f"QANR5L17QE{n}"
        html = render_question(uid=uid, rubrique=f"Rubrique {n % 7}")
        if drifted:
            html = html.replace("Rubrique :", "Thématique :")
        site.pages[f"/dyn/17/questions/{uid}"] = html.encode()


def _run_row(db: Path, run_id: str) -> tuple[str, str | None, str | None]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "SELECT state, message, report FROM runs WHERE run_id = ?", [run_id]
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return row[0], row[1], row[2]


def _last_run(db: Path) -> tuple[str, str, str | None, str | None]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "SELECT run_id, state, message, report FROM runs ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return row[0], row[1], row[2], row[3]


def _backfill(site: SiteServer, db: Path, low: int, high: int) -> object:
    options = {"types": ["QE"], "base_url": site.base_url, "db": str(db), "rate": 0}
    return backfill(
        legislature=17, from_number=low, to_number=high, options=options, return_state=True
    )


def test_renamed_label_fails_the_run_and_names_the_field(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    with SiteServer(seed=0) as site:
        _serve(site, range(1, 61), drifted=False)
        _serve(site, range(61, 100), drifted=True)

        history = _backfill(site, db, 1, 60)
        assert history.is_completed()  # type: ignore[attr-defined]
        assert _run_row(db, history.result()["run_id"])[0] == "completed"  # type: ignore[attr-defined]

        small = _backfill(site, db, 61, 63)  # three drifted pages: too few to judge
        assert small.is_completed()  # type: ignore[attr-defined]

        code = cli.main(
            ["backfill", "--legislature", "17", "--type", "QE", "--from-number", "64",
             "--to-number", "99", "--db", str(db), "--base-url", site.base_url, "--rate", "0"]
        )  # fmt: skip

    assert code == cli.EXIT_FAILED
    run_id, state, message, report = _last_run(db)
    assert state == "failed"
    assert message is not None
    assert "rubrique" in message and "dyn_current" in message
    assert "0/36" in message
    assert report is not None and "## Drift alarms" in report and "rubrique" in report
    # The drifted pages were still loaded (the alarm is about quality, not loss).
    con = duckdb.connect(str(db), read_only=True)
    try:
        loaded = con.execute(
            "SELECT count(*), count(rubrique) FROM questions WHERE number BETWEEN 64 AND 99"
        ).fetchone()
        stats = con.execute(
            "SELECT pages, filled FROM pipeline.run_field_stats "
            "WHERE run_id = ? AND field = 'rubrique'",
            [run_id],
        ).fetchone()
    finally:
        con.close()
    assert loaded == (36, 0)
    assert stats == (36, 0)
