"""Older page generations for the synthetic corpus: real fixture pages with values swapped in.

The legacy, fiche and 2017-dyn pages of ``tests/fixtures/pages`` are kept as
they are, markup and all; only values the corpus varies are replaced: the
number, uid and legislature, the dates, the rubrique, and one paragraph of the
question and of the answer (replaced by any number of paragraphs). What
``extract`` must return is the fixture's own extraction with the same values
replaced, so no generation's rules are restated here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path

from extractors import Question, extract
from tests.support.pages import french_date

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pages"
BASE = "https://www.assemblee-nationale.fr"
_MARK = "\x00{}\x00"
# Where the older pages show their legislature (never a bare number: dates hold them too).
_LEGISLATURE_SHOWN = (
    r"(?<=detail/){leg}(?=/)",
    r"(?<=/dyn/){leg}(?=/)",
    r"(?<=<nleg>){leg}(?=</nleg>)",
    r"\b{leg}(?=ème)",
)


@dataclass(frozen=True)
class Values:
    """What a corpus page varies; ``None`` keeps the fixture's value."""

    uid: str
    legislature: int
    number: int
    question: list[str] | None
    answer: list[str] | None
    question_on: dt.date | None
    answer_on: dt.date | None
    closed_on: dt.date | None
    rubrique: str | None


def _shown(day: dt.date, generation: str) -> str:
    return day.strftime("%d/%m/%Y") if generation in ("legacy", "fiche") else french_date(day)


class Template:
    """One fixture page turned into a page with holes, and its extraction."""

    def __init__(self, generation: str, name: str) -> None:
        self.generation = generation
        html = (FIXTURES / generation / f"{name}.html").read_text(encoding="utf-8")
        match = re.search(r"QANR5L(\d+)(QE|QG|QOSD)(\d+)", html)
        leg, type_, number = (
            (int(match[1]), match[2], int(match[3])) if match else self._from_older(html)
        )
        self.uid = f"QANR5L{leg}{type_}{number}"
        self.base = extract(html, f"{BASE}/dyn/{leg}/questions/{self.uid}")
        assert isinstance(self.base, Question), (generation, name)
        self.holes: set[str] = set()
        html = self._hole_paragraph(html, "question_text")
        html = self._hole_paragraph(html, "answer_text")
        html = self._hole_dates(html)
        html = self._hole("rubrique", html, self.base.rubrique, self.base.rubrique)
        html = re.sub(rf"QANR5L{leg}{type_}{number}", _MARK.format("uid"), html)
        self.number_re = re.compile(rf"(?<![\d/]){number}(?!\d)")
        html = self.number_re.sub(_MARK.format("number"), html)
        for pattern in _LEGISLATURE_SHOWN:
            html = re.sub(pattern.format(leg=leg), _MARK.format("legislature"), html)
        self.html = html

    @staticmethod
    def _from_older(html: str) -> tuple[int, str, int]:
        legacy = re.search(r"detail/(\d+)/(qe|qg|qosd)/(\d+)", html)
        if legacy:
            return int(legacy[1]), legacy[2].upper(), int(legacy[3])
        leg = re.search(r"<nleg>(\d+)</nleg>", html)
        nat = re.search(r"<nat>\s*(\w+)\s*</nat>", html)
        num = re.search(r"<num>(\d+)</num>", html)
        assert leg and nat and num
        return int(leg[1]), nat[1], int(num[1])

    def _hole(self, name: str, html: str, value: str | None, shown: str | None) -> str:
        if value is None or shown is None:
            return html
        for form in dict.fromkeys((shown, escape(shown, quote=False), escape(shown))):
            if html.count(form) == 1:
                self.holes.add(name)
                return html.replace(form, _MARK.format(name))
        return html

    def _hole_paragraph(self, html: str, field: str) -> str:
        text = getattr(self.base, field)
        if text is None:
            return html
        for para in sorted(text.split("\n\n"), key=len, reverse=True):
            before = len(self.holes)
            html = self._hole(field, html, para, para)
            if len(self.holes) > before:
                self.paragraphs = getattr(self, "paragraphs", {})
                self.paragraphs[field] = para
                return html
        return html

    def _hole_dates(self, html: str) -> str:
        base = self.base
        assert isinstance(base, Question)
        dates = {"question_on": base.question_published_on, "answer_on": base.answer_published_on}
        if base.status == "withdrawn":
            dates["closed_on"] = base.closed_on
        if len({d for d in dates.values() if d is not None}) < len(
            [d for d in dates.values() if d is not None]
        ):
            return html  # two fields show one date: no way to tell them apart
        for name, day in dates.items():
            if day is not None:
                html = self._hole(name, html, str(day), _shown(day, self.generation))
        return html

    def render(self, v: Values, sep: str = "<br/><br/>") -> str:
        fills = {
            "uid": v.uid,
            "number": str(v.number),
            "legislature": str(v.legislature),
            "question_text": sep.join(escape(p, quote=False) for p in v.question or []),
            "answer_text": sep.join(escape(p, quote=False) for p in v.answer or []),
            "rubrique": escape(v.rubrique or "", quote=False),
        }
        for name in ("question_on", "answer_on", "closed_on"):
            day = getattr(v, name)
            fills[name] = _shown(day, self.generation) if day else ""
        return re.sub("\x00(\\w+)\x00", lambda m: fills[m[1]], self.html)

    def expected(self, v: Values) -> Question:
        """The extraction of the fixture, with the values ``render`` swapped in."""
        base = self.base
        assert isinstance(base, Question)
        changes: dict[str, object] = {
            "uid": v.uid,
            "legislature": v.legislature,
            "number": v.number,
            "url": f"{BASE}/dyn/{v.legislature}/questions/{v.uid}",
        }
        for field in ("title", "question_text", "answer_text", "analyse"):
            if isinstance(text := getattr(base, field), str):
                changes[field] = self.number_re.sub(str(v.number), text)
        for field, paras in (("question_text", v.question), ("answer_text", v.answer)):
            if field in self.holes and paras:
                text = str(changes[field])
                hole = self.number_re.sub(str(v.number), self.paragraphs[field])
                changes[field] = text.replace(hole, "\n\n".join(paras), 1)
        if "rubrique" in self.holes:
            changes["rubrique"] = v.rubrique
        moved = {"question_on": "question_published_on", "answer_on": "answer_published_on"}
        for hole, field in moved.items():
            if hole in self.holes:
                changes[field] = getattr(v, hole)
        if "closed_on" in self.holes:
            changes["closed_on"] = v.closed_on
        elif base.status == "answered" and "answer_on" in self.holes:
            changes["closed_on"] = v.answer_on
        if base.type == "QG" and "question_on" in self.holes:
            changes.update(answer_published_on=v.question_on, closed_on=v.question_on)
        return dataclasses.replace(base, **changes)  # type: ignore[arg-type]
