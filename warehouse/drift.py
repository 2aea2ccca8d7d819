"""Drift alarms: notice when the site's markup changed under the extractor.

A redesign rarely breaks extraction loudly. More often a label is renamed and
a field quietly comes back empty on every page. So after each run we compare,
per template generation (``Question.template``), the share of this run's pages
that filled each field with the same share in the warehouse's history, and
alarm only on a *collapse from a high fill rate*: comparing like with like
(same template) and requiring enough pages on both sides keeps small runs and
legitimately optional fields quiet.

The decision functions are pure (counts in, messages out) and tested as
tables; :func:`record_and_check` and the two queries are the thin SQL part.

Thresholds (module constants, documented in the README, "Drift alarms"):

* ``MIN_RUN_PAGES`` (20): pages of a template this run must have extracted
  before its fill can alarm; also the floor of the extraction-failure alarms.
  An ``anq fetch`` of a few uids never alarms.
* ``MIN_HISTORY_PAGES`` (50): pages of the same template the history must hold.
* ``HIGH_FILL`` (0.90): a field is "expected" when history filled it on at
  least this share of pages; fields below (``signaled_on``, ``tete_analyse``
  on dyn pages, ...) are never judged.
* ``COLLAPSED_FILL`` (0.05): the field is "gone" when this run filled it on at
  most this share (a renamed label gives 0).
* ``FAILURE_SHARE`` (0.5): extraction errors on one field, or overall, on at
  least this share of the question pages received.
* ``INVARIANT_SHARE`` (0.01): a question invariant
  (:data:`extractors.invariants.INVARIANTS`) broken by at least this share of
  this run's extracted pages, or of the warehouse's questions, and by at least
  ``MIN_RUN_PAGES`` of them. ``status`` is always filled, so only an invariant
  sees it go wrong (every question of an ended legislature read as ``open``);
  a handful of odd pages is reported, not alarmed on.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import duckdb

from extractors.model import QUESTION_COLUMNS

MIN_RUN_PAGES = 20
MIN_HISTORY_PAGES = 50
HIGH_FILL = 0.90
COLLAPSED_FILL = 0.05
FAILURE_SHARE = 0.5
INVARIANT_SHARE = 0.01
#: Completed runs whose ``run_field_stats`` make up the history.
HISTORY_RUNS = 30
#: ``template:field`` pairs (or bare fields) an operator accepts as gone for good.
ACCEPT_ENV = "ANQ_DRIFT_ACCEPT"

#: Fields filled only on some statuses: their share is taken over the pages that
#: filled a sibling field (answered pages have both an answer date and text), not
#: over all pages, so a night of only open questions is not a collapse.
WITNESS: Mapping[str, str] = {
    "answer_text": "answer_published_on",
    "answer_jo_page": "answer_published_on",
    "answer_published_on": "answer_text",
    "closed_on": "closure_reason",
    "closure_reason": "closed_on",
}
#: Never judged by fill: empty for a whole question type (QG pages have no
#: question text nor question JO page) or optional on every template. The run
#: statistics are per template, not per type, so a night of only QG would
#: look like a collapse. A required field still alarms through extraction errors.
UNJUDGED = frozenset({"question_text", "question_jo_page", "signaled_on"})


@dataclass(frozen=True, slots=True)
class TemplateFill:
    """Pages of one template generation and how many filled each field."""

    pages: int
    filled: Mapping[str, int] = field(default_factory=dict)

    def denominator(self, name: str) -> int:
        """Pages on which ``name`` is expected: all, or those filling its witness."""
        witness = WITNESS.get(name)
        return self.pages if witness is None else self.filled.get(witness, 0)


def collapsed(run_pages: int, run_filled: int, history_pages: int, history_filled: int) -> bool:
    """The rule: enough pages on both sides, high fill before, (almost) none now."""
    if run_pages < MIN_RUN_PAGES or history_pages < MIN_HISTORY_PAGES:
        return False
    if history_filled < HIGH_FILL * history_pages:
        return False
    return run_filled <= COLLAPSED_FILL * run_pages


def fill_alarms(
    run: Mapping[str, TemplateFill],
    history: Mapping[str, TemplateFill],
    accepted: frozenset[str] = frozenset(),
) -> list[str]:
    """One message per (template, field) whose fill collapsed in this run."""
    alarms = []
    for template in sorted(run):
        now, before = run[template], history.get(template)
        if before is None:
            continue
        for name in QUESTION_COLUMNS:
            if name in UNJUDGED or name in accepted or f"{template}:{name}" in accepted:
                continue
            run_pages, hist_pages = now.denominator(name), before.denominator(name)
            run_filled, hist_filled = now.filled.get(name, 0), before.filled.get(name, 0)
            if collapsed(run_pages, run_filled, hist_pages, hist_filled):
                alarms.append(
                    f"field {name} collapsed on template {template}: filled on "
                    f"{run_filled}/{run_pages} pages of this run, "
                    f"{hist_filled}/{hist_pages} ({hist_filled / hist_pages:.0%}) in history"
                )
    return alarms


def extraction_alarms(extracted: int, errors_by_field: Mapping[str, int]) -> list[str]:
    """Alarms from pages that looked like questions but could not be read.

    ``errors_by_field``: this run's extraction errors counted by the field the
    extractor named. A required field renamed makes every page fail on it;
    a handful of odd pages does not reach ``MIN_RUN_PAGES``.
    """
    errors = sum(errors_by_field.values())
    question_pages = extracted + errors
    if question_pages < MIN_RUN_PAGES:
        return []
    if extracted == 0:
        worst = ", ".join(f"{f} ({n})" for f, n in _worst(errors_by_field))
        return [
            f"no question extracted from {question_pages} question pages received "
            f"(extraction errors on: {worst})"
        ]
    return [
        f"field {name} could not be read on {count}/{question_pages} question pages"
        for name, count in _worst(errors_by_field)
        if count >= MIN_RUN_PAGES and count >= FAILURE_SHARE * question_pages
    ]


def invariant_alarms(where: str, pages: int, broken: Mapping[str, int]) -> list[str]:
    """One message per invariant broken by too many of ``pages`` (``where`` names them)."""
    return [
        f"invariant {name} broken by {count}/{pages} {where}"
        for name, count in sorted(broken.items())
        if count >= MIN_RUN_PAGES and count >= INVARIANT_SHARE * pages
    ]


def _worst(errors_by_field: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(errors_by_field.items(), key=lambda item: (-item[1], item[0]))[:5]


def accepted_from_env(env: Mapping[str, str] | None = None) -> frozenset[str]:
    """``ANQ_DRIFT_ACCEPT=legacy:rubrique,signaled_on``: known, accepted losses."""
    raw = (os.environ if env is None else env).get(ACCEPT_ENV, "")
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def fill_rows(
    pages: Mapping[str, int], filled: Mapping[tuple[str, str], int]
) -> list[tuple[str, str, int, int]]:
    """``FieldFill`` as (template, field, pages, filled) rows, zeros included.

    Every column gets a row, so a field that nobody filled is recorded as 0
    (the very thing a later comparison must see), not left out.
    """
    return [
        (template, name, count, filled.get((template, name), 0))
        for template, count in sorted(pages.items())
        if count
        for name in QUESTION_COLUMNS
    ]


def as_fill(rows: Iterable[tuple[str, str, int, int]]) -> dict[str, TemplateFill]:
    """Rows of (template, field, pages, filled) grouped by template."""
    pages: dict[str, int] = {}
    filled: dict[str, dict[str, int]] = {}
    for template, name, count, n in rows:
        pages[template] = max(pages.get(template, 0), int(count))
        filled.setdefault(template, {})[name] = int(n)
    return {t: TemplateFill(pages[t], filled.get(t, {})) for t in pages}


def history(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, TemplateFill]:
    """Fill per template over the last ``HISTORY_RUNS`` completed runs.

    Runs that failed (a drift alarm among them) are left out, so a drifted
    night does not water down the history it is compared with. Where that
    history is thin for a template (a warehouse filled before run statistics
    existed), the ``questions`` table's current rows of that template stand in.
    """
    rows = con.execute(
        "WITH recent AS (SELECT run_id FROM runs WHERE state = 'completed' AND run_id <> ? "
        "ORDER BY started_at DESC LIMIT ?), per_run AS ("
        "SELECT s.run_id, s.template, max(s.pages) AS pages FROM run_field_stats s "
        "JOIN recent USING (run_id) GROUP BY s.run_id, s.template) "
        "SELECT s.template, s.field, (SELECT sum(p.pages) FROM per_run p "
        "WHERE p.template = s.template), sum(s.filled) FROM run_field_stats s "
        "JOIN recent USING (run_id) GROUP BY s.template, s.field",
        [run_id, HISTORY_RUNS],
    ).fetchall()
    result = as_fill(rows)
    for template, fill in _table_fill(con).items():
        if result.get(template, TemplateFill(0)).pages < MIN_HISTORY_PAGES:
            result[template] = fill
    return result


def _table_fill(con: duckdb.DuckDBPyConnection) -> dict[str, TemplateFill]:
    """Current fill of ``questions`` per template (column names are constants)."""
    counts = ", ".join(f'count("{name}")' for name in QUESTION_COLUMNS)
    rows = con.execute(
        f"SELECT template, count(*), {counts} FROM questions "
        "WHERE template IS NOT NULL GROUP BY template"
    ).fetchall()
    return {
        row[0]: TemplateFill(
            int(row[1]), dict(zip(QUESTION_COLUMNS, map(int, row[2:]), strict=True))
        )
        for row in rows
    }


def extraction_errors(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """This run's extraction errors counted by field (``?`` when none was named)."""
    rows = con.execute(
        "SELECT coalesce(field, '?'), count(*) FROM failures "
        "WHERE run_id = ? AND stage = 'extract' GROUP BY 1",
        [run_id],
    ).fetchall()
    return {str(name): int(n) for name, n in rows}


def record_and_check(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    pages: Mapping[str, int],
    filled: Mapping[tuple[str, str], int],
    extracted: int,
    broken: Mapping[str, int] | None = None,
) -> list[str]:
    """Record this run's fill in ``run_field_stats``, then return its drift alarms.

    ``pages`` and ``filled`` are the run's ``FieldFill``; ``broken``, the pages
    of this run breaking each invariant. Recording comes first so that even a
    run that alarms keeps its numbers for the post-mortem (its ``failed`` state
    keeps them out of later histories). The warehouse's invariants are counted
    after the run's loads, whatever the flow.
    """
    from warehouse.checks import invariant_counts
    from warehouse.runs import FieldStat, record_field_stats

    rows = fill_rows(pages, filled)
    record_field_stats(con, run_id, [FieldStat(*row) for row in rows])
    past = history(con, run_id)
    errors = extraction_errors(con, run_id)
    questions, stored = invariant_counts(con)
    run_fill = as_fill(rows)
    return (
        extraction_alarms(extracted, errors)
        + fill_alarms(run_fill, past, accepted_from_env())
        + invariant_alarms("pages extracted in this run", extracted, broken or {})
        + invariant_alarms("questions in the warehouse", questions, stored)
    )
