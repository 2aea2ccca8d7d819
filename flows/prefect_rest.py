"""A flow run recorded in a Prefect API through its REST API.

Importing Prefect's Python client costs seconds of CPU and tens of MB before
the first request. The commands that fetch or load (``flows.cli.running``)
record their run this way, in the server ``PREFECT_API_URL`` names or in the
temporary API anq starts (:class:`RecordedRun`: the work does not wait for
it): the run is in the UI like any other (its flow, parameters, states,
report artifact), without its batches as task runs. Only documented
endpoints are used.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from extractors.http.deadline import shared_ssl_context

log = logging.getLogger("anq.prefect")

API_URL_ENV = "PREFECT_API_URL"
#: Prefect Cloud's key, and a self-hosted server's "user:password" (Prefect's own variables).
API_KEY_ENV, AUTH_STRING_ENV = "PREFECT_API_KEY", "PREFECT_API_AUTH_STRING"
#: Seconds to wait for the API; it answers in milliseconds when it runs at all.
TIMEOUT = 10.0
#: Answers Prefect's client retries, how many times, and the longest pause between.
RETRY_STATUSES = frozenset({408, 429, 502, 503})
RETRIES, MAX_PAUSE = 5, 10.0
#: Log entries per request.
LOG_CHUNK = 500

STATE_NAMES = {
    "RUNNING": "Running",
    "COMPLETED": "Completed",
    "FAILED": "Failed",
    "CRASHED": "Crashed",
}


class PrefectApiError(RuntimeError):
    """The Prefect API did not accept a call; the message names the call and why."""


def api_url() -> str | None:
    """The running server's API, or None (Prefect then starts a temporary one)."""
    value = os.environ.get(API_URL_ENV, "").strip()
    return value.rstrip("/") or None


def _headers() -> dict[str, str]:
    key = os.environ.get(API_KEY_ENV, "").strip()
    if key:
        return {"Authorization": f"Bearer {key}"}
    auth = os.environ.get(AUTH_STRING_ENV, "").strip()
    if auth:
        return {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()}
    return {}


class RestFlowRun:
    """One flow run of flow ``flow``, created RUNNING; :meth:`end` sets its last state."""

    def __init__(self, api: str, flow: str, parameters: dict[str, Any]) -> None:
        self._http = httpx.Client(
            base_url=api + "/", headers=_headers(), timeout=TIMEOUT, verify=shared_ssl_context()
        )
        try:
            flow_id = self._call("flows/", {"name": flow})["id"]
            plain = json.loads(json.dumps(parameters, default=str))
            body = {"flow_id": flow_id, "parameters": plain, "state": _state("RUNNING")}
            self.id: str = str(self._call("flow_runs/", body)["id"])
        except BaseException:
            self._http.close()
            raise

    def end(self, state: str, message: str | None = None) -> None:
        """Set the run's final state (``COMPLETED``, ``FAILED``, ``CRASHED``)."""
        body = {"state": _state(state, message), "force": True}
        self._call(f"flow_runs/{self.id}/set_state", body)

    def artifact(self, key: str, markdown: str, description: str) -> None:
        """Attach a markdown artifact to the run (the run report)."""
        body = {
            "key": key,
            "type": "markdown",
            "data": markdown,
            "description": description,
            "flow_run_id": self.id,
        }
        self._call("artifacts/", body)

    def logs(self, entries: list[dict[str, Any]]) -> None:
        """Add log entries (name, level, message, timestamp) to the run."""
        for start in range(0, len(entries), LOG_CHUNK):
            chunk = [{**e, "flow_run_id": self.id} for e in entries[start : start + LOG_CHUNK]]
            self._post("logs/", chunk)

    def close(self) -> None:
        self._http.close()

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = self._post(path, body).json()
        return answer

    def _post(self, path: str, body: object) -> httpx.Response:
        """POST ``body``; answers Prefect's own client retries (a busy database: 503)
        are retried as it does, after their Retry-After or a growing pause."""
        for attempt in range(RETRIES + 1):
            try:
                response = self._http.post(path, json=body)
            except httpx.HTTPError as err:
                raise PrefectApiError(f"Prefect API {self._http.base_url}{path}: {err}") from None
            if response.status_code not in RETRY_STATUSES or attempt == RETRIES:
                break
            time.sleep(_pause(response.headers.get("retry-after"), attempt))
        if response.status_code >= 300:
            reason = " ".join(response.text.split())[:200]
            raise PrefectApiError(
                f"Prefect API {response.url} answered {response.status_code}: {reason}"
            )
        return response


def _pause(retry_after: str | None, attempt: int) -> float:
    """Seconds before retry ``attempt`` + 1: the server's whole seconds, else 1, 2, 4..."""
    if retry_after and retry_after.strip().isdigit():
        return min(float(retry_after), MAX_PAUSE)
    # jittered, so that processes sharing one database do not retry in step
    return min(2.0**attempt, MAX_PAUSE) * random.uniform(0.8, 1.2)


def _state(state: str, message: str | None = None) -> dict[str, Any]:
    return {"type": state, "name": STATE_NAMES[state], "message": message}


class RecordedRun:
    """The flow run a command's run is recorded under, at ``api``: a URL (the run is
    created now), or a function that waits for a starting API and returns its URL
    (the run is created in a thread once it answers, so the work need not wait)."""

    def __init__(self, api: str | Callable[[], str], flow: str, parameters: dict[str, Any]):
        self._made: RestFlowRun | BaseException | None = None
        self._thread: threading.Thread | None = None
        if isinstance(api, str):
            self._made = RestFlowRun(api, flow, parameters)
            return
        self._thread = threading.Thread(
            target=self._make, args=(api, flow, parameters), name="prefect-run", daemon=True
        )
        self._thread.start()

    def _make(self, api: Callable[[], str], flow: str, parameters: dict[str, Any]) -> None:
        try:
            self._made = RestFlowRun(api(), flow, parameters)
        except BaseException as err:  # handed to the thread that asks for the run
            self._made = err

    def run(self, timeout: float | None = None) -> RestFlowRun | None:
        """The created run, waiting up to ``timeout`` s (None: until its API answered
        or failed to); None if it is not made yet."""
        if not self.settled(timeout):
            return None
        made = self._made
        if isinstance(made, PrefectApiError):
            raise made
        if isinstance(made, BaseException):
            raise PrefectApiError(f"Prefect API: {type(made).__name__}: {made}")
        return made

    def settled(self, timeout: float | None) -> bool:
        """Wait up to ``timeout`` s (None: no limit) for the run to be made, or to fail;
        whether either happened."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def run_id(self) -> str | None:
        """The run's id for the ``runs`` table, without waiting: None if it is not made
        yet, or could not be (that error is raised when the run is ended)."""
        made = self._made
        return made.id if isinstance(made, RestFlowRun) else None

    def artifact(self, key: str, markdown: str, description: str) -> None:
        """Attach a markdown artifact to the run once it is made (none if it could not be:
        that error is raised when the run is ended)."""
        try:
            made = self.run()
        except PrefectApiError:
            return
        assert made is not None
        made.artifact(key, markdown, description)

    def logs(self, entries: list[dict[str, Any]]) -> None:
        """Add log entries to the run if it is made (else they are dropped)."""
        if isinstance(self._made, RestFlowRun):
            self._made.logs(entries)

    def close(self) -> None:
        if isinstance(self._made, RestFlowRun):
            self._made.close()


@contextmanager
def recorded_run(
    api: str | Callable[[], str],
    flow: str,
    parameters: dict[str, Any],
    *,
    hurried: Callable[[BaseException], bool] = lambda err: False,
) -> Iterator[RecordedRun]:
    """A flow run for the block's length (:class:`RecordedRun`): completed if it
    returns, failed if it raises an error, crashed if it is interrupted (Ctrl-C, a
    signal). A failed block waits for a run still being made; an interrupted one,
    or one whose error is ``hurried`` (a stop: the process has seconds to exit),
    does not: a run not made by then stays unrecorded, and the log says so."""
    record = RecordedRun(api, flow, parameters)
    try:
        yield record
    except Exception as err:
        wait = 0 if hurried(err) else None
        _end_failed(record, "FAILED", f"{type(err).__name__}: {err}", wait)
        raise
    except BaseException as err:
        _end_failed(record, "CRASHED", f"interrupted: {type(err).__name__} {err}".strip(), 0)
        raise
    else:
        made = record.run()
        assert made is not None
        made.end("COMPLETED")
    finally:
        record.close()


def _end_failed(record: RecordedRun, state: str, message: str, wait: float | None) -> None:
    try:
        made = record.run(wait)
    except PrefectApiError as err:
        log.warning("flow run not recorded: %s", err)
        return
    if made is None:
        log.warning("flow run not recorded: the Prefect API was not up when the run ended")
        return
    _end_quietly(made, state, message)


def _end_quietly(run: RestFlowRun, state: str, message: str) -> None:
    """Record a failure's state; the failure itself is what the caller must see."""
    try:
        run.end(state, message)
    except PrefectApiError as err:
        log.warning("flow run %s not marked %s: %s", run.id, state.lower(), err)
