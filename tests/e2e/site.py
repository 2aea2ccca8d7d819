"""A fixture site: invented questions served as current-dyn pages on 127.0.0.1.

Tests describe questions as keyword arguments of
:func:`tests.support.pages.render_question`, change them between runs
(answer published, withdrawal, new numbers) and compare the warehouse with
:func:`tests.support.pages.expected_question`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from extractors.model import Question
from extractors.uid import parse_uid
from tests.support.pages import expected_question, render_not_found, render_question
from tests.support.siteserver import SiteServer


class FixtureSite:
    """Questions by uid, kept in step with the server's pages."""

    def __init__(self, server: SiteServer) -> None:
        self.server = server
        self.specs: dict[str, dict[str, Any]] = {}

    def put(self, uid: str, **fields: Any) -> None:
        """Serve (or replace) the page of ``uid``."""
        self.specs[uid] = fields
        self.server.pages[parse_uid(uid).path()] = render_question(uid=uid, **fields).encode()

    def update(self, uid: str, **changes: Any) -> None:
        """Change some fields of a served question."""
        self.put(uid, **{**self.specs[uid], **changes})

    def error_page(self, uid: str) -> None:
        """Answer 200 with the site's "page does not exist" page for ``uid``."""
        self.server.pages[parse_uid(uid).path()] = render_not_found().encode()

    def expected(self, uid: str) -> Question:
        """What the warehouse must hold for ``uid``."""
        url = self.server.base_url + parse_uid(uid).path()
        return expected_question(url=url, uid=uid, **self.specs[uid])


def populate(site: FixtureSite) -> None:
    """The first state of the site: two legislatures, three types, gaps and error pages."""
    day = dt.date(2024, 1, 9)
    for n in range(1, 13):
        if n == 5:
            continue  # a gap: 404
        if n == 7:
            site.error_page(f"QANR5L16QE{n}")  # a gap answered 200 with an error page
            continue
        fields: dict[str, Any] = {
            "title": f"Question inventée {n}",
            "question_published_on": day + dt.timedelta(days=7 * n),
            "question_jo_page": 100 + n,
            "question_paragraphs": [f"Premier paragraphe {n}.", f"Second paragraphe {n}."],
        }
        if n % 3 == 0:
            fields.update(
                answer_paragraphs=[f"Réponse {n}."],
                answer_published_on=day + dt.timedelta(days=7 * n + 30),
                answer_jo_page=900 + n,
            )
        if n == 11:
            fields.update(closed_on=dt.date(2024, 6, 9), closure_reason="Fin de mandat")
        site.put(f"QANR5L16QE{n}", **fields)
    for n in range(1, 4):
        site.put(
            f"QANR5L16QG{n}",
            question_published_on=day + dt.timedelta(days=n),
            answer_paragraphs=[f"Mme la présidente. La parole est à M. X ({n})."],
            answer_heading=f"SUJET DE SÉANCE {n}",
        )
    for n in range(1, 5):
        fields = {"question_published_on": day + dt.timedelta(days=n)}
        if n <= 2:
            fields.update(
                answer_paragraphs=[f"M. le ministre. Réponse orale {n}."],
                answer_heading=f"QUESTION ORALE {n}",
                answer_published_on=day + dt.timedelta(days=n + 7),
            )
        site.put(f"QANR5L16QOSD{n}", **fields)
    for n in range(1, 6):
        site.put(
            f"QANR5L17QE{n}",
            question_published_on=dt.date(2025, 1, 1) + dt.timedelta(days=n),
            author_group=None if n == 2 else "Les Démocrates - Groupe, inventé (bis)",
        )
