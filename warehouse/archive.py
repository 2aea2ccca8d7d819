"""The raw archive: every distinct page body received, gzipped, on disk.

Raw first, parse later: the body is saved before it is parsed, so ``anq
reparse`` can re-extract everything without the network. Bodies are keyed by
uid and content (sha256), so an unchanged page is stored once however often
it is fetched; ``raw_pages`` in the warehouse says when each body was seen.

Layout: one append-only pack per 1,000 question numbers,
``root/{legislature}/{type}/{number // 1000:04d}.pack`` (format and crash
handling in :mod:`warehouse.packs`). Archives written before packs, one file
per body at ``root/{legislature}/{type}/{number // 1000:04d}/{uid}/{sha256}.html.gz``,
are still read: a body not found in its pack is looked for there. Paths are
built only from a validated :class:`~extractors.uid.Uid` and a checked
sha256, never from raw strings. gzip output is deterministic (``mtime=0``,
no file name), so a record's bytes depend on the page alone.

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
from pathlib import Path

from extractors.uid import Uid, make_uid
from warehouse import packs

_SHA256 = re.compile(r"[0-9a-f]{64}")
_SUFFIX = ".html.gz"


class ArchiveCorrupt(RuntimeError):
    """A stored body cannot be read back as the page it was stored as.

    ``path`` is the archive file holding it and ``offset`` where its data
    starts in a pack (None for a file of its own), so a report can point at it.
    """

    def __init__(self, uid: str, sha256: str, path: Path, offset: int | None, problem: str):
        where = str(path) if offset is None else f"{path}:{offset}"
        super().__init__(f"{uid}/{sha256} at {where}: {problem}")
        self.uid, self.sha256, self.path, self.offset = uid, sha256, path, offset
        self.problem = problem


#: gzip level of new records. Level 1 compresses a 50 KB page in ~0.2 ms against
#: ~0.6 ms at level 6, for records ~20% larger (14 KB vs 12 KB): on a backfill
#: the archive is one of the pipeline's larger CPU costs, so speed wins.
LEVEL = 1

#: Pack indexes kept in memory (a pack's index is ~100 KB per 1,000 bodies).
CACHED_PACKS = 16


class RawArchive:
    """Content-addressed, gzipped page bodies under ``root``.

    ``fsync=True`` also flushes each record to disk before ``put`` returns
    (durable across power loss, slower); the default survives a killed
    process, which is what the pipeline guards against.
    """

    def __init__(self, root: Path, *, fsync: bool = False, level: int = LEVEL) -> None:
        self.root = Path(root)
        self.fsync = fsync
        self.level = level
        self._lock = threading.Lock()
        self._indexes: OrderedDict[Path, packs.PackIndex] = OrderedDict()

    def pack_path(self, uid: Uid) -> Path:
        """The pack that holds the bodies of ``uid`` (it may not exist)."""
        checked = _checked_uid(uid)
        group = self.root / str(checked.legislature) / checked.type
        return group / f"{checked.number // 1000:04d}.pack"

    def path(self, uid: Uid, sha256: str) -> Path:
        """Where a body of ``uid`` was stored as its own file, before packs."""
        checked = _checked_uid(uid)
        _checked_sha(sha256)
        return (
            self.root
            / str(checked.legislature)
            / checked.type
            / f"{checked.number // 1000:04d}"
            / str(checked)
            / f"{sha256}{_SUFFIX}"
        )

    def put(self, uid: Uid, body: bytes) -> str:
        """Store ``body`` for ``uid`` unless already there; return its sha256 (hex)."""
        sha256 = hashlib.sha256(body).hexdigest()
        pack, key = self.pack_path(uid), (str(uid), sha256)
        if self._stored(uid, pack, key):
            return sha256
        data = gzip.compress(body, compresslevel=self.level, mtime=0)  # outside the lock
        chunk = packs.record(key[0], sha256, data)
        with self._lock:
            if self._located(pack, key) is None:  # not stored by another thread meanwhile
                self._append(pack, key, chunk, len(data))
        return sha256

    def _append(self, pack: Path, key: tuple[str, str], chunk: bytes, length: int) -> None:
        """Append a record and note it in the pack's index (the caller holds the lock)."""
        try:
            end = packs.append(pack, chunk, fsync=self.fsync)
        except FileNotFoundError:
            pack.parent.mkdir(parents=True, exist_ok=True)
            end = packs.append(pack, chunk, fsync=self.fsync)
        index = self._indexes.get(pack)
        if index is not None and index.scanned_to == end - len(chunk):
            index.entries.setdefault(key, (end - length, length))
            index.scanned_to = end

    def has(self, uid: Uid, sha256: str) -> bool:
        """Whether the body is stored."""
        _checked_sha(sha256)
        return self._stored(uid, self.pack_path(uid), (str(uid), sha256))

    def _stored(self, uid: Uid, pack: Path, key: tuple[str, str]) -> bool:
        """In its pack, or in a file of its own from before packs."""
        with self._lock:
            if self._located(pack, key) is not None:
                return True
        return self.path(uid, key[1]).exists()

    def get(self, uid: Uid, sha256: str) -> bytes:
        """The page body; raises FileNotFoundError if absent, ArchiveCorrupt if altered."""
        _checked_sha(sha256)
        pack = self.pack_path(uid)
        with self._lock:
            found = self._located(pack, (str(uid), sha256))
        if found is None:
            legacy = self.path(uid, sha256)
            return checked_body(legacy.read_bytes(), str(uid), sha256, legacy, None)
        try:
            data = packs.read_data(pack, *found)
        except EOFError as err:
            raise ArchiveCorrupt(str(uid), sha256, pack, found[0], str(err)) from err
        return checked_body(data, str(uid), sha256, pack, found[0])

    def _located(self, pack: Path, key: tuple[str, str]) -> tuple[int, int] | None:
        """Where ``key``'s data is in ``pack``, re-reading the pack's new records if needed.

        The caller holds ``self._lock``.
        """
        index = self._indexes.get(pack)
        if index is None:
            index = self._indexes[pack] = packs.PackIndex()
            if len(self._indexes) > CACHED_PACKS:
                self._indexes.popitem(last=False)
        else:
            self._indexes.move_to_end(pack)
        found = index.entries.get(key)
        if found is None:
            packs.refresh(pack, index)
            found = index.entries.get(key)
        return found


def checked_body(data: bytes, uid: str, sha256: str, path: Path, offset: int | None) -> bytes:
    """The page a stored record holds, once it unzips and hashes to ``sha256``."""
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
