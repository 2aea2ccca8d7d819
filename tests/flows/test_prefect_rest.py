"""A flow run recorded over Prefect's REST API (``flows/prefect_rest.py``), against a
loopback server that answers as Prefect's API does (``tests/support/prefect_double.py``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from flows import prefect_rest
from flows.prefect_rest import PrefectApiError, RecordedRun, recorded_run
from tests.support.prefect_double import PrefectDouble, prefect_double


@pytest.fixture
def api() -> Iterator[PrefectDouble]:
    with prefect_double() as double:
        yield double


@pytest.fixture
def busy_twice() -> Iterator[PrefectDouble]:
    with prefect_double(busy=2) as double:
        yield double


@pytest.fixture
def always_busy() -> Iterator[PrefectDouble]:
    with prefect_double(busy=1_000) as double:
        yield double


def test_a_busy_api_is_asked_again(busy_twice: PrefectDouble) -> None:
    run = prefect_rest.RestFlowRun(busy_twice.url, "sync", {})
    run.close()
    assert busy_twice.calls == ["/api/flows/"] * 3 + ["/api/flow_runs/"]


def test_an_api_that_stays_busy_fails_naming_the_call(always_busy: PrefectDouble) -> None:
    with pytest.raises(PrefectApiError, match=r"/api/flows/ answered 503"):
        prefect_rest.RestFlowRun(always_busy.url, "sync", {})
    assert len(always_busy.calls) == prefect_rest.RETRIES + 1


def test_a_starting_api_gets_the_run_once_it_answers(api: PrefectDouble) -> None:
    up = threading.Event()

    def starting() -> str:
        up.wait(30)
        return api.url

    record = RecordedRun(starting, "sync", {})
    before = (record.settled(0.2), record.run_id())
    up.set()
    after = (record.settled(30), record.run_id())
    record.close()
    assert (before, after, api.calls) == (
        (False, None),
        (True, "id-2"),
        ["/api/flows/", "/api/flow_runs/"],
    )


def test_an_api_that_never_starts_is_said_when_the_run_ends() -> None:
    def broken() -> str:
        raise RuntimeError("temporary Prefect API exited with status 1")

    ids: list[str | None] = []
    with (
        pytest.raises(PrefectApiError, match="exited with status 1"),
        recorded_run(broken, "sync", {}) as record,
    ):
        record.artifact("anq-sync-report", "# report", "the run's report")  # not made: none
        record.settled(30)
        ids.append(record.run_id())
    assert ids == [None]
