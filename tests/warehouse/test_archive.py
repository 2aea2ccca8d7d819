"""The raw archive: packs, one copy per body, old per-file blobs, torn writes, validation."""

from __future__ import annotations

import gzip
import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from extractors.uid import Uid, make_uid
from warehouse import packs
from warehouse.archive import ArchiveCorrupt, RawArchive

UID = make_uid(16, "QE", 12345)
NEIGHBOUR = make_uid(16, "QE", 12999)
BODY = "<html>question n°12345 : é</html>".encode()


def test_put_returns_the_sha256_of_the_body(tmp_path: Path) -> None:
    assert RawArchive(tmp_path).put(UID, BODY) == hashlib.sha256(BODY).hexdigest()


def test_put_then_get_gives_the_body_back(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    assert archive.get(UID, archive.put(UID, BODY)) == BODY


def test_bodies_go_to_the_pack_of_their_thousand(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    archive.put(UID, BODY)
    archive.put(NEIGHBOUR, BODY)
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["16/QE/0012.pack"]


def test_another_process_reads_what_was_put(tmp_path: Path) -> None:
    sha = RawArchive(tmp_path).put(UID, BODY)
    assert RawArchive(tmp_path).get(UID, sha) == BODY


def test_one_copy_per_distinct_body(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    archive.put(UID, BODY)
    size = archive.pack_path(UID).stat().st_size
    archive.put(UID, BODY)
    RawArchive(tmp_path).put(UID, BODY)  # a later run, with no index in memory
    assert archive.pack_path(UID).stat().st_size == size


def test_same_body_for_another_uid_is_stored_for_it(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    sha = archive.put(UID, BODY)
    archive.put(NEIGHBOUR, BODY)
    assert RawArchive(tmp_path).get(NEIGHBOUR, sha) == BODY


def test_records_are_deterministic_bytes(tmp_path: Path) -> None:
    RawArchive(tmp_path / "a").put(UID, BODY)
    RawArchive(tmp_path / "b").put(UID, BODY)
    first, second = (RawArchive(tmp_path / d).pack_path(UID).read_bytes() for d in "ab")
    assert first == second


def test_each_record_is_a_plain_gzip_member(tmp_path: Path) -> None:
    """With the header lines known, the data is readable by any gzip tool."""
    archive = RawArchive(tmp_path)
    sha = archive.put(UID, BODY)
    raw = archive.pack_path(UID).read_bytes()
    header = packs.MAGIC + f"{UID} {sha} ".encode()
    assert gzip.decompress(raw[raw.index(b"\n") + 1 :]) == BODY and raw.startswith(header)


def test_threads_putting_at_once_lose_nothing(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path, fsync=True)
    bodies = [BODY + bytes([i]) * 5000 for i in range(40)]
    with ThreadPoolExecutor(8) as pool:
        shas = list(pool.map(lambda body: archive.put(UID, body), bodies))
    fresh = RawArchive(tmp_path)
    assert sorted(fresh.get(UID, sha) for sha in shas) == sorted(bodies)


def test_a_torn_record_is_dropped_and_later_ones_read(tmp_path: Path) -> None:
    """A run killed mid-write leaves half a record; the next run appends after it."""
    archive = RawArchive(tmp_path)
    archive.put(UID, BODY)
    pack = archive.pack_path(UID)
    torn = packs.record(str(UID), "e" * 64, gzip.compress(b"x" * 4000, mtime=0))
    with pack.open("ab") as handle:
        handle.write(torn[: len(torn) // 2])
    later = RawArchive(tmp_path)
    sha = later.put(NEIGHBOUR, b"after the crash")
    fresh = RawArchive(tmp_path)
    assert (fresh.get(UID, hashlib.sha256(BODY).hexdigest()), fresh.get(NEIGHBOUR, sha)) == (
        BODY,
        b"after the crash",
    )


def test_a_torn_record_is_not_found(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    archive.put(UID, BODY)
    torn = packs.record(str(UID), "e" * 64, gzip.compress(b"x" * 4000, mtime=0))
    with archive.pack_path(UID).open("ab") as handle:
        handle.write(torn[:-10])
    assert RawArchive(tmp_path).has(UID, "e" * 64) is False


def test_get_detects_an_altered_record(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    sha = archive.put(UID, BODY)
    pack = archive.pack_path(UID)
    raw = bytearray(pack.read_bytes())
    raw[-12] ^= 0xFF  # inside the deflate data or its CRC
    pack.write_bytes(bytes(raw))
    with pytest.raises(ArchiveCorrupt):
        RawArchive(tmp_path).get(UID, sha)


def test_get_of_an_absent_body_raises_file_not_found(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    archive.put(UID, BODY)
    with pytest.raises(FileNotFoundError):
        archive.get(UID, "f" * 64)


def _legacy_blob(root: Path, uid: Uid, body: bytes) -> str:
    """A body as archives before packs stored it: its own gzip file."""
    sha = hashlib.sha256(body).hexdigest()
    path = RawArchive(root).path(uid, sha)
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(body, mtime=0))
    return sha


def test_bodies_stored_one_file_each_are_still_read(tmp_path: Path) -> None:
    sha = _legacy_blob(tmp_path, UID, BODY)
    assert RawArchive(tmp_path).get(UID, sha) == BODY


def test_a_body_already_in_an_old_file_is_not_packed_again(tmp_path: Path) -> None:
    _legacy_blob(tmp_path, UID, BODY)
    RawArchive(tmp_path).put(UID, BODY)
    assert not RawArchive(tmp_path).pack_path(UID).exists()


def test_legacy_path_is_the_documented_layout(tmp_path: Path) -> None:
    sha = "a" * 64
    expected = tmp_path / "16" / "QE" / "0012" / "QANR5L16QE12345" / f"{sha}.html.gz"
    assert RawArchive(tmp_path).path(UID, sha) == expected


def test_failed_write_raises_and_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(fd: int, data: bytes) -> int:
        raise OSError("disk full")

    monkeypatch.setattr("warehouse.packs.os.write", boom)
    archive = RawArchive(tmp_path)
    with pytest.raises(OSError, match="disk full"):
        archive.put(UID, BODY)
    monkeypatch.undo()
    assert RawArchive(tmp_path).has(UID, hashlib.sha256(BODY).hexdigest()) is False


@pytest.mark.parametrize("sha", ["../../etc/passwd", "A" * 64, "a" * 63, "", "a" * 64 + "/x"])
def test_bad_sha256_never_reaches_the_filesystem(tmp_path: Path, sha: str) -> None:
    with pytest.raises(ValueError, match="sha256"):
        RawArchive(tmp_path).get(UID, sha)


def test_only_uid_objects_are_taken(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        RawArchive(tmp_path).put("QANR5L16QE1", BODY)  # type: ignore[arg-type]


def test_hand_built_uids_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        RawArchive(tmp_path).put(Uid(16, "../QE", 1), BODY)


def test_junk_between_records_is_skipped(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    archive.put(UID, BODY)
    with archive.pack_path(UID).open("ab") as handle:
        handle.write(b"\x00" * 300 + b"ANQPACK1 not a header\n")
    sha = RawArchive(tmp_path).put(NEIGHBOUR, BODY + b"!")
    assert RawArchive(tmp_path).get(NEIGHBOUR, sha) == BODY + b"!"


def test_a_record_seen_half_written_is_found_once_whole(tmp_path: Path) -> None:
    """Another process's append may be read while in progress; it must not be lost."""
    archive = RawArchive(tmp_path)
    archive.put(UID, BODY)
    sha = hashlib.sha256(b"late").hexdigest()
    chunk = packs.record(str(NEIGHBOUR), sha, gzip.compress(b"late", mtime=0))
    pack = archive.pack_path(UID)
    with pack.open("ab") as handle:
        handle.write(chunk[:-5])
        handle.flush()
        assert archive.has(NEIGHBOUR, sha) is False
        handle.write(chunk[-5:])
    assert archive.get(NEIGHBOUR, sha) == b"late"
