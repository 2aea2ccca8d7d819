"""Reparse over a damaged archive: the questions it cannot read back keep every row and
version as they were, and each damaged record is reported with its file and offset."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.warehouse.conftest import rows, uid
from tests.warehouse.replay_story import FakeSite, Snapshot, fixed, reparse, snapshot
from warehouse import packs
from warehouse.archive import RawArchive
from warehouse.db import connect
from warehouse.replay import ReplayResult

Q1 = str(uid(1))


def _record(archive: RawArchive, body: bytes) -> tuple[Path, int, int, int]:
    """Where q1's record of ``body`` is: its pack, header offset, data offset, data length."""
    sha = hashlib.sha256(body).hexdigest()
    pack = archive.pack_path(uid(1))
    with pack.open("rb") as handle:
        for key, at, start, length in packs.walk(handle, 0, pack.stat().st_size):
            if key == (Q1, sha):
                return pack, at, start, length
    raise AssertionError(f"no record of {body!r}")


def _flip_byte(archive: RawArchive) -> int | None:
    pack, _at, start, length = _record(archive, b"C")
    raw = bytearray(pack.read_bytes())
    raw[start + length - 6] ^= 0x01  # inside the gzip trailer's CRC
    pack.write_bytes(bytes(raw))
    return start


def _wrong_digest(archive: RawArchive) -> int | None:
    pack, at, _start, _length = _record(archive, b"C")
    raw = pack.read_bytes()
    sha = hashlib.sha256(b"C").hexdigest().encode()
    wrong = hashlib.sha256(b"not C").hexdigest().encode()
    pack.write_bytes(raw[:at] + raw[at:].replace(sha, wrong, 1))
    return None


def _truncate(archive: RawArchive) -> int | None:
    pack, _at, start, length = _record(archive, b"D broken")  # the pack's last record
    with pack.open("r+b") as handle:
        handle.truncate(start + length // 2)
    return None


def _zero_stretch(archive: RawArchive) -> int | None:
    pack, at, _start, _length = _record(archive, b"C")
    with pack.open("r+b") as handle:
        handle.seek(at - 8)  # the end of the record before, and C's header
        handle.write(bytes(40))
    return None


DAMAGE: dict[str, tuple[Callable[[RawArchive], int | None], int]] = {
    # name: (damage it, damaged raw_pages rows of q1: C is logged twice)
    "flipped byte": (_flip_byte, 2),
    "wrong digest": (_wrong_digest, 2),
    "truncated": (_truncate, 1),
    "zeroed stretch": (_zero_stretch, 3),  # the record before C loses its end too
}


class Damaged(NamedTuple):
    before: Snapshot  # q1's rows before the damage
    after: Snapshot  # and after the reparse
    result: ReplayResult
    offset: int | None  # where the damaged data starts, when the record can still be found
    records: int


@pytest.fixture(params=sorted(DAMAGE))
def damaged(
    request: pytest.FixtureRequest, db_path: Path, archive: RawArchive, site: FakeSite
) -> Damaged:
    """A reparse with a fixed extractor over an archive with one kind of damage to q1."""
    harm, records = DAMAGE[request.param]
    before = snapshot(db_path, f"uid = '{Q1}'")
    offset = harm(archive)
    result = reparse(db_path, RawArchive(archive.root), fixed(site))
    return Damaged(before, snapshot(db_path, f"uid = '{Q1}'"), result, offset, records)


def test_damaged_question_keeps_every_row_and_version(damaged: Damaged) -> None:
    assert damaged.after == damaged.before and damaged.before["question_versions"]


def test_every_damaged_record_is_reported(damaged: Damaged, archive: RawArchive) -> None:
    pack = str(archive.pack_path(uid(1)))
    found = {(d.uid, d.path) for d in damaged.result.damaged}
    assert (found, len(damaged.result.damaged)) == ({(Q1, pack)}, damaged.records)


def test_the_offset_of_a_record_still_found_is_reported(damaged: Damaged) -> None:
    offsets = {d.offset for d in damaged.result.damaged}
    assert offsets == {damaged.offset}


def test_damage_is_recorded_in_the_warehouse(damaged: Damaged, db_path: Path) -> None:
    with connect(db_path) as con:
        listed = rows(con, "SELECT DISTINCT uid, run_id FROM archive_damage")
        count = rows(con, "SELECT count(*) FROM archive_damage")
    assert (listed, count) == ([(Q1, "reparse-test")], [(damaged.records,)])


def test_other_questions_are_rebuilt(damaged: Damaged, db_path: Path) -> None:
    with connect(db_path) as con:
        titles = rows(
            con, "SELECT DISTINCT title LIKE '%(fixed)' FROM question_versions WHERE uid <> ?", Q1
        )
    assert titles == [(True,)]


def test_a_clean_reparse_empties_the_damage_list(
    db_path: Path, archive: RawArchive, site: FakeSite
) -> None:
    _wrong_digest(archive)
    reparse(db_path, RawArchive(archive.root), site.extract)
    RawArchive(archive.root).put(uid(1), b"C")  # the record restored (e.g. from a backup)
    reparse(db_path, RawArchive(archive.root), site.extract)
    with connect(db_path) as con:
        assert rows(con, "SELECT count(*) FROM archive_damage") == [(0,)]
