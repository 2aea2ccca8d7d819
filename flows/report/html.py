"""`anq report`: one self-contained static HTML page of charts built from the warehouse.

Why static: the page is meant to be published as is (a CI artefact, GitHub Pages, an e-mail
attachment) and opened offline, so it holds everything inline (CSS, SVG, a few lines of JS)
and fetches nothing. Read-only: works on a connection opened with ``read_only=True``.

Definitions match the analyst views of migration 0002: delays are days from the question's
publication to the answer's, over answered QE and QOSD (QG, answered at their sitting, are
left out), quantiles are ``quantile_cont``; the backlog counts open QE and QOSD.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from pathlib import Path

import duckdb

from flows.report.charts import MinistryDelay, Series, delay_bars, legend, weekly_lines
from flows.report.page import render_page

DELAYS_SQL = """
SELECT ministry_answering, count(*) AS answered,
       quantile_cont(answer_published_on - question_published_on, 0.5) AS median_days,
       quantile_cont(answer_published_on - question_published_on, 0.9) AS p90_days
FROM questions
WHERE type IN ('QE', 'QOSD') AND status = 'answered' AND ministry_answering IS NOT NULL
  AND answer_published_on IS NOT NULL AND question_published_on IS NOT NULL
GROUP BY ministry_answering
ORDER BY answered DESC, ministry_answering
LIMIT ?
"""

# One row per week (Monday) from the first publication to the current week: questions
# published and answered that week (all types, from daily_activity), and the open QE/QOSD
# backlog at the end of the week (published by then, minus closed by then).
WEEKLY_SQL = """
WITH activity AS (
    SELECT CAST(date_trunc('week', day) AS DATE) AS week,
           sum(published) AS published, sum(answered) AS answered
    FROM daily_activity GROUP BY 1
), closing AS (
    SELECT question_published_on AS opened,
           CASE WHEN status = 'open' THEN NULL
                ELSE coalesce(closed_on, answer_published_on) END AS closed
    FROM questions
    WHERE type IN ('QE', 'QOSD') AND question_published_on IS NOT NULL
      AND (status = 'open' OR coalesce(closed_on, answer_published_on) IS NOT NULL)
), deltas AS (
    SELECT CAST(date_trunc('week', opened) AS DATE) AS week, 1 AS delta FROM closing
    UNION ALL
    SELECT CAST(date_trunc('week', closed) AS DATE), -1 FROM closing WHERE closed IS NOT NULL
), backlog AS (
    SELECT week, sum(delta) AS delta FROM deltas GROUP BY week
), span AS (
    SELECT min(week) AS lo,
           greatest(max(week), CAST(date_trunc('week', current_date) AS DATE)) AS hi
    FROM activity
)
SELECT CAST(w.week AS DATE) AS week,
       CAST(coalesce(a.published, 0) AS INTEGER) AS published,
       CAST(coalesce(a.answered, 0) AS INTEGER) AS answered,
       CAST(sum(coalesce(b.delta, 0)) OVER (ORDER BY w.week) AS INTEGER) AS open_backlog
FROM span, generate_series(span.lo, span.hi, INTERVAL 7 DAY) AS w(week)
LEFT JOIN activity AS a ON a.week = CAST(w.week AS DATE)
LEFT JOIN backlog AS b ON b.week = CAST(w.week AS DATE)
WHERE span.lo IS NOT NULL
ORDER BY week
"""

SUMMARY_SQL = """
SELECT (SELECT count(*) FROM questions),
       (SELECT count(*) FROM open_questions),
       (SELECT count(*) FROM overdue_questions),
       (SELECT quantile_cont(answer_published_on - question_published_on, 0.5)
        FROM questions WHERE type IN ('QE', 'QOSD') AND status = 'answered'),
       (SELECT max(last_fetched_at) FROM questions)
"""


@dataclass(frozen=True)
class Weekly:
    """The weekly figures behind the activity and backlog charts."""

    weeks: tuple[dt.date, ...]
    published: tuple[int, ...]
    answered: tuple[int, ...]
    open_backlog: tuple[int, ...]


def build_report(
    con: duckdb.DuckDBPyConnection, out_dir: Path, *, now: dt.datetime, top: int = 15
) -> Path:
    """Write ``out_dir/index.html`` (the ``top`` ministries by answers in the delay chart)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    delays = ministry_delays(con, top)
    weekly = weekly_figures(con)
    page = render_page(
        summary=_summary_cards(con),
        delays_chart=delay_bars(delays),
        delays_table=_delays_table(delays),
        activity_chart=_activity_chart(weekly),
        backlog_chart=weekly_lines(
            weekly.weeks,
            [Series("open questions (QE, QOSD)", weekly.open_backlog)],
            "Open written and oral questions at the end of each week",
        ),
        generated_at=now.strftime("%Y-%m-%d %H:%M UTC"),
    )
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def ministry_delays(con: duckdb.DuckDBPyConnection, top: int) -> list[MinistryDelay]:
    """Median and p90 answer delays of the ministries that answered the most."""
    return [
        MinistryDelay(str(name), int(answered), float(median), float(p90))
        for name, answered, median, p90 in con.execute(DELAYS_SQL, [top]).fetchall()
    ]


def weekly_figures(con: duckdb.DuckDBPyConnection) -> Weekly:
    """Published, answered and open backlog per week, weeks without activity included."""
    rows = con.execute(WEEKLY_SQL).fetchall()
    return Weekly(
        weeks=tuple(r[0] for r in rows),
        published=tuple(r[1] for r in rows),
        answered=tuple(r[2] for r in rows),
        open_backlog=tuple(r[3] for r in rows),
    )


def _activity_chart(weekly: Weekly) -> str:
    series = [Series("published", weekly.published), Series("answered", weekly.answered)]
    chart = weekly_lines(weekly.weeks, series, "Questions published and answered per week")
    return legend([s.name for s in series]) + chart


def _summary_cards(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute(SUMMARY_SQL).fetchone()
    assert row is not None  # a scalar-subquery SELECT always returns one row
    total, open_, overdue, median, fetched = row
    cards = [
        ("questions", "questions in the warehouse", total),
        ("open", "open questions", open_),
        ("overdue", "past the two-month deadline", overdue),
        ("median-delay", "median days to answer (QE, QOSD)", _fmt(median)),
        ("last-fetch", "last successful fetch", fetched.date().isoformat() if fetched else "—"),
    ]
    return "".join(
        f'<div class="card" data-figure="{key}" data-value="{escape(str(value))}">'
        f"<b>{escape(str(value))}</b><span>{escape(label)}</span></div>"
        for key, label, value in cards
    )


def _delays_table(rows: list[MinistryDelay]) -> str:
    body = "".join(
        f"<tr><td>{escape(r.ministry)}</td><td>{r.answered}</td>"
        f"<td>{_fmt(r.median_days)}</td><td>{_fmt(r.p90_days)}</td></tr>"
        for r in rows
    )
    return (
        '<table class="figures" data-table="delays"><thead><tr><th>ministry</th>'
        "<th>answered</th><th>median days</th><th>p90 days</th></tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
