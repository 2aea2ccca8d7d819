"""PoliteClient's answers against the real loopback site: outcomes, validators,
redirects, the body cap, paths, User-Agent and counters."""

from __future__ import annotations

import importlib.metadata

import pytest

from extractors.http.client import DEFAULT_UA, PoliteClient
from tests.fetch.conftest import ClientFactory
from tests.support.siteserver import Fault, SiteServer, etag_for


def test_ok_returns_body_and_validators(site: SiteServer, make_client: ClientFactory) -> None:
    result = make_client().fetch("/p")
    assert result.outcome == "ok"
    assert result.body == b"<html>page</html>"
    assert result.etag == etag_for(b"<html>page</html>")
    assert result.last_modified is not None and result.last_modified.endswith("GMT")
    assert (result.url, result.final_url) == (site.base_url + "/p", site.base_url + "/p")
    assert (result.status, result.error, result.attempts, result.refused) == (200, None, 1, False)


@pytest.mark.parametrize(
    ("field", "expected"),
    [("http_version", "HTTP/1.1"), ("reason", "OK"), ("content-type", "text/html; charset=utf-8")],
)
def test_ok_keeps_the_status_line_and_headers_as_received(
    make_client: ClientFactory, field: str, expected: str
) -> None:
    """What the archive records of the response besides its body."""
    result = make_client().fetch("/p")
    found = {name.decode().lower(): value.decode() for name, value in result.headers}
    found.update(http_version=result.http_version, reason=result.reason)
    assert found[field] == expected


def test_user_agent_names_anq_version_and_contact(
    site: SiteServer, make_client: ClientFactory
) -> None:
    make_client().fetch("/p")
    assert {r.headers["user-agent"] for r in site.requests} == {DEFAULT_UA}
    version = importlib.metadata.version("anq")
    assert DEFAULT_UA.startswith("anq/" + ".".join(version.split(".")[:2]) + " (+https://")


def test_404_is_not_found_and_never_retried(site: SiteServer, make_client: ClientFactory) -> None:
    result = make_client().fetch("/missing")
    assert (result.outcome, result.status, result.error, result.attempts) == (
        "not_found",
        404,
        None,
        1,
    )
    assert site.count(path="/missing") == 1


def test_410_gone_is_not_found(site: SiteServer, make_client: ClientFactory) -> None:
    site.add_fault(Fault.status(410), pattern="/p")
    assert make_client().fetch("/p").outcome == "not_found"


@pytest.mark.parametrize("code", [400, 403, 451])
def test_other_4xx_fail_without_retry(
    code: int, site: SiteServer, make_client: ClientFactory
) -> None:
    site.add_fault(Fault.status(code), pattern="/p")
    result = make_client().fetch("/p")
    assert (result.outcome, result.error, result.attempts) == ("failed", f"HTTP {code}", 1)
    assert site.count(path="/p") == 1


def test_etag_revalidation_returns_not_modified(
    site: SiteServer, make_client: ClientFactory
) -> None:
    client = make_client()
    first = client.fetch("/p")
    again = client.fetch("/p", etag=first.etag, last_modified=first.last_modified)
    assert again.outcome == "not_modified"
    assert (again.etag, again.last_modified, again.body) == (first.etag, first.last_modified, None)
    assert site.requests[-1].headers["if-none-match"] == first.etag
    assert site.count(status=304) == 1


def test_if_modified_since_alone_returns_not_modified(
    site: SiteServer, make_client: ClientFactory
) -> None:
    client = make_client()
    first = client.fetch("/p")
    assert client.fetch("/p", last_modified=first.last_modified).outcome == "not_modified"
    assert site.count(status=304) == 1


def test_changed_page_returns_new_validators(site: SiteServer, make_client: ClientFactory) -> None:
    client = make_client()
    first = client.fetch("/p")
    site.pages["/p"] = b"<html>changed</html>"
    second = client.fetch("/p", etag=first.etag)
    assert (second.outcome, second.body) == ("ok", b"<html>changed</html>")
    assert second.etag == etag_for(b"<html>changed</html>") != first.etag


def test_same_host_redirect_followed_and_final_url_recorded(
    site: SiteServer, make_client: ClientFactory
) -> None:
    site.redirects["/old"] = "/mid"
    site.redirects["/mid"] = site.base_url + "/p"
    result = make_client().fetch("/old")
    assert (result.outcome, result.body) == ("ok", b"<html>page</html>")
    assert result.url == site.base_url + "/old"
    assert result.final_url == site.base_url + "/p"
    assert result.attempts == 3


def test_off_host_redirect_refused_and_never_fetched(
    site: SiteServer, make_client: ClientFactory
) -> None:
    # "localhost" is this very server under another host name: a request would show in the log.
    site.redirects["/away"] = f"http://localhost:{site.port}/p"
    result = make_client().fetch("/away")
    assert result.outcome == "failed"
    assert result.error == "redirect to another host refused: localhost"
    assert result.refused
    assert site.count(path="/p") == 0


def test_redirect_loop_is_bounded(site: SiteServer, make_client: ClientFactory) -> None:
    site.redirects["/a"] = "/b"
    site.redirects["/b"] = "/a"
    result = make_client(max_redirects=5).fetch("/a")
    assert (result.outcome, result.error) == ("failed", "more than 5 redirects")
    assert result.attempts == 6


def test_declared_oversize_body_refused_unread(
    site: SiteServer, make_client: ClientFactory
) -> None:
    site.add_fault(Fault.oversize(2_000_000), pattern="/big")
    result = make_client(max_body=100_000).fetch("/big")
    assert result.outcome == "failed"
    assert result.error is not None and "Content-Length" in result.error
    assert "100000-byte cap" in result.error
    assert result.body is None and result.attempts == 1
    assert result.refused


def test_streamed_oversize_body_stopped(site: SiteServer, make_client: ClientFactory) -> None:
    site.add_fault(Fault.oversize(2_000_000, declare_length=False), pattern="/big")
    result = make_client(max_body=100_000).fetch("/big")
    assert result.outcome == "failed"
    assert result.error == "body exceeds the 100000-byte cap; stopped reading"
    assert site.count(path="/big") == 1


def test_body_at_the_cap_is_accepted(site: SiteServer, make_client: ClientFactory) -> None:
    site.pages["/exact"] = b"x" * 1000
    assert make_client(max_body=1000).fetch("/exact").outcome == "ok"


@pytest.mark.parametrize(
    "path", ["http://example.org/p", "//example.org/p", "p", "", "/p q", "/p\r\nX: y"]
)
def test_only_paths_on_the_site_are_fetched(
    path: str, site: SiteServer, make_client: ClientFactory
) -> None:
    client = make_client()
    result = client.fetch(path)
    assert result.outcome == "failed"
    assert result.error is not None and result.error.startswith("refused:")
    assert result.refused
    assert client.requests_made == 0


def test_base_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="base URL"):
        PoliteClient("ftp://example.org", rate=None)


def test_counters_include_robots_and_retries(site: SiteServer, make_client: ClientFactory) -> None:
    site.add_fault(Fault.status(500), pattern="/p", times=1)
    client = make_client()
    client.fetch("/p")
    client.fetch("/missing")
    client.fetch("/p", etag=etag_for(b"<html>page</html>"))
    assert client.requests_made == len(site.requests) == 5  # robots + 2 + 1 + 1
    assert dict(client.outcomes) == {"ok": 1, "not_found": 1, "not_modified": 1}
