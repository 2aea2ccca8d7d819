"""Reading an archive's members: both layouts, bad members recorded, other layouts refused."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from extractors.opendata import ArchiveFormatError, iter_records
from extractors.opendata import members as m
from tests.opendata.dump import zip_files, zip_list

RECORDS = [{"question": {"uid": f"QANR5L15QE{n}"}} for n in range(1, 6)]


def _uids(body: bytes) -> list[str | None]:
    out = []
    for item in iter_records(io.BytesIO(body)):
        out.append(item.data["question"]["uid"] if item.data is not None else item.error)
    return out


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, raw in members.items():
            zf.writestr(name, raw)
    return out.getvalue()


WANT = [f"QANR5L15QE{n}" for n in range(1, 6)]
WRAPPED = {"questionsEcrites": {"question": [r["question"] for r in RECORDS]}}


@pytest.mark.parametrize(
    "body",
    [zip_files(RECORDS), zip_list(RECORDS),
     _zip({"Q.json": json.dumps(WRAPPED).encode()}),
     _zip({"Q.json": b"\xef\xbb\xbf  \n" + json.dumps(RECORDS).encode()})],
    ids=["one-file-per-record", "list", "wrapped-list", "list-with-bom"],
)  # fmt: skip
def test_every_layout_gives_every_record(body: bytes) -> None:
    assert _uids(body) == WANT


def test_a_list_is_read_in_chunks_smaller_than_a_record(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(m, "CHUNK", 7)
    assert _uids(zip_list(RECORDS)) == WANT


def test_a_broken_member_is_one_failed_item_and_the_rest_follow() -> None:
    body = _zip({"a.json": json.dumps(RECORDS[0]).encode(), "b.json": b'{"question": {',
                 "c.json": json.dumps(RECORDS[1]).encode()})  # fmt: skip
    uids = _uids(body)
    assert (uids[0], uids[1].startswith("invalid JSON"), uids[2]) == (WANT[0], True, WANT[1])


def test_a_truncated_list_ends_with_a_failed_item() -> None:
    body = _zip({"Q.json": json.dumps(RECORDS).encode()[:-30]})
    uids = _uids(body)
    assert uids[:-1] == WANT[: len(uids) - 1] and uids[-1].startswith("invalid JSON")


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"not a zip at all", "not a zip archive"),
     (_zip({"x.json": b"42"}), "neither a record nor a list"),
     (_zip({"x.json": b'{"a": 1, "b": 2}'}), "neither a record nor a list")],
)  # fmt: skip
def test_other_layouts_are_refused(body: bytes, reason: str) -> None:
    with pytest.raises(ArchiveFormatError, match=reason):
        list(iter_records(io.BytesIO(body)))
