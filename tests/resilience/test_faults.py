"""Syncing through a hostile network: 20% of page requests fail in every way the
site can fail, yet two syncs leave every question correct; Retry-After is
honoured; failures are recorded; a later no-change sync costs only conditional
refetches (all 304) of what is due and probes past the end.

One story (module scope), each test checks one thing of it:

1. ``sync1`` and ``sync2`` with faults on ~20% of ``/dyn/*`` requests (503 and
   429 with Retry-After, 500, truncated bodies, resets, slow answers), plus
   three deterministic ones: a page failing all its tries in sync1, a 503 with
   ``Retry-After: 2``, and an answer slower than the client's 20 s timeout.
2. ``sync3`` without faults, ``--rate 5``, ``ANQ_NOW`` two days later: only
   the young open questions are due.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from extractors.model import QUESTION_COLUMNS
from extractors.uid import Uid, parse_uid
from tests.e2e.conftest import Done, anq, query
from tests.e2e.site import FixtureSite
from tests.resilience.conftest import contents, path_of
from tests.support.siteserver import Fault, RequestRecord, SiteServer
from warehouse.db import session
from warehouse.queries import due_targets

pytestmark = [pytest.mark.slow]

TODAY = dt.datetime.now(dt.UTC).date()
NOW2 = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=2)
QE, QOSD = 30, 4
GAP, ERROR_PAGE = 9, 20
FAILS_ALL_TRIES = "QANR5L17QE14"
RETRY_AFTER_2 = "QANR5L17QE5"
TOO_SLOW = "QANR5L17QE17"
RATE = 5


def _populate(site: FixtureSite) -> None:
    """QE 1..30 (a 404 gap, a 200 error page), QOSD 1..4; every third QE answered;
    open ones alternately young (daily refresh) and over a year old (weekly)."""
    for n in range(1, QE + 1):
        uid = f"QANR5L17QE{n}"
        if n == GAP:
            continue
        if n == ERROR_PAGE:
            site.error_page(uid)
            continue
        young = n % 2 == 0
        published = TODAY - dt.timedelta(days=10 + n) if young else dt.date(2023, 1, n)
        fields: dict[str, Any] = {
            "title": f"Question résiliente {n}",
            "question_published_on": published,
            "question_jo_page": 1000 + n,
            "question_paragraphs": [f"Premier paragraphe {n}.", f"Second {n}."],
        }
        if n % 3 == 0:
            fields.update(
                answer_paragraphs=[f"Réponse {n}."],
                answer_published_on=published + dt.timedelta(days=5),
                answer_jo_page=2000 + n,
            )
        site.put(uid, **fields)
    for n in range(1, QOSD + 1):
        site.put(f"QANR5L17QOSD{n}", question_published_on=TODAY - dt.timedelta(days=n))


def _faults(server: SiteServer) -> None:
    """Deterministic faults first (checked in order), then ~20% random ones."""
    server.add_fault(Fault.status(500), pattern=path_of(FAILS_ALL_TRIES), times=4)
    server.add_fault(Fault.status(503, retry_after="2"), pattern=path_of(RETRY_AFTER_2), times=1)
    server.add_fault(Fault.slow(25.0), pattern=path_of(TOO_SLOW), times=1)
    each = 1 - 0.8 ** (1 / 6)  # six rules, 20% together
    for fault in (
        Fault.status(503, retry_after="1"),
        Fault.status(429, retry_after="1"),
        Fault.status(500),
        Fault.truncate(),
        Fault.reset(),
        Fault.slow(0.3),
    ):
        server.add_fault(fault, pattern="/dyn/*", probability=each)


def _common(tmp: Path, base_url: str, rate: str = "0") -> list[str]:
    return [
        *("--db", str(tmp / "anq.duckdb"), "--base-url", base_url, "--rate", rate),
        *("--legislature", "17", "--type", "QE", "--type", "QOSD", "--miss-run", "3"),
    ]


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("faults")
    db = tmp / "anq.duckdb"
    steps: dict[str, Any] = {"db": db}
    with SiteServer(seed=4) as server:
        site = FixtureSite(server)
        _populate(site)
        _faults(server)
        steps["sync1"] = anq("sync", *_common(tmp, server.base_url))
        _slow_answer_sent(server)
        steps["log1"] = server.requests
        assert db.exists(), steps["sync1"]
        steps["runs1"] = query(db, "SELECT run_id, state, failures FROM runs")
        steps["failures1"] = query(db, "SELECT uid, run_id, stage, error FROM pipeline.failures")
        server.clear_log()
        steps["sync2"] = anq("sync", *_common(tmp, server.base_url))
        steps["log2"] = server.requests
        steps["after2"] = contents(db)
        steps["expected"] = {uid: site.expected(uid) for uid in site.specs}
        steps["failures2"] = query(db, "SELECT uid, run_id, resolved_at FROM pipeline.failures")
        server.clear_faults()
        with session(db, read_only=True) as con:
            steps["due"] = {str(t.uid) for t in due_targets(con, NOW2, [17], ["QE", "QOSD"])}
        server.clear_log()
        env = {"ANQ_NOW": NOW2.isoformat(timespec="seconds")}
        steps["sync3"] = anq("sync", *_common(tmp, server.base_url, str(RATE)), env=env)
        steps["log3"] = server.requests
        steps["peak3"] = server.peak_rate(1.0)
        steps["after3"] = contents(db)
    return steps


def _slow_answer_sent(server: SiteServer, wait: float = 30.0) -> None:
    """The server logs a request when it answers: the too-slow one, which the client gave
    up on and asked again, may still be waiting its turn when the run has ended."""
    deadline = time.monotonic() + wait
    while True:
        asked = [r for r in server.requests if r.path == path_of(TOO_SLOW)]
        if len(asked) >= 2 and asked[0].fault == "slow":  # logged, it is the first asked
            return
        assert time.monotonic() < deadline, "the slow answer was never sent"
        time.sleep(0.2)


def _dyn(log: list[RequestRecord]) -> list[RequestRecord]:
    return [r for r in log if r.path.startswith("/dyn/")]


@pytest.mark.parametrize("step", ["sync1", "sync2", "sync3"])
def test_sync_exits_zero(story: dict[str, Any], step: str) -> None:
    done: Done = story[step]
    assert done.code == 0, done.err[-3000:]


def test_about_a_fifth_of_requests_failed(story: dict[str, Any]) -> None:
    """The premise: the random rules fired on roughly 20% of page requests."""
    log = _dyn(story["log1"]) + _dyn(story["log2"])
    faulty = sum(1 for r in log if r.fault is not None and r.fault != "slow")
    assert 0.1 <= faulty / len(log) <= 0.35, (faulty, len(log))


@pytest.mark.parametrize("column", QUESTION_COLUMNS)
def test_every_question_correct_after_two_syncs(story: dict[str, Any], column: str) -> None:
    index = QUESTION_COLUMNS.index(column)
    got = {row[0]: row[index] for row in story["after2"]["questions"]}
    want = {uid: getattr(q, column) for uid, q in story["expected"].items()}
    assert got == want


def test_one_version_each(story: dict[str, Any]) -> None:
    """Faults add no spurious version (a truncated body is never loaded as a change)."""
    versions = Counter(row[0] for row in story["after2"]["versions"])
    assert set(versions.values()) == {1}


def test_failure_recorded_in_runs(story: dict[str, Any]) -> None:
    """sync1's runs row counts exactly the failures it recorded, the forced one among them."""
    ((run_id, state, failures),) = story["runs1"]
    mine = [f for f in story["failures1"] if f[1] == run_id]
    assert (state, failures, FAILS_ALL_TRIES in {f[0] for f in mine}) == (
        "completed",
        len(mine),
        True,
    )


def test_failure_has_reason(story: dict[str, Any]) -> None:
    row = next(f for f in story["failures1"] if f[0] == FAILS_ALL_TRIES)
    assert (row[2], row[3]) == ("fetch", "HTTP 500 after 4 tries")


def test_failures_resolved_by_second_sync(story: dict[str, Any]) -> None:
    assert [f for f in story["failures2"] if f[2] is None] == []


def test_retry_after_two_seconds_honoured_for_the_page(story: dict[str, Any]) -> None:
    asked = [r.time for r in story["log1"] if r.path == path_of(RETRY_AFTER_2)]
    assert len(asked) >= 2 and asked[1] - asked[0] >= 2.0, asked


def test_retry_after_holds_every_request(story: dict[str, Any]) -> None:
    """After a 503 with Retry-After: 2, the whole run pauses: nothing arrives from
    0.5 s after it (requests already on the wire may land just after) until 2 s."""
    log = story["log1"]
    t = next(r.time for r in log if r.path == path_of(RETRY_AFTER_2) and r.status == 503)
    inside = [r.path for r in log if t + 0.5 <= r.time < t + 2.0]
    assert inside == []


def test_retry_after_honoured_on_every_random_fault(story: dict[str, Any]) -> None:
    """Each page answered 429/503 with Retry-After: 1 is asked again >= 1 s later."""
    gaps = []
    for log in (story["log1"], story["log2"]):
        for i, r in enumerate(log):
            if r.status in (429, 503) and r.fault == "status" and r.path != path_of(RETRY_AFTER_2):
                later = next((s for s in log[i + 1 :] if s.path == r.path), None)
                if later is not None:
                    gaps.append(later.time - r.time)
    assert gaps and min(gaps) >= 1.0, gaps


def test_answer_beyond_timeout_is_retried(story: dict[str, Any]) -> None:
    asked = [r for r in story["log1"] if r.path == path_of(TOO_SLOW)]
    assert [r.fault for r in asked[:2]] == ["slow", None] and asked[1].time - asked[0].time >= 20


def _held(story: dict[str, Any]) -> dict[str, Uid]:
    """Paths of the questions held before sync3, with their uids."""
    return {path_of(row[0]): parse_uid(row[0]) for row in story["after2"]["questions"]}


def test_no_change_sync_refetches_exactly_the_due(story: dict[str, Any]) -> None:
    refetched = {r.path for r in story["log3"] if r.path in _held(story)}
    assert refetched == {path_of(uid) for uid in story["due"]} and story["due"]


def test_due_excludes_old_and_closed(story: dict[str, Any]) -> None:
    """The schedule matters: answered and year-old open questions are not due at +2 days."""
    assert 0 < len(story["due"]) < len(_held(story))


def test_no_change_refetches_are_conditional_and_304(story: dict[str, Any]) -> None:
    refetches = [r for r in story["log3"] if r.path in _held(story)]
    bad = [
        (r.path, r.status, sorted(r.headers))
        for r in refetches
        if "if-none-match" not in r.headers or r.status != 304
    ]
    assert refetches and bad == []


def test_no_change_probes_only_past_the_end(story: dict[str, Any]) -> None:
    """Every other page request is a probe above the highest number held of its type."""
    held = _held(story)
    top: dict[str, int] = {}
    for uid in held.values():
        top[uid.type] = max(top.get(uid.type, 0), uid.number)
    probes = [
        parse_uid(r.path.rsplit("/", 1)[1])
        for r in story["log3"]
        if r.path not in held and r.path != "/robots.txt"
    ]
    assert probes and all(u.number > top[u.type] for u in probes), probes


def test_no_change_probes_answered_404(story: dict[str, Any]) -> None:
    held = _held(story)
    statuses = {r.status for r in story["log3"] if r.path not in held and r.path != "/robots.txt"}
    assert statuses == {404}


def test_no_change_sync_changes_nothing(story: dict[str, Any]) -> None:
    assert story["after3"] == story["after2"]


def test_peak_rate_within_limit(story: dict[str, Any]) -> None:
    """Measured by the site over the whole run, robots.txt included."""
    assert 0 < story["peak3"] <= RATE
