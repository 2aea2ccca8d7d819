"""A flow run recorded in a running Prefect server through its REST API.

Importing Prefect's Python client costs seconds of CPU before the first
request. ``anq fetch``, the command people run by hand and wait for, records
its run this way when ``PREFECT_API_URL`` names a running server: the run is
in the UI like any other (its flow, parameters, states, report artifact),
without its batches as task runs. Only documented endpoints are used.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import Iterator
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

    def close(self) -> None:
        self._http.close()

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._http.post(path, json=body)
        except httpx.HTTPError as err:
            raise PrefectApiError(f"Prefect API {self._http.base_url}{path}: {err}") from None
        if response.status_code >= 300:
            reason = " ".join(response.text.split())[:200]
            raise PrefectApiError(
                f"Prefect API {response.url} answered {response.status_code}: {reason}"
            )
        answer: dict[str, Any] = response.json()
        return answer


def _state(state: str, message: str | None = None) -> dict[str, Any]:
    return {"type": state, "name": STATE_NAMES[state], "message": message}


@contextmanager
def recorded_run(api: str, flow: str, parameters: dict[str, Any]) -> Iterator[RestFlowRun]:
    """A flow run for the block's length: completed if it returns, failed if it raises
    an error, crashed if it is interrupted (Ctrl-C, a signal)."""
    run = RestFlowRun(api, flow, parameters)
    try:
        yield run
    except Exception as err:
        _end_quietly(run, "FAILED", f"{type(err).__name__}: {err}")
        raise
    except BaseException as err:
        _end_quietly(run, "CRASHED", f"interrupted: {type(err).__name__} {err}".strip())
        raise
    else:
        run.end("COMPLETED")
    finally:
        run.close()


def _end_quietly(run: RestFlowRun, state: str, message: str) -> None:
    """Record a failure's state; the failure itself is what the caller must see."""
    try:
        run.end(state, message)
    except PrefectApiError as err:
        log.warning("flow run %s not marked %s: %s", run.id, state.lower(), err)
