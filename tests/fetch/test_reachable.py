"""check_reachable(): the CLI's "base URL unreachable at start" test."""

from __future__ import annotations

import socket

import pytest

from extractors.http.client import PoliteClient, Unreachable
from tests.fetch.conftest import ClientFactory
from tests.support.siteserver import Fault, SiteServer


def _closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_live_site_is_reachable(site: SiteServer, make_client: ClientFactory) -> None:
    make_client().check_reachable()
    assert [r.path for r in site.requests] == ["/robots.txt"]


def test_site_answering_an_error_is_still_reachable(
    site: SiteServer, make_client: ClientFactory
) -> None:
    site.add_fault(Fault.status(503), pattern="/robots.txt")
    make_client().check_reachable()


def test_connection_refused_raises_unreachable() -> None:
    client = PoliteClient(f"http://127.0.0.1:{_closed_port()}", rate=None)
    with client, pytest.raises(Unreachable, match="connection refused") as info:
        client.check_reachable()
    assert "unreachable" in info.value.reason


def test_silent_server_raises_unreachable(site: SiteServer, make_client: ClientFactory) -> None:
    site.add_fault(Fault.slow(2.0), pattern="/robots.txt")
    with pytest.raises(Unreachable, match="timeout"):
        make_client(reachable_timeout=0.2).check_reachable()


def test_fetch_on_a_dead_site_fails_without_raising() -> None:
    with PoliteClient(
        f"http://127.0.0.1:{_closed_port()}", rate=None, max_tries=2, backoff_base=0.01
    ) as client:
        result = client.fetch("/p")
    assert result.outcome == "failed"
    assert result.error == "connection refused after 2 tries"
    assert result.status is None
