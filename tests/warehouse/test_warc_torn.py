"""Crash safety of WARC appends: a torn last record is skipped, the next append cuts it so
the file reads whole again, and processes appending at once interleave nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from extractors.uid import make_uid
from warehouse import warc
from warehouse.archive import RawArchive
from warehouse.verify import verify_archive

UID = make_uid(16, "QE", 12345)
AT = dt.datetime(2026, 3, 1, 12, 0)
BODY = b"<html>whole</html>"
TORN = b"<html>" + b"torn " * 2000 + b"</html>"


def _answer(n: int = 0) -> warc.Response:
    return warc.Response(f"https://an.example/q/{n}", AT, 200, "OK")


def _torn_tail(root: Path, cut: float) -> Path:
    """A whole record, then a record cut at ``cut`` of its length (a process killed mid-write)."""
    archive = RawArchive(root)
    archive.put(UID, BODY, _answer())
    data = warc.member(str(UID), hashlib.sha256(TORN).hexdigest(), TORN, _answer(1), level=1)
    path = archive.warc_path(UID)
    with path.open("ab") as handle:
        handle.write(data[: int(len(data) * cut)])
    return path


def _bodies(path: Path) -> list[bytes]:
    with path.open("rb") as stream:
        return [record.content_stream().read() for record in ArchiveIterator(stream)]


CUTS = [0.01, 0.5, 0.99]


@pytest.mark.parametrize("cut", CUTS)
def test_a_torn_record_is_not_found(tmp_path: Path, cut: float) -> None:
    _torn_tail(tmp_path, cut)
    assert RawArchive(tmp_path).has(UID, hashlib.sha256(TORN).hexdigest()) is False


@pytest.mark.parametrize("cut", CUTS)
def test_records_before_a_torn_one_read(tmp_path: Path, cut: float) -> None:
    _torn_tail(tmp_path, cut)
    assert RawArchive(tmp_path).get(UID, hashlib.sha256(BODY).hexdigest()) == BODY


@pytest.mark.parametrize("cut", CUTS)
def test_the_next_append_cuts_the_torn_record(tmp_path: Path, cut: float) -> None:
    path = _torn_tail(tmp_path, cut)
    RawArchive(tmp_path).put(UID, b"<html>after the crash</html>", _answer(2))
    assert _bodies(path) == [BODY, b"<html>after the crash</html>"]


@pytest.mark.parametrize("cut", CUTS)
def test_the_record_after_the_crash_starts_where_the_torn_one_did(
    tmp_path: Path, cut: float
) -> None:
    _torn_tail(tmp_path, cut)
    first = RawArchive(tmp_path).locate(UID, hashlib.sha256(BODY).hexdigest())
    after = RawArchive(tmp_path).put(UID, b"<html>after</html>", _answer(2)).at
    assert first is not None and after is not None
    assert after.offset == first.offset + first.length


def test_the_torn_page_put_again_is_stored_whole(tmp_path: Path) -> None:
    """The run that was killed fetches the page again: it is stored, and reads back."""
    _torn_tail(tmp_path, 0.5)
    sha = RawArchive(tmp_path).put(UID, TORN, _answer(1)).sha256
    assert RawArchive(tmp_path).get(UID, sha) == TORN


def test_verify_lists_a_torn_tail_as_a_stretch(tmp_path: Path) -> None:
    path = _torn_tail(tmp_path, 0.5)
    report = verify_archive(tmp_path)
    assert ([f.path for f in report.stretches], report.damaged) == ([str(path)], [])


def _put_many(root: Path, worker: int, count: int) -> None:
    archive = RawArchive(root)
    for i in range(count):
        archive.put(UID, b"<html>%d/%d</html>" % (worker, i) + b" " * 3000, _answer(i))


def test_processes_appending_at_once_interleave_nothing(tmp_path: Path) -> None:
    spawn = multiprocessing.get_context("spawn")
    workers = [spawn.Process(target=_put_many, args=(tmp_path, w, 60)) for w in range(3)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(120)
    bodies = _bodies(RawArchive(tmp_path).warc_path(UID))
    assert ([p.exitcode for p in workers], len(bodies), len(set(bodies))) == ([0, 0, 0], 180, 180)


def test_processes_putting_the_same_pages_store_each_once(tmp_path: Path) -> None:
    spawn = multiprocessing.get_context("spawn")
    workers = [spawn.Process(target=_put_many, args=(tmp_path, 0, 60)) for _ in range(3)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(120)
    assert len(_bodies(RawArchive(tmp_path).warc_path(UID))) == 60
