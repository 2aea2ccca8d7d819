"""What became of one page: :class:`FetchResult`, the only thing
:meth:`extractors.http.client.PoliteClient.fetch` returns, and how an answer
or a failure becomes one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from extractors.http.answer import Answer
from extractors.http.conditional import validator

Outcome = Literal["ok", "not_modified", "not_found", "failed"]

_GONE = frozenset({404, 410})


@dataclass(frozen=True)
class FetchResult:
    """What became of one page: see ``outcome``; ``error`` is set whenever it failed."""

    url: str
    final_url: str
    status: int | None
    body: bytes | None
    etag: str | None
    last_modified: str | None
    error: str | None
    attempts: int
    #: True when the client itself declined, for a reason that holds on every run:
    #: a path off the site, robots.txt, a redirect to another host, the body cap.
    refused: bool = False
    #: The answer's status line and headers as received (names as sent), so the
    #: page can be archived as the response it was.
    http_version: str = "HTTP/1.1"
    reason: str = ""
    headers: tuple[tuple[bytes, bytes], ...] = ()

    @property
    def outcome(self) -> Outcome:
        """``ok`` (200), ``not_modified`` (304), ``not_found`` (404, 410), else ``failed``."""
        if self.error is not None:
            return "failed"
        if self.status == 200:
            return "ok"
        if self.status == 304:
            return "not_modified"
        if self.status in _GONE:
            return "not_found"
        return "failed"


def _result(
    url: str, final: str, answer: Answer, attempts: int, etag: str | None, lm: str | None
) -> FetchResult:
    """The page's answer as a FetchResult (200, 304, 404/410, or another 4xx/3xx: failed)."""
    status, headers = answer.status, answer.headers
    plain = FetchResult(
        url,
        final,
        status,
        None,
        None,
        None,
        None,
        attempts,
        http_version=answer.http_version,
        reason=answer.reason,
        headers=tuple(headers.raw),
    )
    # Validators are checked before they are stored: a bad one is dropped, not kept.
    new_etag, new_lm = validator(headers.get("etag")), validator(headers.get("last-modified"))
    if status == 200:
        return replace(plain, body=answer.body, etag=new_etag, last_modified=new_lm)
    if status == 304:  # keep the caller's validators unless the server sent fresh ones
        kept_etag, kept_lm = new_etag or validator(etag), new_lm or validator(lm)
        return replace(plain, etag=kept_etag, last_modified=kept_lm)
    if status in _GONE:
        return plain
    return replace(plain, error=f"HTTP {status}")


def _failed(
    url: str,
    final: str,
    status: int | None,
    error: str | None,
    attempts: int,
    *,
    refused: bool = False,
) -> FetchResult:
    return FetchResult(url, final, status, None, None, None, error or "failed", attempts, refused)
