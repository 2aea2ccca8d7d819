"""The raw archive: every distinct page body received, gzipped, on disk.

Raw first, parse later: the body is saved before it is parsed, so ``anq
reparse`` can re-extract everything without the network. Blobs are
content-addressed (``{sha256}.html.gz`` under the uid's directory), so an
unchanged page is stored once however often it is fetched; ``raw_pages`` in
the warehouse says when each body was seen.

Layout: ``root/{legislature}/{type}/{number // 1000:04d}/{uid}/{sha256}.html.gz``.
Paths are built only from a validated :class:`~extractors.uid.Uid` and a
checked sha256, never from raw strings, so nothing outside those patterns can
reach the filesystem. Writes are atomic (temporary file, then ``os.replace``)
and gzip output is deterministic (``mtime=0``, no file name), so a blob's
bytes depend on the page alone.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import tempfile
from pathlib import Path

from extractors.uid import Uid, make_uid

_SHA256 = re.compile(r"[0-9a-f]{64}")
_SUFFIX = ".html.gz"


class ArchiveCorrupt(RuntimeError):
    """A blob's content does not hash to its name."""


#: gzip level of new blobs. Level 1 compresses a 50 KB page in ~0.6 ms against
#: ~1.4 ms at level 6, for blobs ~20% larger (14 KB vs 12 KB): on a backfill the
#: archive is the pipeline's second-largest CPU cost, so speed wins.
LEVEL = 1


class RawArchive:
    """Content-addressed, gzipped page bodies under ``root``.

    ``fsync=True`` also flushes each blob to disk before it is renamed into
    place (durable across power loss, slower); the default survives a killed
    process, which is what the pipeline guards against.
    """

    def __init__(self, root: Path, *, fsync: bool = False, level: int = LEVEL) -> None:
        self.root = Path(root)
        self.fsync = fsync
        self.level = level

    def path(self, uid: Uid, sha256: str) -> Path:
        """Where the blob of ``uid`` with this sha256 lives (it may not exist)."""
        checked = _checked_uid(uid)
        if not isinstance(sha256, str) or _SHA256.fullmatch(sha256) is None:
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
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
        target = self.path(uid, sha256)
        if target.exists():
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        data = gzip.compress(body, compresslevel=self.level, mtime=0)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                if self.fsync:
                    handle.flush()
                    os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha256

    def has(self, uid: Uid, sha256: str) -> bool:
        """Whether the blob is stored."""
        return self.path(uid, sha256).exists()

    def get(self, uid: Uid, sha256: str) -> bytes:
        """The page body; raises FileNotFoundError if absent, ArchiveCorrupt if altered."""
        body = gzip.decompress(self.path(uid, sha256).read_bytes())
        if hashlib.sha256(body).hexdigest() != sha256:
            raise ArchiveCorrupt(f"{uid}/{sha256}{_SUFFIX}: content does not match its name")
        return body


def _checked_uid(uid: Uid) -> Uid:
    """Re-validate: a ``Uid`` built by hand could hold anything."""
    if not isinstance(uid, Uid):
        raise TypeError(f"expected a Uid (extractors.uid.parse_uid), got {type(uid).__name__}")
    return make_uid(uid.legislature, uid.type, uid.number)
