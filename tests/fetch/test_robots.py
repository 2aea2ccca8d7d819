"""robots.txt: the parser's rules, and the client obeying them on the real site."""

from __future__ import annotations

import itertools
import logging

import pytest

from extractors.http.robots import RobotsPolicy
from tests.fetch.conftest import ClientFactory, FakeClock
from tests.support.siteserver import Fault, SiteServer

ROBOTS = """\
# comments are ignored
User-agent: Googlebot
Disallow: /

User-agent: *
Disallow: /private/
Allow: /private/open
Disallow: /*.pdf$
Disallow: /search?
Crawl-delay: 3
"""


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/dyn/16/questions/QANR5L16QE1", True),
        ("/private/x", False),
        ("/private/open/x", True),  # longer Allow wins
        ("/doc.pdf", False),
        ("/doc.pdf?x=1", True),  # $ anchors the end
        ("/search?q=x", False),
        ("/search", True),
        ("/robots.txt", True),
    ],
)
def test_star_group_rules(path: str, allowed: bool) -> None:
    assert RobotsPolicy.parse(ROBOTS, "anq").allows(path) is allowed


def test_crawl_delay_read() -> None:
    assert RobotsPolicy.parse(ROBOTS, "anq").crawl_delay == 3.0


def test_own_group_preferred_over_star() -> None:
    text = "User-agent: *\nDisallow: /\n\nUser-agent: ANQ\nDisallow: /x\n"
    policy = RobotsPolicy.parse(text, "anq")
    assert policy.allows("/dyn/1") and not policy.allows("/x/1")


def test_grouped_user_agents_share_rules() -> None:
    text = "User-agent: other\nUser-agent: anq\nDisallow: /dyn/\n"
    assert not RobotsPolicy.parse(text, "anq").allows("/dyn/16")


def test_tie_goes_to_allow() -> None:
    text = "User-agent: *\nDisallow: /a\nAllow: /a\n"
    assert RobotsPolicy.parse(text, "anq").allows("/a")


def test_empty_disallow_allows_everything() -> None:
    assert RobotsPolicy.parse("User-agent: *\nDisallow:\n", "anq").allows("/x")


def test_client_obeys_disallow_without_asking(site: SiteServer, make_client: ClientFactory) -> None:
    site.robots_txt = "User-agent: *\nDisallow: /private\n"
    site.pages["/private/p"] = b"secret"
    client = make_client()
    result = client.fetch("/private/p")
    assert (result.outcome, result.error, result.attempts) == (
        "failed",
        "disallowed by robots.txt",
        0,
    )
    assert result.refused and site.count(path="/private/p") == 0
    assert client.fetch("/p").outcome == "ok"


def test_redirect_into_disallowed_path_not_followed(
    site: SiteServer, make_client: ClientFactory
) -> None:
    site.robots_txt = "User-agent: anq\nDisallow: /private\n"
    site.redirects["/go"] = "/private/p"
    assert make_client().fetch("/go").error == "disallowed by robots.txt"
    assert site.count(path="/private/p") == 0


def test_robots_fetched_once_per_client(site: SiteServer, make_client: ClientFactory) -> None:
    site.robots_txt = "User-agent: *\nDisallow: /private\n"
    client = make_client()
    client.check_reachable()
    for _ in range(3):
        client.fetch("/p")
    assert site.count(path="/robots.txt") == 1


def test_crawl_delay_slows_the_pacer(
    site: SiteServer, make_client: ClientFactory, clock: FakeClock
) -> None:
    site.robots_txt = "User-agent: *\nCrawl-delay: 2\n"
    client = make_client(rate=5)
    starts = []
    for _ in range(3):
        client.fetch("/p")
        starts.append(clock.t)
    assert client.pacer.interval == 2.0
    assert all(b - a >= 2.0 for a, b in itertools.pairwise(starts))


def test_robots_404_allows_all(site: SiteServer, make_client: ClientFactory) -> None:
    site.pages["/private/p"] = b"x"
    assert make_client().fetch("/private/p").outcome == "ok"


@pytest.mark.parametrize("fault", [Fault.status(500), Fault.reset()], ids=["5xx", "unreachable"])
def test_robots_failure_allows_but_logs(
    fault: Fault, site: SiteServer, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    site.robots_txt = "User-agent: *\nDisallow: /\n"
    site.add_fault(fault, pattern="/robots.txt")
    with caplog.at_level(logging.WARNING, logger="anq.fetch"):
        result = make_client().fetch("/p")
    assert result.outcome == "ok"
    assert "robots.txt" in caplog.text and "allowing all" in caplog.text


def test_obey_robots_false_ignores_disallow(site: SiteServer, make_client: ClientFactory) -> None:
    site.robots_txt = "User-agent: *\nDisallow: /\nCrawl-delay: 9\n"
    client = make_client(obey_robots=False)
    assert client.fetch("/p").outcome == "ok"
    assert client.pacer.interval == 0.0
    assert site.count(path="/robots.txt") == 0
