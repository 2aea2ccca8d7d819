"""Archives as anq wrote them before WARC, for the tests that read them: packs, and one
gzip file per body. Built here byte for byte, independently of the code that reads them."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from extractors.uid import Uid
from warehouse.archive import RawArchive, Stored
from warehouse.warc import Response

#: A pack of two records (QANR5L16QE12345, then QANR5L16QE12999) as anq wrote it.
PACK = (
    b"ANQPACK1 QANR5L16QE12345 90c89e09eba937a101ed6a26004ead7c5dd2763d3e108196c3e4137a01c63e6c"
    b" 42\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x04\x03\xb3\xc9(\xc9\xcd\xb1\xcb\xcfIQ(HL\xce\xb6R8"
    b"\xbc\xd2F\x1f,\x04\x00\xfc\xbc\xe9\xc9\x19\x00\x00\x00"
    b"ANQPACK1 QANR5L16QE12999 8e33e00240483601c9906cd6f44035deda941c2c81625458d1bb0e277bce0daf"
    b" 35\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x04\x03\xb3\xc9(\xc9\xcd\xb1+NM\xce\xcfK\xb1\xd1\x07"
    b"s\x00\x0bk\xb9\xbd\x13\x00\x00\x00"
)
PACKED = {
    "QANR5L16QE12345": "<html>old pack: é</html>".encode(),
    "QANR5L16QE12999": b"<html>second</html>",
}


def pack_record(uid: str, sha256: str, body: bytes) -> bytes:
    """One pack record: the header line, then the body gzipped (level 1, mtime 0)."""
    data = gzip.compress(body, compresslevel=1, mtime=0)
    return b"ANQPACK1 %s %s %d\n" % (uid.encode(), sha256.encode(), len(data)) + data


class PackWriter:
    """Stores as the pack archive did: one pack per thousand numbers, each body once."""

    def __init__(self, root: Path) -> None:
        self.archive = RawArchive(root)
        self.written: set[tuple[str, str]] = set()

    def put(self, uid: Uid, body: bytes, response: Response) -> Stored:
        sha = hashlib.sha256(body).hexdigest()
        if (str(uid), sha) not in self.written:
            self.written.add((str(uid), sha))
            path = self.archive.pack_path(uid)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab") as handle:
                handle.write(pack_record(str(uid), sha, body))
        return Stored(sha, None)


class OwnFileWriter:
    """Stores as the first archive did: ``{thousand}/{uid}/{sha256}.html.gz``."""

    def __init__(self, root: Path) -> None:
        self.archive = RawArchive(root)

    def put(self, uid: Uid, body: bytes, response: Response) -> Stored:
        sha = hashlib.sha256(body).hexdigest()
        path = self.archive.path(uid, sha)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(body, mtime=0))
        return Stored(sha, None)


class UpgradedWriter:
    """Packs for the first ``before`` pages, then the WARC archive: an archive upgraded mid-way."""

    def __init__(self, root: Path, before: int = 5) -> None:
        self.older, self.archive, self.left = PackWriter(root), RawArchive(root), before

    def put(self, uid: Uid, body: bytes, response: Response) -> Stored:
        self.left -= 1
        if self.left >= 0:
            return self.older.put(uid, body, response)
        return self.archive.put(uid, body, response)
