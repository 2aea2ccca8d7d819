"""The raw archive: WARC files per thousand, one record per body, torn writes, validation."""

from __future__ import annotations

import datetime as dt
import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from extractors.uid import Uid, make_uid
from warehouse import warc, warcfile
from warehouse.archive import ArchiveCorrupt, RawArchive

UID = make_uid(16, "QE", 12345)
NEIGHBOUR = make_uid(16, "QE", 12999)
BODY = "<html>question n°12345 : é</html>".encode()
AT = dt.datetime(2026, 3, 1, 12, 0, 0)


def answer(uid: Uid = UID, at: dt.datetime = AT) -> warc.Response:
    return warc.Response(f"https://an.example{uid.path()}", at, 200, "OK")


def put(archive: RawArchive, uid: Uid, body: bytes) -> str:
    return archive.put(uid, body, answer(uid)).sha256


def test_put_returns_the_sha256_of_the_body(tmp_path: Path) -> None:
    assert put(RawArchive(tmp_path), UID, BODY) == hashlib.sha256(BODY).hexdigest()


def test_put_then_get_gives_the_body_back(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    assert archive.get(UID, put(archive, UID, BODY)) == BODY


def test_bodies_go_to_the_warc_file_of_their_thousand(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    put(archive, UID, BODY)
    put(archive, NEIGHBOUR, BODY)
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["16/QE/0012.warc.gz"]


def test_put_says_where_each_record_is(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    stored = [archive.put(UID, BODY, answer()), archive.put(NEIGHBOUR, BODY, answer(NEIGHBOUR))]
    spans = [(s.at.file, s.at.offset, s.at.offset + s.at.length) for s in stored if s.at]
    size, name = archive.warc_path(UID).stat().st_size, "16/QE/0012.warc.gz"
    assert spans == [(name, 0, spans[0][2]), (name, spans[0][2], size)]


def test_another_process_reads_what_was_put(tmp_path: Path) -> None:
    sha = put(RawArchive(tmp_path), UID, BODY)
    assert RawArchive(tmp_path).get(UID, sha) == BODY


def test_one_record_per_distinct_body(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    put(archive, UID, BODY)
    size = archive.warc_path(UID).stat().st_size
    archive.put(UID, BODY, answer(at=AT + dt.timedelta(days=1)))
    put(RawArchive(tmp_path), UID, BODY)  # a later run, with no index in memory
    assert archive.warc_path(UID).stat().st_size == size


def test_a_body_seen_again_gives_the_place_of_its_first_record(tmp_path: Path) -> None:
    first = RawArchive(tmp_path).put(UID, BODY, answer())
    again = RawArchive(tmp_path).put(UID, BODY, answer(at=AT + dt.timedelta(days=1)))
    assert again == first


def test_same_body_for_another_uid_is_stored_for_it(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    sha = put(archive, UID, BODY)
    put(archive, NEIGHBOUR, BODY)
    assert RawArchive(tmp_path).get(NEIGHBOUR, sha) == BODY


def test_records_are_deterministic_bytes(tmp_path: Path) -> None:
    put(RawArchive(tmp_path / "a"), UID, BODY)
    put(RawArchive(tmp_path / "b"), UID, BODY)
    first, second = (RawArchive(tmp_path / d).warc_path(UID).read_bytes() for d in "ab")
    assert first == second


def test_threads_putting_at_once_lose_nothing(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path, fsync=True)
    bodies = [BODY + bytes([i]) * 5000 for i in range(40)]
    with ThreadPoolExecutor(8) as pool:
        shas = list(pool.map(lambda body: put(archive, UID, body), bodies))
    fresh = RawArchive(tmp_path)
    assert sorted(fresh.get(UID, sha) for sha in shas) == sorted(bodies)


def test_get_detects_an_altered_record(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    sha = put(archive, UID, BODY)
    path = archive.warc_path(UID)
    raw = bytearray(path.read_bytes())
    raw[-12] ^= 0xFF  # inside the deflate data or its CRC
    path.write_bytes(bytes(raw))
    with pytest.raises(ArchiveCorrupt):
        RawArchive(tmp_path).get(UID, sha)


def test_get_of_an_absent_body_raises_file_not_found(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    put(archive, UID, BODY)
    with pytest.raises(FileNotFoundError):
        archive.get(UID, "f" * 64)


def test_failed_write_raises_and_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(fd: int, data: bytes) -> int:
        raise OSError("disk full")

    monkeypatch.setattr("warehouse.warcfile.os.write", boom)
    archive = RawArchive(tmp_path)
    with pytest.raises(OSError, match="disk full"):
        put(archive, UID, BODY)
    monkeypatch.undo()
    assert RawArchive(tmp_path).has(UID, hashlib.sha256(BODY).hexdigest()) is False


@pytest.mark.parametrize("sha", ["../../etc/passwd", "A" * 64, "a" * 63, "", "a" * 64 + "/x"])
def test_bad_sha256_never_reaches_the_filesystem(tmp_path: Path, sha: str) -> None:
    with pytest.raises(ValueError, match="sha256"):
        RawArchive(tmp_path).get(UID, sha)


def test_only_uid_objects_are_taken(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        RawArchive(tmp_path).put("QANR5L16QE1", BODY, answer())  # type: ignore[arg-type]


def test_hand_built_uids_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        RawArchive(tmp_path).put(Uid(16, "../QE", 1), BODY, answer())


def test_a_record_seen_half_written_is_found_once_whole(tmp_path: Path) -> None:
    """Another process's append may be read while in progress; it must not be lost."""
    archive = RawArchive(tmp_path)
    put(archive, UID, BODY)
    sha = hashlib.sha256(b"late").hexdigest()
    data = warc.member(str(NEIGHBOUR), sha, b"late", answer(NEIGHBOUR), level=1)
    with archive.warc_path(UID).open("ab") as handle:
        handle.write(data[:-5])
        handle.flush()
        assert archive.has(NEIGHBOUR, sha) is False
        handle.write(data[-5:])
    assert archive.get(NEIGHBOUR, sha) == b"late"


def test_junk_between_records_is_skipped(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    put(archive, UID, BODY)
    path = archive.warc_path(UID)
    later = warc.member(str(NEIGHBOUR), hashlib.sha256(b"!").hexdigest(), b"!", answer(), 1)
    with path.open("ab") as handle:
        handle.write(b"\x00" * 300 + warc.MARK + b"junk" + later)
    index = warcfile.Index()
    warcfile.refresh(path, index)
    assert sorted(uid for uid, _sha in index.entries) == [str(UID), str(NEIGHBOUR)]
