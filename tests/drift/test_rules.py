"""The drift alarm rules, as tables: when a field's fill counts as collapsed."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from warehouse import drift
from warehouse.db import session
from warehouse.drift import TemplateFill, collapsed, extraction_alarms, fill_alarms
from warehouse.runs import FieldStat, finish_run, record_field_stats, start_run


@pytest.mark.parametrize(
    ("run_pages", "run_filled", "hist_pages", "hist_filled", "alarm", "why"),
    [
        (30, 0, 500, 500, True, "always filled, now never"),
        (20, 0, 50, 45, True, "exactly at every threshold"),
        (40, 2, 1000, 990, True, "at most 5% now counts as gone"),
        (40, 3, 1000, 990, False, "7.5% now is low, not gone"),
        (19, 0, 500, 500, False, "too few pages in this run"),
        (3, 0, 500, 500, False, "anq fetch of three uids"),
        (30, 0, 49, 49, False, "too little history"),
        (30, 0, 500, 440, False, "history below 90%: an optional field"),
        (30, 0, 500, 0, False, "never filled before (tete_analyse on dyn pages)"),
        (30, 30, 500, 500, False, "still filled"),
        (30, 15, 500, 500, False, "half filled: drift mid-run or a mix, not a collapse"),
        (0, 0, 500, 500, False, "no page of that template this run"),
    ],
)
def test_collapse_rule(
    run_pages: int, run_filled: int, hist_pages: int, hist_filled: int, alarm: bool, why: str
) -> None:
    assert collapsed(run_pages, run_filled, hist_pages, hist_filled) is alarm, why


def _fill(pages: int, **filled: int) -> TemplateFill:
    return TemplateFill(pages, filled)


def _full(pages: int, **override: int) -> TemplateFill:
    """A template where every judged field is filled on every page, except ``override``."""
    filled = {name: pages for name in drift.QUESTION_COLUMNS}
    filled.update(override)
    return TemplateFill(pages, filled)


def test_renamed_label_names_field_and_template() -> None:
    alarms = fill_alarms({"legacy": _full(30, rubrique=0)}, {"legacy": _full(400)})
    assert len(alarms) == 1
    assert "rubrique" in alarms[0] and "legacy" in alarms[0]
    assert "0/30" in alarms[0] and "400/400" in alarms[0]


def test_like_with_like_other_template_history_is_ignored() -> None:
    # dyn_current never had tete_analyse; legacy always did: no cross-template alarm.
    run = {"dyn_current": _full(50, tete_analyse=0, analyse=0)}
    history = {"legacy": _full(500), "dyn_current": _full(500, tete_analyse=0, analyse=0)}
    assert fill_alarms(run, history) == []


def test_no_history_for_a_new_template_is_no_alarm() -> None:
    assert fill_alarms({"fiche": _full(50, rubrique=0)}, {"legacy": _full(500)}) == []


def test_a_night_of_open_questions_is_not_an_answer_collapse() -> None:
    # History: mostly answered. Tonight: only new (open) questions, no answer fields.
    history = {"dyn_current": _full(1000)}
    open_only = dict.fromkeys(drift.WITNESS, 0)
    assert fill_alarms({"dyn_current": _full(40, **open_only)}, history) == []


def test_answer_text_lost_while_answer_dates_remain_alarms() -> None:
    history = {"dyn_current": _full(1000)}
    run = {"dyn_current": _full(40, answer_text=0)}
    alarms = fill_alarms(run, history)
    assert [a.split(" collapsed")[0] for a in alarms] == ["field answer_text"]


def test_a_night_of_qg_only_does_not_judge_question_text() -> None:
    run = {"dyn_current": _full(25, question_text=0, question_jo_page=0, signaled_on=0)}
    assert fill_alarms(run, {"dyn_current": _full(1000)}) == []


@pytest.mark.parametrize("accept", ["rubrique", "legacy:rubrique"])
def test_operator_can_accept_a_loss(accept: str) -> None:
    accepted = drift.accepted_from_env({drift.ACCEPT_ENV: f" {accept} ,other"})
    run, history = {"legacy": _full(30, rubrique=0)}, {"legacy": _full(400)}
    assert fill_alarms(run, history, accepted) == []


@pytest.mark.parametrize(
    ("extracted", "errors", "expected"),
    [
        (0, {"title": 25}, ["no question extracted from 25 question pages"]),
        (0, {"title": 19}, []),  # too few pages to judge
        (0, {}, []),  # nothing received that looked like a question (404s, error pages)
        (100, {"author_name": 3}, []),  # a few odd pages
        (10, {"author_name": 30}, ["field author_name could not be read on 30/40"]),
        (30, {"author_name": 25}, []),  # under half of the question pages
        (2, {"rubrique": 19}, []),  # a majority, but fewer than MIN_RUN_PAGES
    ],
)
def test_extraction_error_rules(
    extracted: int, errors: Mapping[str, int], expected: list[str]
) -> None:
    alarms = extraction_alarms(extracted, errors)
    assert len(alarms) == len(expected)
    for alarm, start in zip(alarms, expected, strict=True):
        assert alarm.startswith(start)


def test_fill_rows_record_zero_for_unfilled_fields() -> None:
    rows = drift.fill_rows({"legacy": 2}, {("legacy", "uid"): 2, ("legacy", "rubrique"): 1})
    by_field = {field: (pages, filled) for _, field, pages, filled in rows}
    assert set(by_field) == set(drift.QUESTION_COLUMNS)
    assert by_field["uid"] == (2, 2)
    assert by_field["rubrique"] == (2, 1)
    assert by_field["signaled_on"] == (2, 0)


def _stats(template: str, pages: int, **override: int) -> list[FieldStat]:
    return [
        FieldStat(template, name, pages, override.get(name, pages))
        for name in drift.QUESTION_COLUMNS
    ]


def test_history_reads_completed_runs_only(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    with session(db) as con:
        good = start_run(con, "backfill", {})
        record_field_stats(con, good, _stats("legacy", 300))
        finish_run(con, good, "completed")
        bad = start_run(con, "sync", {})
        record_field_stats(con, bad, _stats("legacy", 40, rubrique=0))
        finish_run(con, bad, "failed", message="drift")
        current = start_run(con, "sync", {})
        history = drift.history(con, current)
    assert history["legacy"].pages == 300
    assert history["legacy"].filled["rubrique"] == 300


def test_record_and_check_end_to_end_on_a_database(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    with session(db) as con:
        first = start_run(con, "backfill", {})
        record_field_stats(con, first, _stats("legacy", 120))
        finish_run(con, first, "completed")
        run_id = start_run(con, "sync", {})
    filled = {("legacy", name): 25 for name in drift.QUESTION_COLUMNS if name != "rubrique"}
    with session(db) as con:
        alarms = drift.record_and_check(con, run_id, {"legacy": 25}, filled, extracted=25)
    assert len(alarms) == 1 and "rubrique" in alarms[0] and "legacy" in alarms[0]
    with session(db) as con:
        recorded = con.execute(
            "SELECT pages, filled FROM pipeline.run_field_stats "
            "WHERE run_id = ? AND field = 'rubrique'",
            [run_id],
        ).fetchone()
    assert recorded == (25, 0)


@pytest.mark.parametrize(
    ("pages", "count", "alarm", "why"),
    [
        (40_000, 12_000, True, "every unanswered question of an ended legislature open"),
        (2000, 20, True, "exactly at both thresholds"),
        (2000, 19, False, "under MIN_RUN_PAGES: a handful of odd pages"),
        (10_000, 99, False, "under 1% of the pages"),
        (25, 25, True, "every page of a small run"),
        (0, 0, False, "nothing extracted"),
    ],
)
def test_invariant_alarm_thresholds(pages: int, count: int, alarm: bool, why: str) -> None:
    found = drift.invariant_alarms("pages", pages, {"open_in_ended_legislature": count})
    assert bool(found) is alarm, why


def test_invariant_alarm_names_the_invariant_and_the_counts() -> None:
    found = drift.invariant_alarms("questions in the warehouse", 100, {"closed_before_asked": 30})
    assert found == ["invariant closed_before_asked broken by 30/100 questions in the warehouse"]


def test_record_and_check_alarms_on_this_runs_broken_pages(tmp_path: Path) -> None:
    db = tmp_path / "anq.duckdb"
    with session(db) as con:
        run_id = start_run(con, "sync", {})
    broken = {"open_in_ended_legislature": 30}
    with session(db) as con:
        alarms = drift.record_and_check(con, run_id, {}, {}, extracted=30, broken=broken)
    assert alarms == [
        "invariant open_in_ended_legislature broken by 30/30 pages extracted in this run"
    ]
