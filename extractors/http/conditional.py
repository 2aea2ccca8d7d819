"""Layer 3 of :class:`extractors.http.client.PoliteClient`: conditional GET.

The validators (ETag, Last-Modified) a site sent, checked before they are
stored and before they go back as ``If-None-Match`` / ``If-Modified-Since``.
"""

from __future__ import annotations

#: Longest validator kept: real ETags and HTTP-dates are well under it.
_MAX_VALIDATOR = 512


def validator(value: str | None) -> str | None:
    """A validator (ETag, Last-Modified) fit to send back, else None.

    Only printable ASCII goes back as a request header: anything else would be
    refused before sending, on every later run, once stored.
    """
    if not value or len(value) > _MAX_VALIDATOR:
        return None
    if not all(" " <= ch <= "~" for ch in value):
        return None
    return value


def conditional(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """The conditional request headers for the validators the caller holds (bad
    ones, stored before they were checked, are left out)."""
    headers = {}
    if etag := validator(etag):
        headers["If-None-Match"] = etag
    if last_modified := validator(last_modified):
        headers["If-Modified-Since"] = last_modified
    return headers
