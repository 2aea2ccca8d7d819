"""The summary is the record: what a command prints, what its flow returns, the
``runs`` row and the run report hold the same numbers, and those numbers are the
loopback site's own count of the answers it gave (200, 304, 404).

The command prints the flow's return value (``--json``: verbatim; the table:
the same keys), so the printed summary stands for both. Three runs: a
backfill, a sync that refreshes every page (one changed, the rest 304), and a
reparse (no request at all). They report to a ``prefect server`` so that only
one Prefect API has to start.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest

from tests.e2e.conftest import anq, query
from tests.e2e.site import FixtureSite
from tests.support.siteserver import SiteServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LATER = (dt.datetime.now(dt.UTC) + dt.timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%S")
#: runs column -> summary key (the summary's names are the report's).
COLUMNS = {"pages_new": "new", "pages_changed": "changed", "pages_unchanged": "unchanged",
           "not_modified": "not_modified", "not_found": "not_found", "failures": "failures",
           "requests": "requests"}  # fmt: skip
#: summary key -> run report label.
REPORT = {"new": "new questions", "changed": "changed", "unchanged": "unchanged",
          "not_modified": "of which 304 not modified",
          "not_found": "not found (no question at that number)",
          "failures": "failures (recorded, retried next run)"}  # fmt: skip


def _site(server: SiteServer) -> FixtureSite:
    site = FixtureSite(server)
    for n in range(1, 9):
        if n == 5:
            continue  # 404
        site.put(f"QANR5L16QE{n}", title=f"Question {n}", question_paragraphs=[f"Texte {n}."])
    return site


@pytest.fixture(scope="module")
def story(
    tmp_path_factory: pytest.TempPathFactory, prefect_server: dict[str, str]
) -> dict[str, Any]:
    db = tmp_path_factory.mktemp("record") / "anq.duckdb"
    common = ["--db", str(db), "--rate", "0", "--legislature", "16", "--type", "QE"]
    steps: dict[str, Any] = {}
    with SiteServer(seed=2) as server:
        site = _site(server)
        url = ["--base-url", server.base_url]
        for name, args, env in (
            ("backfill", ["backfill", *common, *url, "--to-number", "10", "--json"], {}),
            ("sync", ["sync", *common, *url, "--miss-run", "2"], {"ANQ_NOW": LATER}),
            ("reparse", ["reparse", "--db", str(db), "--json"], {}),
        ):
            if name == "sync":
                site.update("QANR5L16QE3", title="Question 3, reformulée")
            server.clear_log()
            done = anq(*args, env={**prefect_server, **env})
            assert done.code == 0, done.err[-3000:]
            steps[name] = {"done": done, "log": server.requests}
    steps["runs"] = {
        row[0]: dict(zip([*COLUMNS, "report"], row[1:], strict=True))
        for row in query(db, f"SELECT flow, {', '.join(COLUMNS)}, report FROM runs")
    }
    return steps


def _printed(step: dict[str, Any]) -> dict[str, int]:
    out = step["done"].out
    if out.lstrip().startswith("{"):
        return {k: v for k, v in json.loads(out).items() if isinstance(v, int)}
    labels = {"new questions": "new", "changed": "changed", "unchanged": "unchanged",
              "of which 304 not modified": "not_modified", "no question here": "not_found",
              "failures (recorded, retried next run)": "failures",
              "HTTP requests": "requests"}  # fmt: skip
    rows = re.findall(r"│ +(.+?) +│ +(\d+) │", out)
    return {labels[label]: int(n) for label, n in rows if label in labels}


def _site_counts(step: dict[str, Any]) -> dict[str, int]:
    pages = [r for r in step["log"] if r.path.startswith("/dyn/")]
    robots = [r for r in step["log"] if r.path == "/robots.txt"]
    return {
        "200": sum(r.status == 200 for r in pages),
        "304": sum(r.status == 304 for r in pages),
        "404": sum(r.status == 404 for r in pages),
        # the command's own reachability check asks robots.txt once more
        "requests": len(pages) + max(len(robots) - 1, 0),
    }


@pytest.mark.parametrize("flow", ["backfill", "sync"])
def test_printed_summary_is_what_the_site_answered(story: dict[str, Any], flow: str) -> None:
    printed, site = _printed(story[flow]), _site_counts(story[flow])
    answered = (printed["new"] + printed["changed"] + printed["unchanged"]
                - printed["not_modified"])  # fmt: skip
    assert (answered, printed["not_modified"], printed["not_found"], printed["requests"]) == (
        site["200"],
        site["304"],
        site["404"],
        site["requests"],
    )


def test_the_sync_saw_304s(story: dict[str, Any]) -> None:
    assert _printed(story["sync"])["not_modified"] == _site_counts(story["sync"])["304"] > 0


@pytest.mark.parametrize("flow", ["backfill", "sync", "reparse"])
def test_runs_row_holds_the_printed_numbers(story: dict[str, Any], flow: str) -> None:
    printed, row = _printed(story[flow]), story["runs"][flow]
    assert {key: printed.get(key, 0) for key in COLUMNS.values()} == {
        key: row[column] for column, key in COLUMNS.items()
    }


@pytest.mark.parametrize("flow", ["backfill", "sync", "reparse"])
def test_run_report_holds_the_printed_numbers(story: dict[str, Any], flow: str) -> None:
    printed, report = _printed(story[flow]), story["runs"][flow]["report"]
    for key, label in REPORT.items():
        assert f"| {label} | {printed.get(key, 0)} |" in report, (key, report)
    assert f"{printed.get('requests', 0)} HTTP requests" in report


def test_reparse_asked_the_site_nothing(story: dict[str, Any]) -> None:
    assert (story["reparse"]["log"], _printed(story["reparse"]).get("requests")) == ([], 0)
