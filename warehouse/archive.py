"""The raw archive: every distinct page body received, as the response anq saw, on disk.

Raw first, parse later: the body is saved before it is parsed, so ``anq
reparse`` can re-extract everything without the network. Bodies are keyed by
uid and content (sha256), so an unchanged page is stored once however often
it is fetched; ``raw_pages`` in the warehouse says when each body was seen,
and where its record is (``warc_file``, ``warc_offset``, ``warc_length``), so
a read needs no scan.

Layout: one WARC file per 1,000 question numbers,
``root/{legislature}/{type}/{number // 1000:04d}.warc.gz``, one gzipped WARC
``response`` record per body (format in :mod:`warehouse.warc`, appends and
crash handling in :mod:`warehouse.warcfile`); any WARC reader (warcio, pywb)
opens it. Older archives are still read, never written: a body not found in
its WARC file is looked for in the pack that held it before
(``{number // 1000:04d}.pack``, :mod:`warehouse.packs`), then in its own file
(``{number // 1000:04d}/{uid}/{sha256}.html.gz``). Paths are built only from a
validated :class:`~extractors.uid.Uid` and a checked sha256, never from raw
strings.

One :class:`RawArchive` is shared by a run's fetch threads (a lock guards its
index cache) and may be opened by several processes at once (appends are
locked, indexes are refreshed from the file before a body is declared absent).
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from extractors.uid import Uid, make_uid
from warehouse import packs, warc, warcfile
from warehouse.warc import RecordAt, Response

_SHA256 = re.compile(r"[0-9a-f]{64}")
_SUFFIX = ".html.gz"


class ArchiveCorrupt(RuntimeError):
    """A stored body cannot be read back as the page it was stored as.

    ``path`` is the archive file holding it and ``offset`` where its record
    starts (its data, in a pack; None for a file of its own), so a report can
    point at it.
    """

    def __init__(self, uid: str, sha256: str, path: Path, offset: int | None, problem: str):
        where = str(path) if offset is None else f"{path}:{offset}"
        super().__init__(f"{uid}/{sha256} at {where}: {problem}")
        self.uid, self.sha256, self.path, self.offset = uid, sha256, path, offset
        self.problem = problem


@dataclass(frozen=True)
class Stored:
    """A body put in the archive: its sha256, and where its WARC record is.

    ``at`` is None when an archive from before WARC already held the body.
    """

    sha256: str
    at: RecordAt | None


#: gzip level of new records. Level 1 compresses a 50 KB page in ~0.2 ms against
#: ~0.6 ms at level 6, for records ~20% larger (14 KB vs 12 KB): on a backfill
#: the archive is one of the pipeline's larger CPU costs, so speed wins.
LEVEL = 1

#: File indexes kept in memory (an index is ~100 KB per 1,000 bodies).
CACHED_FILES = 16


class _Elsewhere(Exception):
    """The record at a given place is another page's: the place is out of date."""


@dataclass(frozen=True)
class _Thousand:
    """The files of one legislature, type and thousand of numbers."""

    warc: Path
    name: str  # the WARC file relative to the root, as raw_pages gives it
    pack: Path  # before WARC
    own: Path  # the directory of one file per page, before packs


class RawArchive:
    """Content-addressed page bodies under ``root``, as WARC records.

    ``fsync=True`` also flushes each record to disk before ``put`` returns
    (durable across power loss, slower); the default survives a killed
    process, which is what the pipeline guards against.
    """

    def __init__(self, root: Path, *, fsync: bool = False, level: int = LEVEL) -> None:
        self.root = Path(root)
        self.fsync = fsync
        self.level = level
        self._lock = threading.Lock()
        self._indexes: OrderedDict[Path, warcfile.Index] = OrderedDict()
        # Paths are built once per thousand, not per page (pathlib's joins are slow);
        # thousands known to hold nothing from before WARC are not looked at again,
        # since anq no longer writes packs or per-page files.
        self._thousands: dict[tuple[int, str, int], _Thousand] = {}
        self._without_older: set[Path] = set()

    def warc_path(self, uid: Uid) -> Path:
        """The WARC file that holds the bodies of ``uid`` (it may not exist)."""
        return self._thousand(uid).warc

    def pack_path(self, uid: Uid) -> Path:
        """The pack that held the bodies of ``uid`` before WARC (it may not exist)."""
        return self._thousand(uid).pack

    def path(self, uid: Uid, sha256: str) -> Path:
        """Where a body of ``uid`` was stored as its own file, before packs."""
        _checked_sha(sha256)
        return self._thousand(uid).own / str(uid) / f"{sha256}{_SUFFIX}"

    def _thousand(self, uid: Uid) -> _Thousand:
        checked = _checked_uid(uid)
        key = (checked.legislature, checked.type, checked.number // 1000)
        found = self._thousands.get(key)
        if found is None:
            base = f"{key[0]}/{key[1]}/{key[2]:04d}"
            name = base + warcfile.SUFFIX
            found = _Thousand(self.root / name, name, self.root / f"{base}.pack", self.root / base)
            self._thousands[key] = found
        return found

    def put(self, uid: Uid, body: bytes, response: Response) -> Stored:
        """Store ``body`` for ``uid`` unless already there, as ``response``'s record."""
        sha256 = hashlib.sha256(body).hexdigest()
        files, key = self._thousand(uid), (str(uid), sha256)
        with self._lock:
            found = self._located(warcfile.refresh, files.warc, key)
        if found is None and self._in_older(uid, key):
            return Stored(sha256, None)
        if found is None:
            data = warc.member(key[0], sha256, body, response, self.level)  # outside the lock
            with self._lock:
                found = self._append(files.warc, key, data)
        return Stored(sha256, RecordAt(files.name, *found))

    def _append(self, path: Path, key: warc.Key, data: bytes) -> tuple[int, int]:
        """Append a record unless another thread or process stored it (caller holds the lock)."""
        index = self._cached(path)
        try:
            return warcfile.append(path, data, key, index, fsync=self.fsync)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            return warcfile.append(path, data, key, index, fsync=self.fsync)

    def has(self, uid: Uid, sha256: str) -> bool:
        """Whether the body is stored."""
        _checked_sha(sha256)
        key = (str(uid), sha256)
        with self._lock:
            found = self._located(warcfile.refresh, self.warc_path(uid), key)
        return found is not None or self._in_older(uid, key)

    def locate(self, uid: Uid, sha256: str) -> RecordAt | None:
        """Where the body's WARC record is; None if it has none."""
        _checked_sha(sha256)
        files = self._thousand(uid)
        with self._lock:
            found = self._located(warcfile.refresh, files.warc, (str(uid), sha256))
        return None if found is None else RecordAt(files.name, *found)

    def _in_older(self, uid: Uid, key: warc.Key) -> bool:
        """In the pack or the file of its own that held it before WARC."""
        files = self._thousand(uid)
        if files.own in self._without_older:
            return False
        with self._lock:
            if self._located(packs.refresh, files.pack, key) is not None:
                return True
        if self.path(uid, key[1]).exists():
            return True
        if not files.pack.exists() and not files.own.exists():
            self._without_older.add(files.own)
        return False

    def get(self, uid: Uid, sha256: str, at: RecordAt | None = None) -> bytes:
        """The page body; raises FileNotFoundError if absent, ArchiveCorrupt if altered.

        ``at`` is where ``raw_pages`` says its record is: read there first, then
        looked for, should the place be out of date.
        """
        _checked_sha(sha256)
        path, key = self.warc_path(uid), (str(uid), sha256)
        there: ArchiveCorrupt | None = None
        if at is not None and at.file == self._thousand(uid).name and at.offset >= 0:
            try:
                return self._read(path, key, at.offset, at.length)
            except ArchiveCorrupt as err:
                there = err
            except (_Elsewhere, FileNotFoundError):
                pass
        with self._lock:
            found = self._located(warcfile.refresh, path, key)
        if found is not None:
            try:
                return self._read(path, key, *found)
            except _Elsewhere as err:  # the index holds it: only a file rewritten meanwhile
                raise ArchiveCorrupt(*key, path, found[0], "the record is another page's") from err
        if there is not None:
            raise there
        return self._get_older(uid, key)

    def _read(self, path: Path, key: warc.Key, offset: int, length: int) -> bytes:
        """The body the record at ``offset`` holds, if it is ``key``'s and whole."""
        try:
            data = warcfile.read_at(path, offset, length)
        except EOFError as err:
            raise ArchiveCorrupt(*key, path, offset, "the record is cut short") from err
        declared = warc.member_length(data)
        if declared is None:
            raise ArchiveCorrupt(*key, path, offset, "no record starts there")
        if declared != length:
            raise _Elsewhere
        try:
            record = warc.read_record(data)
        except warc.BadRecord as err:
            raise ArchiveCorrupt(*key, path, offset, err.problem) from err
        if record.key != key:
            raise _Elsewhere
        body = record.body()
        if hashlib.sha256(body).hexdigest() != key[1]:
            raise ArchiveCorrupt(*key, path, offset, "content does not match its sha256")
        return body

    def _get_older(self, uid: Uid, key: warc.Key) -> bytes:
        """A body stored before WARC: in its pack, or in a file of its own."""
        pack = self.pack_path(uid)
        with self._lock:
            found = self._located(packs.refresh, pack, key)
        if found is None:
            legacy = self.path(uid, key[1])
            return checked_body(legacy.read_bytes(), *key, legacy, None)
        try:
            data = warcfile.read_at(pack, *found)
        except EOFError as err:
            raise ArchiveCorrupt(*key, pack, found[0], str(err)) from err
        return checked_body(data, *key, pack, found[0])

    def _located(
        self, refresh: Callable[[Path, warcfile.Index], None], path: Path, key: warc.Key
    ) -> tuple[int, int] | None:
        """Where ``key``'s record is in ``path``, re-reading the file's new records if needed.

        The caller holds ``self._lock``.
        """
        index = self._cached(path)
        found = index.entries.get(key)
        if found is None:
            refresh(path, index)
            found = index.entries.get(key)
        return found

    def _cached(self, path: Path) -> warcfile.Index:
        """The index of ``path`` (a WARC file or a pack), the least used one let go."""
        index = self._indexes.get(path)
        if index is None:
            index = self._indexes[path] = warcfile.Index()
            if len(self._indexes) > CACHED_FILES:
                self._indexes.popitem(last=False)
        else:
            self._indexes.move_to_end(path)
        return index


def checked_body(data: bytes, uid: str, sha256: str, path: Path, offset: int | None) -> bytes:
    """The page a record from before WARC holds, once it unzips and hashes to ``sha256``."""
    try:
        body = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as err:
        raise ArchiveCorrupt(uid, sha256, path, offset, f"cannot unzip: {err}") from err
    if hashlib.sha256(body).hexdigest() != sha256:
        raise ArchiveCorrupt(uid, sha256, path, offset, "content does not match its sha256")
    return body


def _checked_sha(sha256: str) -> None:
    if not isinstance(sha256, str) or _SHA256.fullmatch(sha256) is None:
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")


def _checked_uid(uid: Uid) -> Uid:
    """Re-validate: a ``Uid`` built by hand could hold anything."""
    if not isinstance(uid, Uid):
        raise TypeError(f"expected a Uid (extractors.uid.parse_uid), got {type(uid).__name__}")
    return make_uid(uid.legislature, uid.type, uid.number)
