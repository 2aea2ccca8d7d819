"""The current-dyn extraction written with BeautifulSoup(html.parser), for comparison only.

Same fields, same rules, same normalisation as :mod:`extractors.pages.dyn_current`:
the same pre-processing (decode, cut to ``<head>`` + ``<main>``, mojibake
repair), the same label lookups, the same paragraph rules (blocks, ``<br>``
runs and table rows end a paragraph, cells joined by one space), the same
string helpers (dates, labels, status rules, author split). Only the HTML
library and the tree walking differ, so the timing difference is the
library's. ``bench/bench_extract.py`` checks that both give equal
:class:`Question` values on every page it times.

Never imported by the pipeline: it exists to justify the choice of lexbor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import soupsieve
from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from extractors.model import ANSWERED, ExtractionError, Question
from extractors.pages import decode, focus, split_author, uid_in
from extractors.pages.dates import labelled_date, parse_date, parse_jo_page
from extractors.pages.labels import LabelIndex, is_label, label_key, starts_with_label, strip_label
from extractors.pages.mojibake import looks_like_mojibake, repair_mojibake
from extractors.pages.status import derive_status
from extractors.pages.text import BLOCK_TAGS, CELL_TAGS, SKIP_TAGS, clean
from extractors.uid import Uid

_CURRENT_LABELS = ("Dates", "Date de la séance", "Ministère répondant")
_N_TITLE = re.compile(r"n[°o]\s*\d+\s*:\s*", re.IGNORECASE)
_PA = re.compile(r"(?<![A-Za-z])(?:OMC_)?(PA\d+)")


def extract_bs4(html: str | bytes, url: str, *, cut: bool = True) -> Question:
    """A current-dyn page read with bs4; raises ExtractionError like the real one.

    ``cut=True`` applies extract()'s own pre-cut to ``<head>`` + ``<main>``
    (like for like); ``cut=False`` parses the whole page, as a plain bs4
    scraper would.
    """
    text = decode(html) if isinstance(html, bytes) else html
    if cut:
        text = focus(text)
    if looks_like_mojibake(text):
        text = repair_mojibake(text)
    soup = BeautifulSoup(text, "html.parser")
    bloc = soup.select_one("div.an-bloc._style-question")
    if bloc is None or not any(
        is_label(_own_label(p), *_CURRENT_LABELS) for p in bloc.select("p.h6")
    ):
        raise ExtractionError(url, "template", "not a current dyn page")
    return _parse(soup, bloc, url)


def _parse(soup: BeautifulSoup, bloc: Tag, url: str) -> Question:
    uid = _uid(soup, bloc, url)
    index = _key_data(bloc)
    blocks = _text_blocks(bloc)
    dates = _lines(index.get("Dates"))
    seance = _inline(index.get("Date de la séance"))
    outcome = derive_status([*dates, seance, *(b.header for b in blocks)], uid.type)
    links = _jo_links(bloc)
    author = split_author(_inline(index.get("Auteur")) or _asked_by(blocks))
    question_text, answer_text = _texts(uid, blocks)
    answered = outcome.status == ANSWERED
    if answer_text and not answered:
        raise ExtractionError(str(uid), "status", "answer text present but no answer line matched")
    if answered and not answer_text and uid.type == "QE":
        raise ExtractionError(str(uid), "answer_text", "answer announced but no answer text")
    q_date = labelled_date(dates, "Question publiée le", "Question publiée au JO le")
    return Question(
        uid=str(uid), legislature=uid.legislature, type=uid.type, number=uid.number, url=url,
        title=_title(bloc, soup), author_name=author.name,
        author_id=_author_id(index.get("Auteur")) or _author_id(bloc),
        author_group=author.group, constituency=author.place,
        rubrique=_inline(index.get("Rubrique")),
        tete_analyse=_inline(index.get("Tête d'analyse")),
        analyse=_inline(index.get("Analyse")),
        ministry_asked=_inline(index.get("Ministère interrogé")),
        ministry_answering=_inline(index.get("Ministère répondant", "Ministère attributaire")),
        question_text=question_text, answer_text=answer_text,
        question_published_on=q_date or links[0] or parse_date(seance),
        question_jo_page=links[1],
        answer_published_on=(outcome.closed_on or links[2]) if answered else None,
        answer_jo_page=links[3] if answered else None,
        status=outcome.status, closed_on=outcome.closed_on,
        closure_reason=outcome.closure_reason,
        signaled_on=labelled_date(dates, "Question signalée le", "Question signalée au JO le"),
        template="dyn_current",
    )  # fmt: skip


# --- the paragraph rules, on bs4 nodes ---------------------------------------------


def _paragraphs(node: Tag | None) -> list[str]:
    """Same rules as extractors.pages.text.paragraphs, walking a bs4 tree."""
    if node is None:
        return []
    out: list[str] = []
    parts: list[str] = []
    stack: list[object] = [node]
    while stack:
        item = stack.pop()
        if item is None:
            _flush(parts, out)
            continue
        if isinstance(item, NavigableString):
            if type(item) is NavigableString:  # not a Comment, Doctype, CData ...
                parts.append(str(item))
            continue
        assert isinstance(item, Tag)
        name = item.name
        if name in SKIP_TAGS:
            continue
        if name == "br":
            _flush(parts, out)
            continue
        if name in BLOCK_TAGS:
            _flush(parts, out)
            stack.append(None)
        elif name in CELL_TAGS:
            parts.append(" ")
        stack.extend(reversed(item.contents))
    _flush(parts, out)
    return out


def _flush(parts: list[str], out: list[str]) -> None:
    text = clean("".join(parts))
    parts.clear()
    if text:
        out.append(text)


def _select(node: Tag, selector: str) -> list[Tag]:
    """``node.select`` including ``node`` itself, as lexbor's ``css()`` does."""
    found: list[Tag] = node.select(selector)
    return [node, *found] if soupsieve.match(selector, node) else found


def _inline(node: Tag | None) -> str | None:
    return clean(" ".join(_paragraphs(node)))


# --- fields ----------------------------------------------------------------------


def _uid(soup: BeautifulSoup, bloc: Tag, url: str) -> Uid:
    candidates = [
        bloc.get("data-id"),
        (soup.select_one('meta[property="og:url"]') or {}).get("content"),  # type: ignore[union-attr]
        (soup.select_one('link[rel="canonical"]') or {}).get("href"),  # type: ignore[union-attr]
        url,
    ]
    for value in candidates:
        found = uid_in(value if isinstance(value, str) else None)
        if found is not None:
            return found
    raise ExtractionError(url, "uid", "no question uid in the page or the URL")


def _own_label(p: Tag) -> str:
    parts: list[str] = []
    for child in p.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            parts.append(str(child))
        elif isinstance(child, Tag):
            if child.name in ("span", "br", "a"):
                break
            parts.append(child.get_text())
    return label_key("".join(parts)) if parts else ""


def _key_data(bloc: Tag) -> LabelIndex[Tag]:
    pairs: list[tuple[str, Tag]] = []
    for p in bloc.select("p.h6"):
        label = _own_label(p)
        if label:
            values = _select(p, "span._regular")
            pairs.append((label, values[0] if len(values) == 1 else p))
    return LabelIndex(pairs)


@dataclass(frozen=True, slots=True)
class _Block:
    header: str
    body: str | None


def _text_blocks(bloc: Tag) -> list[_Block]:
    out: list[_Block] = []
    for div in bloc.select("div._pa-small"):
        first = next((c for c in div.children if isinstance(c, Tag)), None)
        if first is None or first.name != "p":
            continue
        header = _inline(first) or ""
        is_status = starts_with_label(header, "Réponse") or derive_status([header], "QE").rule
        if not (strip_label(header, "Question de") or is_status):
            continue
        parts: list[str] = []
        for sibling in first.next_siblings:
            if isinstance(sibling, Tag):
                parts.extend(_paragraphs(sibling))
            elif type(sibling) is NavigableString and clean(str(sibling)):
                parts.append(clean(str(sibling)) or "")
        out.append(_Block(header, "\n\n".join(parts) if parts else None))
    return out


def _lines(node: Tag | None) -> list[str]:
    if node is None:
        return []
    spans = _select(node, "span._regular")
    if spans:
        return [line for line in (_inline(s) for s in spans) if line]
    return _paragraphs(node)


def _jo_links(bloc: Tag) -> tuple[object, int | None, object, int | None]:
    found: dict[str, tuple[object, int | None]] = {}
    for link in bloc.select("a"):
        text = _inline(link)
        for key, label in (("q", "Publication de la question"), ("a", "Publication de la réponse")):
            value = strip_label(text, label)
            if value is not None and key not in found:
                found[key] = (parse_date(value), parse_jo_page(value))
    q, a = found.get("q", (None, None)), found.get("a", (None, None))
    return q[0], q[1], a[0], a[1]


def _title(bloc: Tag, soup: BeautifulSoup) -> str | None:
    h4 = bloc.select_one(".title span.h4") or bloc.select_one("span.h4")
    if h4 is not None:
        inner = h4.select_one("span._regular")
        if inner is not None:
            return _inline(inner)
        found = _after_number(_inline(h4))
        if found:
            return found
    shown = _after_number(_inline(soup.select_one("title")))
    return clean(re.sub(r"\s+-\s+Assemblée nationale\s*$", "", shown)) if shown else None


def _after_number(text: str | None) -> str | None:
    match = _N_TITLE.search(text or "")
    return clean((text or "")[match.end() :]) if match else None


def _author_id(node: Tag | None) -> str | None:
    if node is None:
        return None
    for link in _select(node, "[data-document-id], a[href]"):
        for attr in ("data-document-id", "href"):
            value = link.get(attr)
            match = _PA.search(value if isinstance(value, str) else "")
            if match:
                return match.group(1)
    return None


def _asked_by(blocks: list[_Block]) -> str | None:
    for block in blocks:
        value = strip_label(block.header, "Question de")
        if value:
            return value.split("),")[0] + ")" if ")," in value else value
    return None


def _texts(uid: Uid, blocks: list[_Block]) -> tuple[str | None, str | None]:
    question = next((b.body for b in blocks if strip_label(b.header, "Question de")), None)
    answers = [b.body for b in blocks if not strip_label(b.header, "Question de") and b.body]
    if uid.type == "QG":
        return None, question
    return question, answers[0] if answers else None
