"""What a request to the site comes back with, as the layers pass it on.

:class:`Answer` (status, headers, body), :class:`Exchange` (one hop after
retries: an answer or why there is none), and :class:`TooLarge`, a refusal
that holds on every run.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes
    #: The body stopped at the cap and is only its first bytes (robots.txt only).
    truncated: bool = False
    http_version: str = "HTTP/1.1"
    reason: str = ""


@dataclass(frozen=True)
class Exchange:
    """One hop after retries: an answer, or the reason there is none."""

    answer: Answer | None
    error: str | None
    attempts: int
    status: int | None
    refused: bool = False


class TooLarge(Exception):
    """Refused for a reason that holds on every run (size, encoding)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
