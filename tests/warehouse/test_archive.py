"""The raw archive: layout, one copy per body, atomic writes, validation."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from extractors.uid import Uid, make_uid
from warehouse.archive import ArchiveCorrupt, RawArchive

UID = make_uid(16, "QE", 12345)
BODY = "<html>question n°12345 : é</html>".encode()


def test_put_writes_the_documented_layout(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    sha = archive.put(UID, BODY)
    assert sha == hashlib.sha256(BODY).hexdigest()
    expected = tmp_path / "16" / "QE" / "0012" / "QANR5L16QE12345" / f"{sha}.html.gz"
    assert expected.is_file()
    assert gzip.decompress(expected.read_bytes()) == BODY
    assert archive.get(UID, sha) == BODY


def test_one_copy_per_distinct_body_and_deterministic_bytes(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    sha = archive.put(UID, BODY)
    blob = archive.path(UID, sha)
    first = blob.read_bytes()
    blob.touch()
    assert archive.put(UID, BODY) == sha
    assert blob.read_bytes() == first
    other = RawArchive(tmp_path / "other")
    assert other.path(UID, other.put(UID, BODY)).read_bytes() == first
    assert sorted(p.name for p in blob.parent.iterdir()) == [blob.name]


def test_no_temporary_file_is_left_behind(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path, fsync=True)
    for i in range(5):
        archive.put(UID, BODY + bytes([i]))
    names = [p.name for p in archive.path(UID, "0" * 64).parent.iterdir()]
    assert len(names) == 5
    assert not [n for n in names if n.startswith(".tmp-")]


def test_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = RawArchive(tmp_path)

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("warehouse.archive.os.replace", boom)
    with pytest.raises(OSError):
        archive.put(UID, BODY)
    directory = archive.path(UID, "0" * 64).parent
    assert list(directory.iterdir()) == []


@pytest.mark.parametrize("sha", ["../../etc/passwd", "A" * 64, "a" * 63, "", "a" * 64 + "/x"])
def test_bad_sha256_never_reaches_the_filesystem(tmp_path: Path, sha: str) -> None:
    with pytest.raises(ValueError, match="sha256"):
        RawArchive(tmp_path).get(UID, sha)


def test_only_validated_uids_build_paths(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    with pytest.raises(TypeError):
        archive.put("QANR5L16QE1", BODY)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        archive.put(Uid(16, "../QE", 1), BODY)


def test_get_detects_an_altered_blob(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    sha = archive.put(UID, BODY)
    archive.path(UID, sha).write_bytes(gzip.compress(b"something else"))
    with pytest.raises(ArchiveCorrupt):
        archive.get(UID, sha)
    with pytest.raises(FileNotFoundError):
        archive.get(UID, "f" * 64)
