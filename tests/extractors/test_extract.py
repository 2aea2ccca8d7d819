"""extract(): decoding, dispatch, not-a-question, required fields, and no other escape."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors.pages import (
    ExtractionError,
    NotAQuestion,
    Question,
    decode,
    extract,
    split_author,
    uid_in,
)
from extractors.pages.mojibake import looks_like_mojibake, mojibake_bytes
from extractors.uid import Uid
from tests.conftest import FIXTURES
from tests.support.pages import expected_question, render_not_found, render_question

URL = "https://www.assemblee-nationale.fr/dyn/16/questions/QANR5L16QE200"
D = dt.date

PAGES: dict[str, dict[str, Any]] = {
    "qe_open": {"uid": "QANR5L16QE200"},
    "qe_answered": {
        "uid": "QANR5L17QE4500", "answer_paragraphs": ["Première.", "Seconde & fin <ok>."],
        "answer_published_on": D(2024, 12, 1), "answer_jo_page": 7001,
        "question_paragraphs": ["Un.", "Deux."], "signaled_on": D(2024, 11, 3),
    },
    "qe_withdrawn": {
        "uid": "QANR5L15QE31", "closed_on": D(2022, 6, 21), "closure_reason": "Fin de mandat",
        "author_group": "Gauche démocrate et républicaine - NUPES", "question_jo_page": None,
    },
    "qe_closure_row_inline": {
        "uid": "QANR5L15QE44415", "closed_on": D(2022, 6, 21), "closure_reason": "Fin de mandat",
        "question_published_on": D(2022, 2, 22), "closure_row": "inline",
    },
    "qe_closure_row_split": {
        "uid": "QANR5L16QE33", "closed_on": D(2024, 6, 9), "closure_reason": "Retrait",
        "closure_row": "split", "signaled_on": D(2023, 5, 2),
    },
    "qosd_closure_row_split": {
        "uid": "QANR5L16QOSD8", "closed_on": D(2024, 6, 9), "closure_reason": "Fin de mandat",
        "closure_row": "split", "question_jo_page": None,
    },
    "qe_no_group_no_id": {"uid": "QANR5L16QE9", "author_group": None, "author_id": None},
    "qg": {
        "uid": "QANR5L16QG12", "answer_heading": "TITRE DE SÉANCE",
        "answer_paragraphs": ["Mme la présidente. La parole est à Mme X.", "Mme X. Merci."],
        "question_published_on": D(2023, 3, 1),
    },
    "qosd_answered": {
        "uid": "QANR5L16QOSD4", "answer_heading": "DESSERTE",
        "answer_paragraphs": ["Mme la présidente. Vous avez la parole.", "M. Y. Merci."],
        "answer_published_on": D(2023, 3, 8), "question_jo_page": None,
    },
    "qosd_open": {"uid": "QANR5L17QOSD1", "question_jo_page": None},
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(PAGES))
def test_generated_page_reads_back_every_field(name: str) -> None:
    fields = PAGES[name]
    url = f"http://127.0.0.1:8123/dyn/x/{fields['uid']}"
    assert extract(render_question(**fields), url) == expected_question(url=url, **fields)


def test_not_found_page_is_not_a_question() -> None:
    assert isinstance(extract(render_not_found(), URL), NotAQuestion)


def test_fixture_error_page_is_not_a_question() -> None:
    page = (FIXTURES / "pages" / "errors" / "not_found_200.html").read_bytes()
    assert isinstance(extract(page, URL), NotAQuestion)


@pytest.mark.parametrize(
    "body",
    [b"", b"   \n", b"\x00\x01binary", b"%PDF-1.4 junk", b"{\"json\": true}",
     b"<html><body><p>Aucun r\xc3\xa9sultat</p></body></html>",
     b"<html><head><title>Erreur 404</title></head><body></body></html>",
     b"<html><body><h1>Bienvenue</h1></body></html>"],
)  # fmt: skip
def test_junk_is_not_a_question(body: bytes) -> None:
    assert isinstance(extract(body, URL), NotAQuestion)


def test_unknown_template_that_looks_like_a_question_fails_loudly() -> None:
    body = "<html><body><h1>Question écrite n° 12</h1><p>Texte.</p></body></html>"
    with pytest.raises(ExtractionError) as caught:
        extract(body, URL)
    assert caught.value.field == "template"


def test_page_uid_wins_over_url() -> None:
    page = render_question(uid="QANR5L16QE201")
    result = extract(page, URL)
    assert isinstance(result, Question) and result.uid == "QANR5L16QE201"


def test_uid_from_url_when_page_names_none() -> None:
    page = render_question(uid="QANR5L16QE201").replace("QANR5L16QE201", "")
    result = extract(page, "https://www.assemblee-nationale.fr/dyn/16/questions/QANR5L16QE77")
    assert isinstance(result, Question) and result.uid == "QANR5L16QE77"


def test_no_uid_anywhere_raises() -> None:
    page = render_question(uid="QANR5L16QE201").replace("QANR5L16QE201", "")
    with pytest.raises(ExtractionError) as caught:
        extract(page, "https://example.org/nothing")
    assert caught.value.field == "uid"


def test_cp1252_bytes_are_decoded() -> None:
    page = render_question(uid="QANR5L16QE5", rubrique="Sécurité routière")
    body = page.replace('charset="utf-8"', 'charset="iso-8859-1"').encode("cp1252", "replace")
    result = extract(body, URL)
    assert isinstance(result, Question) and result.rubrique == "Sécurité routière"


def test_decode_prefers_valid_utf8() -> None:
    assert decode("é".encode()) == "é"


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("Mme A (Ile-de-France - Démocrate (MoDem et Indépendants))",
         ("Mme A", "Ile-de-France", "Démocrate (MoDem et Indépendants)")),
        ("M. B (Bretagne - Gauche démocrate et républicaine - NUPES)",
         ("M. B", "Bretagne", "Gauche démocrate et républicaine - NUPES")),
        ("M. C (Nord)", ("M. C", "Nord", None)),
        ("M. D", ("M. D", None, None)),
        (None, (None, None, None)),
    ],
)  # fmt: skip
def test_split_author(shown: str | None, expected: tuple[str | None, ...]) -> None:
    author = split_author(shown)
    assert (author.name, author.place, author.group) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("QANR5L16QE200 / Bloc", Uid(16, "QE", 200)),
        ("https://questions.assemblee-nationale.fr/q14/14-3200QE.htm", Uid(14, "QE", 3200)),
        ("/questions/detail/14/qosd/450/(vue)/pdf", Uid(14, "QOSD", 450)),
        ("nothing here", None),
    ],
)
def test_uid_in(text: str, expected: Uid | None) -> None:
    assert uid_in(text) == expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_arbitrary_bytes_never_crash(body: bytes) -> None:
    try:
        result = extract(body, URL)
    except ExtractionError:
        return
    assert isinstance(result, (Question, NotAQuestion))


_TAGS = st.sampled_from(
    ["<main>", "</main>", "<p>", "</p>", "<br>", "<table><tr><td>", "</td></tr></table>",
     '<div class="an-bloc _style-question" data-id="QANR5L16QE1">', "</div>",
     '<p class="h6">Dates :<span class="_regular">', "</span>", "Réponse publiée le ",
     "1er mai 2020", "Question écrite n°1 :", "Ã©", "&nbsp;", "Question de :", "<script>"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_TAGS, st.text(max_size=20)), max_size=60))
def test_question_like_soup_never_crashes(pieces: list[str]) -> None:
    try:
        result = extract("".join(pieces), URL)
    except ExtractionError:
        return
    assert isinstance(result, (Question, NotAQuestion))


def test_body_declaring_utf8_that_is_not_utf8_is_an_encoding_error() -> None:
    page = (
        render_question(uid="QANR5L16QE77")
        .encode()
        .replace(b"Agriculture", b"Agri\xff\xfeculture", 1)
    )
    with pytest.raises(ExtractionError) as caught:
        extract(page, "https://www.assemblee-nationale.fr/dyn/16/questions/QANR5L16QE77")
    assert (caught.value.uid, caught.value.field) == ("QANR5L16QE77", "encoding")


def test_damage_that_reaches_no_value_is_not_an_error() -> None:
    # Bytes that are not UTF-8 inside <main> but outside every value (here an
    # HTML comment): lexbor reads around them and no value changes.
    page = render_question(uid="QANR5L16QE79").replace(
        '<main id="main" role="main">', '<main id="main" role="main"><!-- \xff\xfe -->'
    )
    raw = page.encode("utf-8").replace("\xff\xfe".encode(), b"\xff\xfe")
    result = extract(raw, "https://www.assemblee-nationale.fr/dyn/16/questions/QANR5L16QE79")
    assert isinstance(result, Question) and result.rubrique == "Agriculture"


def test_a_real_replacement_character_is_kept() -> None:
    # U+FFFD typed in the page is valid UTF-8: the check finds the bytes valid
    # and the value is kept as shown.
    page = render_question(uid="QANR5L16QE81").replace("Agriculture", "Agri\ufffdculture")
    result = extract(
        page.encode(), "https://www.assemblee-nationale.fr/dyn/16/questions/QANR5L16QE81"
    )
    assert isinstance(result, Question) and result.rubrique == "Agri\ufffdculture"


@pytest.mark.parametrize(
    "text",
    ["dÃ©putÃ©", "Â ", "Å“uvre", "lâ€™Ã‰tat", "â‚¬", "â„¢", "député", "âge", "l’État €", "ăƒ…"],
)
def test_mojibake_is_seen_in_utf8_bytes_as_in_text(text: str) -> None:
    data = f"<p>{text}</p>".encode()
    assert mojibake_bytes(data) == looks_like_mojibake(data.decode())


@given(st.text(alphabet="ÃÂÅâ€‚„©ƒ…é’ a"))
def test_mojibake_bytes_agree_with_text_on_any_string(text: str) -> None:
    assert mojibake_bytes(text.encode()) == looks_like_mojibake(text)


def test_undeclared_latin1_body_is_still_read() -> None:
    page = render_question(uid="QANR5L16QE78").replace('<meta charset="utf-8"/>', "")
    result = extract(page.encode("cp1252", "replace"), "https://x/dyn/16/questions/QANR5L16QE78")
    assert isinstance(result, Question) and result.rubrique == "Agriculture"
