"""`build_report`: the static HTML page carries the fixture's figures, offline; and it renders."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from flows.report.charts import nice_ticks
from flows.report.html import build_report
from tests.analyst.warehouse_fixture import AGRI, INT, SANTE, apply_migrations, questions

#: The report's "now" (``ANQ_NOW`` for the command).
NOW = dt.datetime(2024, 3, 1, 6, 30)

CHROMIUM = Path("/usr/bin/chromium")

Attrs = dict[str, str]


class Elements(HTMLParser):
    """Every start tag's attributes, by tag name (entities already unescaped)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, Attrs]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))

    def where(self, tag: str, **match: str) -> list[Attrs]:
        return [
            a
            for t, a in self.found
            if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in match.items())
        ]


@pytest.fixture
def page(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> str:
    path = build_report(con, tmp_path / "report", now=NOW)
    assert path == tmp_path / "report" / "index.html"
    return path.read_text(encoding="utf-8")


def bars(html: str) -> list[tuple[str, str, str, str]]:
    return [
        (a["data-ministry"], a["data-answered"], a["data-median"], a["data-p90"])
        for a in Elements(html).where("g", **{"class": "bar"})
    ]


def series(html: str, name: str) -> list[int]:
    (line,) = Elements(html).where("polyline", data_series=name)
    return [int(v) for v in line["data-values"].split(",")]


def test_delay_bars_per_ministry_across_legislatures(page: str) -> None:
    # Intérieur: 10, 20, 30, 40, 100 (17th) and 50 (16th): median 35, p90 50 + 0.5 * 50 = 75
    assert bars(page) == [(INT, "6", "35", "75"), (AGRI, "2", "10", "14"), (SANTE, "1", "7", "7")]


def test_delay_table_repeats_the_figures(page: str) -> None:
    assert "<td>Ministère de l&#x27;intérieur</td><td>6</td><td>35</td><td>75</td>" in page


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def expected_weeks(today: dt.date) -> list[dt.date]:
    """Mondays from the first publication's week (800 days ago) to this week."""
    first, last = monday(today - dt.timedelta(days=800)), monday(today)
    return [first + dt.timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def per_week(today: dt.date, days_ago: list[int]) -> list[int]:
    counts = Counter(monday(today - dt.timedelta(days=d)) for d in days_ago)
    return [counts[w] for w in expected_weeks(today)]


def test_weekly_published_and_answered(page: str, today: dt.date) -> None:
    fixture = questions(today)
    published = per_week(today, [q.published for q in fixture])
    answered = per_week(today, [q.answered for q in fixture if q.answered is not None])
    assert series(page, "published") == published
    assert series(page, "answered") == answered
    assert (sum(published), sum(answered)) == (16, 10)


def test_open_backlog_per_week(page: str, today: dt.date) -> None:
    def day(offset: int | None) -> dt.date | None:
        return None if offset is None else today - dt.timedelta(days=offset)

    spans = [
        (monday(today - dt.timedelta(days=q.published)), day(q.answered or q.closed))
        for q in questions(today)
        if q.type in ("QE", "QOSD")
    ]
    expected = [
        sum(1 for opened, closed in spans if opened <= w and (closed is None or monday(closed) > w))
        for w in expected_weeks(today)
    ]
    backlog = series(page, "open questions (QE, QOSD)")
    assert backlog == expected
    assert backlog[0] == 1  # QE100 of the 16th legislature, answered seven weeks later
    assert backlog[-1] == 4  # QE6, QE10, QE11, QOSD1: the open QE/QOSD today


@pytest.mark.parametrize(
    ("figure", "value"),
    [("questions", "16"), ("open", "4"), ("overdue", "2"), ("median-delay", "20")],
)
def test_summary_cards(page: str, figure: str, value: str) -> None:
    (card,) = Elements(page).where("div", data_figure=figure)
    assert card["data-value"] == value


def test_page_fetches_nothing(page: str) -> None:
    assert re.findall(r"\b(?:src|href)\s*=", page) == []
    assert "@import" not in page and "url(" not in page
    assert set(re.findall(r"https?://[^\s\"'<]+", page)) == {"http://www.w3.org/2000/svg"}


def test_empty_warehouse_gives_a_page_without_charts(tmp_path: Path) -> None:
    db = duckdb.connect(str(tmp_path / "empty.duckdb"))
    apply_migrations(db)
    page = build_report(db, tmp_path / "out", now=NOW).read_text(encoding="utf-8")
    db.close()
    assert "No answered written question yet." in page
    assert page.count("No dated question yet.") == 2
    assert Elements(page).where("div", data_figure="questions")[0]["data-value"] == "0"


def chromium(*args: str, user_data: Path) -> subprocess.CompletedProcess[str]:
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={user_data}", "--window-size=1280,2000", *args,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


@pytest.mark.browser
def test_report_renders_in_headless_chromium(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    if not (CHROMIUM.exists() or shutil.which("chromium")):
        pytest.skip("/usr/bin/chromium is absent: apt-get install -y chromium (CI installs it)")
    url = build_report(con, tmp_path / "report", now=NOW).as_uri()
    shot = tmp_path / "report.png"
    chromium(f"--screenshot={shot}", url, user_data=tmp_path / "profile-shot")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    dom = Elements(chromium("--dump-dom", url, user_data=tmp_path / "profile-dom").stdout)
    assert dom.where("html", data_rendered="ok"), "the page's script did not run"
    figures = {a["data-chart"]: a for t, a in dom.found if t == "figure" and "data-chart" in a}
    assert sorted(figures) == ["activity", "backlog", "delays"]
    for name, attrs in figures.items():
        assert int(attrs["data-rendered-width"]) > 600, name
        assert int(attrs["data-rendered-height"]) > 100, name
    rendered = [
        (a["data-ministry"], a["data-median"], a["data-p90"])
        for a in dom.where("g", **{"class": "bar"})
    ]
    assert rendered == [(INT, "35", "75"), (AGRI, "10", "14"), (SANTE, "7", "7")]


def test_scraped_names_are_escaped(tmp_path: Path) -> None:
    db = duckdb.connect(str(tmp_path / "w.duckdb"))
    apply_migrations(db)
    db.execute(
        """
        INSERT INTO questions (uid, legislature, type, number, url, ministry_answering,
            question_published_on, answer_published_on, status, first_seen_at,
            last_fetched_at, last_changed_at, content_hash)
        VALUES ('QANR5L17QE1', 17, 'QE', 1, 'u', 'Économie & <script>alert(1)</script> "x"',
            DATE '2026-01-01', DATE '2026-01-11', 'answered', now(), now(), now(), 'h')
        """
    )
    page = build_report(db, tmp_path / "out", now=NOW).read_text(encoding="utf-8")
    db.close()
    assert "<script>alert" not in page
    assert bars(page) == [('Économie & <script>alert(1)</script> "x"', "1", "10", "10")]


@pytest.mark.parametrize(
    ("top", "whole", "ticks"),
    [(76, False, [0, 20, 40, 60, 80]), (2, True, [0, 1, 2]), (2, False, [0, 0.5, 1, 1.5, 2]),
     (0, True, [0, 1]), (1234, True, [0, 250, 500, 750, 1000, 1250])],
)  # fmt: skip
def test_nice_ticks(top: float, whole: bool, ticks: list[float]) -> None:
    assert nice_ticks(top, whole=whole) == ticks


def test_the_page_is_stamped_with_the_runs_clock(page: str) -> None:
    assert "2024-03-01 06:30 UTC" in page
