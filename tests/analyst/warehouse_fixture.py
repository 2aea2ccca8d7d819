"""A small hand-computed warehouse for the analyst views, exports, report and stats.

Dates are offsets in days from the connection's ``current_date`` so that the views, which use
``current_date``, give figures known in advance whatever day the tests run. The expected
figures are written out by hand in the tests; only the two-month deadline (whose length depends
on the calendar) is computed, by ``add_months`` below, independently of DuckDB.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.db import migrate

MIGRATIONS = Path(__file__).resolve().parents[2] / "warehouse" / "migrations"

INT = "Ministère de l'intérieur"
AGRI = "Ministère de l'agriculture et de la souveraineté alimentaire"
SANTE = "Ministère de la santé et de l'accès aux soins"


TEXTS = {
    AGRI: "Mme la députée attire l'attention sur les attaques de loups.\n\nElle demande quelles"
    " mesures le Gouvernement entend prendre pour protéger les troupeaux.",
    INT: "M. le député interroge M. le ministre sur la sécurité des fêtes de village.",
}


@dataclass(frozen=True)
class Q:
    """One fixture question: offsets are days before today (None: no such date)."""

    uid: str
    ministry: str
    status: str
    published: int
    answered: int | None = None
    closed: int | None = None
    reason: str | None = None
    signaled: int | None = None

    @property
    def legislature(self) -> int:
        return int(self.uid[6:8])

    @property
    def type(self) -> str:
        rest = self.uid[8:]
        return next(t for t in ("QOSD", "QE", "QG") if rest.startswith(t))

    @property
    def number(self) -> int:
        return int(self.uid[8 + len(self.type) :])


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar month arithmetic clamped to the month's end (2024-12-31 + 2 = 2025-02-28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def boundary_offset(today: dt.date) -> int:
    """Days before today of a publication whose two-month deadline is today (or nearest after)."""
    for offset in range(58, 64):
        if add_months(today - dt.timedelta(days=offset), 2) == today:
            return offset
    return 58  # month ends where no day maps exactly: deadline falls after today, not overdue


def questions(today: dt.date) -> list[Q]:
    """The fixture's questions; QE11 sits on the overdue boundary (deadline today)."""
    edge = boundary_offset(today)
    return [
        Q("QANR5L17QE1", INT, "answered", 200, 190),
        Q("QANR5L17QE2", INT, "answered", 180, 160),
        Q("QANR5L17QE3", INT, "answered", 150, 120),
        Q("QANR5L17QE4", INT, "answered", 140, 100),
        Q("QANR5L17QE5", INT, "answered", 130, 30),
        Q("QANR5L17QE6", INT, "open", 90, signaled=20),
        Q("QANR5L17QE7", AGRI, "answered", 60, 55),
        Q("QANR5L17QE8", AGRI, "answered", 45, 30),
        Q("QANR5L17QE9", AGRI, "withdrawn", 100, closed=20, reason="Retrait"),
        Q("QANR5L17QE10", AGRI, "open", 10),
        Q("QANR5L17QE11", AGRI, "open", edge),
        Q("QANR5L17QOSD1", SANTE, "open", 70),
        Q("QANR5L17QOSD2", SANTE, "answered", 14, 7),
        Q("QANR5L17QG1", INT, "answered", 3, 3),
        Q("QANR5L16QE100", INT, "answered", 800, 750),
        Q("QANR5L16QE101", INT, "withdrawn", 700, closed=600, reason="Fin de mandat"),
    ]


QUESTION_SQL = """
INSERT INTO questions (uid, legislature, type, number, url, title, author_name, author_id,
    author_group, constituency, rubrique, ministry_asked, ministry_answering, question_text,
    answer_text, question_published_on, answer_published_on, status, closed_on, closure_reason,
    signaled_on, first_seen_at, last_fetched_at, last_changed_at, template, content_hash)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


def _day(today: dt.date, offset: int | None) -> dt.date | None:
    return None if offset is None else today - dt.timedelta(days=offset)


def _question_row(q: Q, today: dt.date) -> list[object]:
    answered = _day(today, q.answered)
    closed = answered if q.status == "answered" else _day(today, q.closed)
    reason = "Réponse publiée" if q.status == "answered" else q.reason
    seen = dt.datetime.combine(_day(today, q.published) or today, dt.time(2, 0))
    author = ("Mme Marie-Pierre Rixain", "PA722252") if q.number % 2 else ("M. Jean Dupont", "PA1")
    return [
        q.uid, q.legislature, q.type, q.number,
        f"https://www.assemblee-nationale.fr/dyn/{q.legislature}/questions/{q.uid}",
        f"Titre {q.uid}", author[0], author[1], "Renaissance", "Essonne (4e circonscription)",
        "Agriculture" if q.ministry == AGRI else "Sécurité", q.ministry, q.ministry,
        None if q.type == "QG" else TEXTS.get(q.ministry, "Texte de la question."),
        "Texte de la réponse." if q.status == "answered" else None,
        _day(today, q.published), answered, q.status, closed, reason, _day(today, q.signaled),
        seen, seen, seen, "dyn_current", f"hash-{q.uid}",
    ]  # fmt: skip


def apply_migrations(con: duckdb.DuckDBPyConnection) -> None:
    """Apply every migration with the warehouse's own migrator (0001 core, 0002 views, ...)."""
    applied = migrate(con)
    assert applied == sorted(int(p.name[:4]) for p in MIGRATIONS.glob("*.sql")), applied


def build(path: Path) -> dt.date:
    """Create the fixture warehouse at ``path``; return the day it was built for (today)."""
    con = duckdb.connect(str(path))
    try:
        apply_migrations(con)
        today = _today(con)
        con.executemany(QUESTION_SQL, [_question_row(q, today) for q in questions(today)])
        _insert_versions(con, today)
        _insert_runs(con, today)
        _insert_fetch_state(con, today)
        _insert_raw_pages(con)
    finally:
        con.close()
    return today


def _today(con: duckdb.DuckDBPyConnection) -> dt.date:
    row = con.execute("SELECT current_date").fetchone()
    assert row is not None
    day: dt.date = row[0]
    return day


def _insert_versions(con: duckdb.DuckDBPyConnection, today: dt.date) -> None:
    """Version 1 is every question's current state, except the histories of QE5 and QE9.

    QE5: open at agriculture (v1), transferred to the interior with a corrected title (v2),
    answered (v3).
    QE9: open (v1), withdrawn (v2).
    """
    con.execute(
        """
        INSERT INTO question_versions BY NAME
        SELECT * EXCLUDE (first_seen_at, last_fetched_at, last_changed_at),
               1 AS version, first_seen_at AS valid_from, NULL AS valid_to
        FROM questions
        """
    )
    history: dict[str, list[tuple[str, int, str | None, str | None]]] = {
        "QANR5L17QE5": [
            ("open", 129, None, AGRI),
            ("open", 100, "Titre corrigé", None),
            ("answered", 29, None, None),
        ],
        "QANR5L17QE9": [("open", 99, None, None), ("withdrawn", 19, None, None)],
    }
    for uid, states in history.items():
        con.execute("DELETE FROM question_versions WHERE uid = ?", [uid])
        for version, (status, offset, title, ministry) in enumerate(states, start=1):
            at = dt.datetime.combine(today - dt.timedelta(days=offset), dt.time(3, 0))
            con.execute(
                """
                INSERT INTO question_versions BY NAME
                SELECT * EXCLUDE (first_seen_at, last_fetched_at, last_changed_at, title, status,
                                  closed_on, closure_reason, ministry_answering),
                       coalesce(?, title) AS title, ? AS status,
                       coalesce(?, ministry_answering) AS ministry_answering,
                       CASE WHEN ? = 'open' THEN NULL ELSE closed_on END AS closed_on,
                       CASE WHEN ? = 'open' THEN NULL ELSE closure_reason END AS closure_reason,
                       ? AS version, ? AS valid_from, NULL AS valid_to
                FROM questions WHERE uid = ?
                """,
                [title, status, ministry, status, status, version, at, uid],
            )


def _insert_runs(con: duckdb.DuckDBPyConnection, today: dt.date) -> None:
    """Three runs: a backfill, a failed sync, the latest sync (completed)."""
    rows = [
        ("run-1", "backfill", 3, "completed", 120, 100, 0, 0, 20, 0),
        ("run-2", "sync", 2, "failed", 10, 0, 0, 5, 0, 5),
        ("run-3", "sync", 1, "completed", 30, 2, 3, 25, 0, 1),
    ]
    for run_id, flow, days, state, req, new, changed, same, missing, failed in rows:
        start = dt.datetime.combine(today - dt.timedelta(days=days), dt.time(2, 0))
        con.execute(
            """
            INSERT INTO runs (run_id, flow, started_at, finished_at, state, requests, pages_new,
                pages_changed, pages_unchanged, not_found, failures)
            VALUES (?, ?, ?, ? + INTERVAL 5 MINUTE, ?, ?, ?, ?, ?, ?, ?)
            """,
            [run_id, flow, start, start, state, req, new, changed, same, missing, failed],
        )


def _insert_raw_pages(con: duckdb.DuckDBPyConnection) -> None:
    """Each question's page archived once, where its WARC record would be."""
    con.execute(
        """
        INSERT INTO raw_pages (uid, sha256, url, fetched_at, http_status, size,
                               warc_file, warc_offset, warc_length)
        SELECT uid, sha256(uid), url, first_seen_at, 200, 40000,
               legislature || '/' || type || '/' || lpad((number // 1000)::VARCHAR, 4, '0')
                   || '.warc.gz',
               4096 * number, 9000
        FROM questions
        """
    )


def _insert_fetch_state(con: duckdb.DuckDBPyConnection, today: dt.date) -> None:
    """Two open questions due (QE6, QOSD1); QE10 due tomorrow; QE1 closed; 2 uids failing."""
    due = {"QANR5L17QE6": -1, "QANR5L17QOSD1": -5, "QANR5L17QE10": 1, "QANR5L17QE1": -10}
    noon = dt.datetime.combine(today, dt.time(12, 0))
    for uid, days in due.items():
        con.execute(
            """
            INSERT INTO fetch_state (uid, legislature, type, number, url, last_outcome,
                last_attempt_at, next_due_at)
            SELECT uid, legislature, type, number, url, 'question', ?, ?
            FROM questions WHERE uid = ?
            """,
            [noon, noon + dt.timedelta(days=days), uid],
        )
    failures = [
        ("QANR5L17QE10", None),
        ("QANR5L17QE10", None),
        ("QANR5L17QE999", None),
        ("QANR5L17QE3", noon),
    ]
    for uid, resolved in failures:
        con.execute(
            """
            INSERT INTO failures (uid, url, run_id, stage, error, occurred_at, resolved_at)
            VALUES (?, 'https://example.invalid/' || ?, 'run-2', 'fetch', 'HTTP 503', ?, ?)
            """,
            [uid, uid, noon - dt.timedelta(days=2), resolved],
        )
