"""A flow run recorded over Prefect's REST API (``flows/prefect_rest.py``), against a
loopback server that answers as Prefect's API does, busy answers included."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from flows import prefect_rest
from flows.prefect_rest import PrefectApiError, RecordedRun, recorded_run


class _Api(ThreadingHTTPServer):
    """Answers ``busy`` 503s (Retry-After: 0) first, then Prefect's answers."""

    def __init__(self, busy: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.busy = busy
        self.calls: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api"


class _Handler(BaseHTTPRequestHandler):
    server: _Api

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.server.calls.append(self.path)
        if self.server.busy:
            self.server.busy -= 1
            self._answer(503, {"exception_message": "Service Unavailable"}, retry_after="0")
        else:
            self._answer(201, {"id": f"id-{len(self.server.calls)}"})

    def _answer(self, status: int, body: dict[str, str], retry_after: str | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        if retry_after is not None:
            self.send_header("retry-after", retry_after)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serving(busy: int) -> Iterator[_Api]:
    api = _Api(busy)
    thread = threading.Thread(target=api.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        api.shutdown()
        api.server_close()


@pytest.fixture
def api() -> Iterator[_Api]:
    yield from _serving(busy=0)


@pytest.fixture
def busy_twice() -> Iterator[_Api]:
    yield from _serving(busy=2)


@pytest.fixture
def always_busy() -> Iterator[_Api]:
    yield from _serving(busy=1_000)


def test_a_busy_api_is_asked_again(busy_twice: _Api) -> None:
    run = prefect_rest.RestFlowRun(busy_twice.url, "sync", {})
    run.close()
    assert busy_twice.calls == ["/api/flows/"] * 3 + ["/api/flow_runs/"]


def test_an_api_that_stays_busy_fails_naming_the_call(always_busy: _Api) -> None:
    with pytest.raises(PrefectApiError, match=r"/api/flows/ answered 503"):
        prefect_rest.RestFlowRun(always_busy.url, "sync", {})
    assert len(always_busy.calls) == prefect_rest.RETRIES + 1


def test_a_starting_api_gets_the_run_once_it_answers(api: _Api) -> None:
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
