"""Layers 1 and 8 of :class:`extractors.http.client.PoliteClient`: staying on the site.

The path check (:func:`site_url`) and which redirects are followed
(:func:`redirect_error`): only the site's own scheme, host and port.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from extractors.http.answer import Answer


def site_url(base_url: str, host: str, path: str) -> str | None:
    """The absolute URL of a site path, or None for anything that could leave the site."""
    if not path.startswith("/") or path.startswith("//"):
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in path):
        return None
    url = base_url + path
    return url if (urlsplit(url).hostname or "").lower() == host else None


def url_origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in; None if unreadable."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return (parts.scheme, "", None)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return (parts.scheme, (parts.hostname or "").lower(), port or default)


def redirect_error(answer: Answer, target: str, site: tuple[str, str, int | None]) -> str | None:
    """Why a redirect to ``target`` is not followed, or None to follow it: only the
    site's own scheme, host and port (no downgrade to http, no other service)."""
    if "location" not in answer.headers:
        return f"HTTP {answer.status} without Location"
    scheme, host, port = url_origin(target)
    if scheme not in ("http", "https") or host != site[1]:
        return f"redirect to another host refused: {host or target[:200]}"
    if (scheme, port) != (site[0], site[2]):
        return f"redirect to another origin refused: {scheme}://{host}:{port}"
    return None
