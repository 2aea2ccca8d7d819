"""Mojibake: UTF-8 text that was decoded as cp1252/latin-1 somewhere upstream.

"député" double-encoded reads "dÃ©putÃ©". :func:`looks_like_mojibake` is a
cheap pre-check on text, :func:`mojibake_bytes` the same check on the UTF-8
bytes of a page (so a page need not be decoded to be checked), and
:func:`repair_mojibake` undoes it sequence by sequence, only where the bytes
decode back to valid UTF-8.
"""

from __future__ import annotations

import re

# Characters a cp1252 (or latin-1) decoder produces for the bytes 0x80-0xFF.
# A UTF-8 lead byte seen through cp1252 is one of Â..ô; a continuation byte is
# one of these. The bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90,
# 0x9D) come through latin-1 as C1 controls, hence \x80-\xbf as well.
_CONT = "\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
# Lead look-alikes accepted: Â Ã (U+0080-U+00FF: é, à, ç, «, nbsp ...), Å (œ, Œ,
# Š), â (U+2000-U+2FFF: ’, “, …, –, €). Others (é, È, Ô ...) are ordinary French
# capitals and lowercase letters too often followed by punctuation to be trusted.
_MOJIBAKE = re.compile(f"[ÂÃÅâ][{_CONT}]{{1,2}}|[ÂÃ](?=[ \t\r\n])")
# The no-break space in "à" (C3 A0) and in " " (C2 A0) is often flattened
# to a plain space after double-encoding: "Ã " is "à ", "Â " is " ". Neither
# Ã nor Â ends a French word, so a lone one before a space is mojibake.
_LONE = {"Ã": "à", "Â": ""}
_TO_BYTE: dict[str, int] = {bytes([b]).decode("latin-1"): b for b in range(0x80, 0x100)}
_TO_BYTE.update({bytes([b]).decode("cp1252", "ignore"): b for b in range(0x80, 0x100)})
_TO_BYTE.pop("", None)  # the five bytes cp1252 leaves undefined decode to nothing


#: What follows "â" in a double-encoded curly quote or dash (â€), € (â‚) or ™ (â„).
_AFTER_A_CIRC = frozenset("€‚„")


def looks_like_mojibake(text: str) -> bool:
    """A cheap pre-check: does ``text`` hold a character that starts mojibake?

    ``Ã`` and ``Â`` never start a French word in mid-text on these pages;
    ``â€`` is how a curly quote or dash looks when double-encoded.
    """
    if "Ã" in text or "Â" in text or "Å" in text:
        return True
    # One-character searches are memchr-fast; look at what follows each "â" only.
    at = text.find("â")
    while at >= 0:
        if text[at + 1 : at + 2] in _AFTER_A_CIRC:
            return True
        at = text.find("â", at + 1)
    return False


def repair_mojibake(text: str) -> str:
    """Undo double-encoded UTF-8 (``"dÃ©putÃ©"`` → ``"député"``).

    Each candidate sequence (a UTF-8 lead byte's cp1252 look-alike followed by
    continuation look-alikes) is turned back into bytes and decoded as UTF-8;
    it is replaced only if that decoding succeeds and yields one character.
    A sequence that does not decode is left alone, so correctly encoded text
    (``"âge"``, ``"Âme"``) is never touched: the repair only happens where
    the text is clearly double-encoded.
    """
    if not looks_like_mojibake(text):
        return text
    return _MOJIBAKE.sub(_fix_sequence, text)


def _fix_sequence(match: re.Match[str]) -> str:
    seq = match.group(0)
    if len(seq) == 1:
        return _LONE[seq]
    # How many continuation bytes the lead byte announces (UTF-8 structure):
    # â is 0xE2, a three-byte lead; Â Ã Å are two-byte leads.
    need = 2 if seq[0] == "â" else 1
    if len(seq) < need + 1:
        return seq
    head, tail = seq[: need + 1], seq[need + 1 :]
    try:
        raw = bytes(_TO_BYTE[ch] for ch in head)
        fixed = raw.decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return seq
    return fixed + (repair_mojibake(tail) if tail else "")


#: :func:`looks_like_mojibake`'s characters in UTF-8 (Ã, Â, Å, and
#: "â" before "€", "‚" or "„"), each with the offset of a byte that is rare in
#: French text: that byte is found with memchr, then the sequence around it checked.
_MOJIBAKE_UTF8 = (
    (b"\xc3\x83", 1),
    (b"\xc3\x82", 1),
    (b"\xc3\x85", 1),
    (b"\xc3\xa2\xe2\x82\xac", 3),
    (b"\xc3\xa2\xe2\x80\x9a", 4),
    (b"\xc3\xa2\xe2\x80\x9e", 4),
)


def mojibake_bytes(data: bytes) -> bool:
    """:func:`looks_like_mojibake` of the UTF-8 text ``data`` encodes, without decoding it."""
    for seq, at in _MOJIBAKE_UTF8:
        rare = seq[at : at + 1]
        pos = data.find(rare)
        while pos >= 0:
            if pos >= at and data.startswith(seq, pos - at):
                return True
            pos = data.find(rare, pos + 1)
    return False
