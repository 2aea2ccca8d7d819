"""``anq reparse``: which uids may already have rows in the file being rebuilt.

A replay loads into empty tables, so a page's uid has no row unless one of its
earlier pages loaded, or the open data seeded it. Asking the warehouse for the
prior state of a uid known to have none costs a scan of ``questions`` a batch,
which grows with the corpus; one bit per uid answers instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from extractors.uid import Uid

#: Numbers past this are not given a bit: such a uid always counts as held (looked up).
MAX_NUMBER = 1 << 20


class Held:
    """A bit per (legislature, type, number) that may have rows; a superset, never less."""

    def __init__(self) -> None:
        self._bits: dict[tuple[int, str], bytearray] = {}

    def add(self, uids: Iterable[Uid]) -> None:
        for uid in uids:
            if uid.number >= MAX_NUMBER:
                continue
            bits = self._bits.setdefault((uid.legislature, uid.type), bytearray())
            byte = uid.number >> 3
            if byte >= len(bits):
                bits.extend(bytes(byte + 1 - len(bits) + len(bits) // 2))
            bits[byte] |= 1 << (uid.number & 7)

    def __contains__(self, uid: Uid) -> bool:
        if uid.number >= MAX_NUMBER:
            return True
        bits = self._bits.get((uid.legislature, uid.type))
        byte = uid.number >> 3
        return bits is not None and byte < len(bits) and bool(bits[byte] >> (uid.number & 7) & 1)
