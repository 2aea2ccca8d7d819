"""The synthetic corpus of ``bench/``: every page reads back to the values it was made from."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from bench.corpus import Corpus
from bench.corpus_site import CorpusSite
from extractors import extract

CORPUS = Corpus(4000)
# Every 20th uid: 200 pages over every legislature, type and page generation.
SAMPLE = list(CORPUS.uids())[::20]


@pytest.mark.parametrize("uid", SAMPLE)
def test_page_extracts_to_the_values_it_was_rendered_from(uid: str) -> None:
    html, expected = CORPUS.question(uid)
    assert extract(html.encode(), expected.url) == expected


def test_sample_covers_every_generation() -> None:
    shown = {CORPUS.question(uid)[1].template for uid in SAMPLE}
    assert shown == {"fiche", "legacy", "dyn_2017", "dyn_current"}


@pytest.mark.parametrize("uid", SAMPLE[:5])
def test_same_seed_same_bytes(uid: str) -> None:
    assert Corpus(4000).question(uid)[0] == CORPUS.question(uid)[0]


@pytest.mark.parametrize(
    "path",
    [
        f"/dyn/16/questions/QANR5L16QE{CORPUS.counts[(16, 'QE')] + 1}",
        "/dyn/15/questions/QANR5L16QE1",
        "/dyn/16/questions/QANR5L16QE01",
        "/dyn/16/questions/QANR5L16XX1",
        "/robots.txt",
    ],
)
def test_no_page_past_the_last_number_or_off_the_pattern(path: str) -> None:
    assert CORPUS.page(path) is None


@pytest.fixture(scope="module")
def site() -> Iterator[CorpusSite]:
    running = CorpusSite(CORPUS, cache=4)
    with running:
        yield running


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_site_serves_the_rendered_page(site: CorpusSite) -> None:
    status, _, body = _get(f"{site.base_url}/dyn/12/questions/QANR5L12QE3")
    assert (status, body) == (200, CORPUS.page("/dyn/12/questions/QANR5L12QE3"))


def test_site_answers_304_to_the_page_etag(site: CorpusSite) -> None:
    url = f"{site.base_url}/dyn/17/questions/QANR5L17QE2"
    _, headers, _ = _get(url)
    for n in range(1, 10):  # past the LRU's 4 entries: the page is rendered again
        _get(f"{site.base_url}/dyn/13/questions/QANR5L13QE{n}")
    assert _get(url, {"If-None-Match": headers["ETag"]})[0] == 304


def test_site_answers_404_past_the_last_number(site: CorpusSite) -> None:
    last = CORPUS.counts[(14, "QG")]
    assert _get(f"{site.base_url}/dyn/14/questions/QANR5L14QG{last + 1}")[0] == 404
