"""The run report: what it shows, and that publishing never breaks a run."""

from __future__ import annotations

from typing import Any

import pytest

from flows.report import run_report as reporting
from flows.report.run_report import Failure, ReportData, artifact_key, render


def _data(**kw: Any) -> ReportData:
    base: dict[str, Any] = {
        "flow": "sync",
        "run_id": "abc123",
        "counts": {
            "new": 12,
            "newly_answered": 3,
            "newly_withdrawn": 1,
            "changed": 4,
            "unchanged": 40,
            "not_modified": 35,
            "not_found": 10,
            "failures": 2,
        },
        "requests": 70,
        "pages_asked": 68,
        "duration_s": 125.4,
        "templates": {"dyn_current": 16},
        "failures": [
            Failure("QANR5L17QE7", "fetch", None, "HTTP 503 after 4 tries"),
            Failure("QANR5L17QE9", "extract", "author_name", "QANR5L17QE9: cannot read | x"),
        ],
        "failures_total": 2,
    }
    base.update(kw)
    return ReportData(**base)


@pytest.mark.parametrize(
    "line",
    [
        "| new questions | 12 |",
        "| newly answered | 3 |",
        "| withdrawn | 1 |",
        "| changed | 4 |",
        "| unchanged | 40 |",
        "| of which 304 not modified | 35 |",
        "| not found (no question at that number) | 10 |",
        "| failures (recorded, retried next run) | 2 |",
        "68 pages asked, 70 HTTP requests, 2 min 5 s.",
        "Pages extracted per template: dyn_current 16.",
        "| QANR5L17QE7 | fetch |  | HTTP 503 after 4 tries |",
        "| QANR5L17QE9 | extract | author_name | QANR5L17QE9: cannot read \\| x |",
    ],
)
def test_report_lines(line: str) -> None:
    assert line in render(_data()).splitlines()


def test_completed_run_heading_and_no_alarm_section() -> None:
    text = render(_data())
    assert text.startswith("# anq sync run `abc123`: completed")
    assert "Drift alarms" not in text


def test_alarms_are_listed_and_point_to_reparse() -> None:
    text = render(_data(alarms=["field rubrique collapsed on template legacy: 0/30"]))
    assert text.startswith("# anq sync run `abc123`: FAILED: drift alarm")
    assert "- field rubrique collapsed on template legacy: 0/30" in text
    assert "anq reparse" in text


def test_more_failures_than_shown_are_counted() -> None:
    text = render(_data(failures_total=75))
    assert "## Failures (75)" in text
    assert "... and 73 more" in text


def test_no_failures() -> None:
    assert "No failures." in render(_data(failures=[], failures_total=0))


def test_short_run_duration_in_seconds() -> None:
    assert "1.5 s." in render(_data(duration_s=1.5))


def test_long_errors_are_cut_to_one_line() -> None:
    text = render(_data(failures=[Failure("U", "fetch", None, "a\nb " * 500)], failures_total=1))
    line = next(line for line in text.splitlines() if line.startswith("| U |"))
    assert len(line) < reporting.MAX_ERROR_CHARS + 40 and line.endswith("… |")


@pytest.mark.parametrize(
    ("flow", "key"), [("sync", "anq-sync-report"), ("Back_Fill", "anq-back-fill-report")]
)
def test_artifact_key_is_lowercase_letters_digits_dashes(flow: str, key: str) -> None:
    assert artifact_key(flow) == key


def test_publish_outside_a_flow_run_does_nothing() -> None:
    reporting.publish("fetch", "r1", "# report")


def test_counts_of_other_flows_are_shown_too() -> None:
    text = render(_data(counts={"reparsed": 120, "extraction_errors": 2}))
    assert "| reparsed | 120 |" in text and "| extraction errors | 2 |" in text
    assert "| new questions | 0 |" in text


def test_report_counts_broken_invariants_of_the_run_and_the_warehouse() -> None:
    text = render(
        _data(
            broken={"open_in_ended_legislature": 3},
            stored_broken={"open_in_ended_legislature": 40, "closed_before_asked": 0},
        )
    )
    lines = text.splitlines()
    assert "| open_in_ended_legislature | 3 | 40 |" in lines
    assert not any(line.startswith("| closed_before_asked") for line in lines)


def test_report_lists_unknown_labels_per_template() -> None:
    text = render(_data(unknown_labels={("dyn_current", "date de renvoi"): 7}))
    assert "| dyn_current | date de renvoi | 7 |" in text.splitlines()


def test_report_without_broken_invariant_or_unknown_label_has_no_such_section() -> None:
    text = render(_data())
    assert "## Invariants broken" not in text and "## Unknown key-data labels" not in text
