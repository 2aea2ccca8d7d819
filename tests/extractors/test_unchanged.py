"""The extractor's whole output, pinned: speed work must not change one value.

Every value ``extract`` returns (every field of the :class:`Question`, or the
``NotAQuestion``, or the ``ExtractionError``'s uid, field and message) is
hashed, for each real page of ../shared/an-samples (as bytes and as text) and
for synthetic pages of every template generation (``bench.corpus``: 40 pages of
each legislature 11 to 17, menus and all). The digests below were computed by
the extractor before its speed work of 2026-12-03 (commit fb32c4e); the other
extractor tests check the values themselves, this one that nothing moved.

When a change is *meant* to alter the output, print the new digests with
``uv run python -m tests.extractors.test_unchanged`` and replace them here,
saying why in the commit.
"""

from __future__ import annotations

import hashlib
import random

import pytest

from bench.corpus import Corpus
from extractors import extract
from extractors.model import ExtractionError
from tests.conftest import SAMPLES, sample_path

BASE = "https://www.assemblee-nationale.fr/dyn/{leg}/questions/{uid}"
SAMPLE_PAGES = (
    "QANR5L11QE450", "QANR5L11QG450", "QANR5L11QOSD450", "QANR5L14QE3200", "QANR5L14QG200",
    "QANR5L14QOSD450", "QANR5L16QE200", "QANR5L16QG200", "QANR5L16QOSD350",
)  # fmt: skip
PER_LEGISLATURE = 40

EXPECTED_SAMPLES = {
    "QANR5L11QE450": "e57e6c25956553f2ad63d1ab",
    "QANR5L11QG450": "f2f94ca2017d55c84ace0653",
    "QANR5L11QOSD450": "f0877d3b9bd6c62edd1acfb4",
    "QANR5L14QE3200": "be04b40c16b49c22b53d374d",
    "QANR5L14QG200": "8fb7ee4d03767accabf8f4fa",
    "QANR5L14QOSD450": "e1fff8ee56b9208652b5f26f",
    "QANR5L16QE200": "d3cb335ac00c42ab50c10c58",
    "QANR5L16QG200": "001a3151ca20def6a407ab0f",
    "QANR5L16QOSD350": "742190bd8d687e75ed578b63",
}
EXPECTED_SYNTHETIC = {
    11: "b4db5eb7467207b9da5f63ba",
    12: "828a06cdf72584caca26c747",
    13: "7f6fd4baef67f6771b9b69f6",
    14: "1183c164ff2d05d5497eaaf6",
    15: "c637f9356ae41f862e39abd8",
    16: "acc69e8d69dcfecac5a07c1d",
    17: "21912b95d9e83cc3ea89187f",
}


def outcome(page: str | bytes, url: str) -> str:
    """Everything ``extract`` says about a page, as text."""
    try:
        return repr(extract(page, url))
    except ExtractionError as error:
        return f"ExtractionError({error.uid!r}, {error.field!r}, {str(error)!r})"


def digest(outcomes: list[str]) -> str:
    return hashlib.sha256("\n".join(outcomes).encode()).hexdigest()[:24]


def sample_digest(name: str) -> str:
    raw = (SAMPLES / f"{name}.html").read_bytes()
    url = BASE.format(leg=name[6:8], uid=name)
    return digest([outcome(raw, url), outcome(raw.decode("utf-8", "replace"), url)])


def synthetic_digest(legislature: int) -> str:
    corpus = Corpus(4000)
    uids = [u for u in corpus.uids() if u.startswith(f"QANR5L{legislature}Q")]
    chosen = random.Random(legislature).sample(uids, PER_LEGISLATURE)
    pages = ((uid, corpus.question(uid)[0].encode()) for uid in chosen)
    return digest([outcome(body, BASE.format(leg=legislature, uid=uid)) for uid, body in pages])


@pytest.mark.parametrize("name", SAMPLE_PAGES)
def test_sample_page_output_unchanged(name: str) -> None:
    sample_path(f"{name}.html")
    assert sample_digest(name) == EXPECTED_SAMPLES[name]


@pytest.mark.parametrize("legislature", range(11, 18))
def test_synthetic_pages_output_unchanged(legislature: int) -> None:
    assert synthetic_digest(legislature) == EXPECTED_SYNTHETIC[legislature]


if __name__ == "__main__":
    print({name: sample_digest(name) for name in SAMPLE_PAGES})
    print({leg: synthetic_digest(leg) for leg in range(11, 18)})
