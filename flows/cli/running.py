"""Running a flow from the command: lock, check the site, run, print the summary.

The command records its run in Prefect through the REST API
(``flows.prefect_rest``): in the server ``PREFECT_API_URL`` names, else in
the temporary API that :mod:`flows.api` starts in a child process for the
command's length. The work starts at once, while that API starts; Prefect's
Python client is never loaded. Only when Prefect's own settings name the API
(a profile, ``prefect.toml``) does the command import Prefect and run the flow
through it, as Prefect alone would.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flows.cli.errors import EXIT_FAILED, EXIT_LOCKED, EXIT_UNREACHABLE, Fail
from flows.config import Settings
from flows.config_resolve import as_options
from flows.prefect_rest import PrefectApiError, api_url, recorded_run

if TYPE_CHECKING:
    from extractors.http.client import PoliteClient
    from flows.api import ApiChild
    from flows.runner import PendingFlowRun

#: The commands whose client reads robots.txt before anything else (:func:`direct_client`).
NETWORK_DIRECT = frozenset({"fetch", "backfill", "sync"})

#: Prefect settings the CLI defaults (a user's own environment wins): library logs
#: reach Prefect with their uids; the temporary API gets time to start on small or
#: busy machines; no telemetry (the run has no business calling anyone but the site).
PREFECT_DEFAULTS = {
    "PREFECT_LOGGING_EXTRA_LOGGERS": "anq",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "600",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
}


def run_flow(
    name: str,
    params: dict[str, Any],
    settings: Settings,
    *,
    as_json: bool,
    network: bool = True,
    site: str | None = None,
    client: PoliteClient | None = None,
) -> int:
    """Run ``name``'s work on its ``params`` and the run options; print the summary.

    ``site``: the address that must answer at start (default: the page site).
    ``client``: :func:`direct_client`'s, when the caller asked for it early (closed here).
    """
    from flows.api import temporary_api
    from flows.cli.console import print_summary
    from warehouse.runlock import RunLocked, hold_run_lock

    kwargs = {**params, "options": as_options(settings)}
    for key, value in PREFECT_DEFAULTS.items():  # before the API's child or Prefect starts
        os.environ.setdefault(key, value)
    try:
        with hold_run_lock(settings.db), temporary_api() as child:
            if client is None:  # the site's first answer while the API starts
                client = direct_client(name, settings)
            if network and client is None:
                _check_reachable(settings, site or settings.base_url)
            api = api_url() or (child.wait_ready if child and _serves(name, child) else None)
            if api is None:
                summary = _start(name, kwargs)
            else:
                summary = _start_direct(name, api, kwargs, settings, client)
    except RunLocked as err:
        message = f"{settings.db} is being written by another anq run ({err})"
        raise Fail(EXIT_LOCKED, message) from None
    finally:
        if client is not None:
            client.close()
    print_summary(summary, as_json=as_json)
    return 0


def _serves(name: str, child: ApiChild) -> bool:
    """Whether the temporary API serves (no: Prefect's own settings name the API)."""
    try:
        return child.serves()
    except RuntimeError as err:
        raise Fail(EXIT_FAILED, f"{name} could not run: {_one_line(err)}") from None


def _check_reachable(settings: Settings, site: str) -> None:
    from extractors.http.client import PoliteClient

    with PoliteClient(site, rate=None, limits=settings.limits) as client:
        _answers(client)


def direct_client(name: str, settings: Settings) -> PoliteClient | None:
    """The page site's client for a run of ``name`` (:data:`NETWORK_DIRECT`), once the
    site answered robots.txt; None for the other runs.

    Asked for before anything else is loaded: the set-up then overlaps the pacer's
    wait for the first page.
    """
    from extractors.http.client import PoliteClient

    if name not in NETWORK_DIRECT:
        return None
    client = PoliteClient(settings.base_url, rate=settings.rate, limits=settings.limits)
    try:
        _answers(client)
    except BaseException:
        client.close()
        raise
    return client


def _answers(client: PoliteClient) -> None:
    from extractors.http.client import Unreachable

    try:
        client.check_reachable()
    except Unreachable as err:
        raise Fail(EXIT_UNREACHABLE, str(err)) from None


def _start(name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The flow's summary, run by Prefect's client on the API its settings name;
    :class:`Fail` if it did not complete."""
    from flows.cli.console import progress_bar

    try:
        flow = getattr(importlib.import_module(f"flows.{name}"), name)
        with progress_bar():
            state = flow(**kwargs, return_state=True)
        if not state.is_completed():
            raise Fail(EXIT_FAILED, f"{name} run failed: {_one_line(state.message)}")
        summary: dict[str, Any] = state.result()
    except Fail:
        raise
    except Exception as err:
        message = _one_line(f"{type(err).__name__}: {err}")
        raise Fail(EXIT_FAILED, f"{name} could not run: {message}") from None
    return summary


def _start_direct(
    name: str,
    api: str | Callable[[], str],
    kwargs: dict[str, Any],
    settings: Settings,
    client: PoliteClient | None,
) -> dict[str, Any]:
    """``name``'s work in this process, its flow run recorded at ``api``
    (:class:`flows.prefect_rest.RecordedRun`)."""
    from flows.cli.console import progress_bar
    from flows.prefect_logs import sent_logs
    from flows.report.run_report import artifact_key

    summary: dict[str, Any] | None = None
    try:
        with (
            recorded_run(api, name, kwargs, hurried=_stopped) as flow_run,
            sent_logs(flow_run),
            progress_bar(),
        ):

            def report_to(flow: str, run_id: str, report: str) -> None:
                flow_run.artifact(artifact_key(flow), report, f"anq {flow} run {run_id}")

            summary = _work(name, kwargs, settings, flow_run, report_to, client)
    except PrefectApiError as err:
        said = "could not run" if summary is None else "ran, but Prefect did not record it"
        raise Fail(EXIT_FAILED, f"{name} {said}: {_one_line(err)}") from None
    except Exception as err:
        from flows.runner import RunFailed  # these two messages say it all
        from flows.stopping import RunStopped

        known = isinstance(err, RunFailed | RunStopped)
        message = str(err) if known else f"{type(err).__name__}: {err}"
        raise Fail(EXIT_FAILED, f"{name} run failed: {_one_line(message)}") from None
    assert summary is not None
    return summary


def _work(
    name: str,
    kwargs: dict[str, Any],
    settings: Settings,
    flow_run: PendingFlowRun,
    report_to: Callable[[str, str, str], None],
    client: PoliteClient | None,
) -> dict[str, Any]:
    """The Prefect-free function behind the ``name`` flow, run here."""
    if name == "reparse":
        from flows.rebuild import rebuild

        return rebuild(
            kwargs["legislature"], settings, kwargs,
            prefect_flow_run_id=flow_run, report_to=report_to,
        )  # fmt: skip
    if name == "opendata":
        from flows.opendata_refresh import opendata_run

        return opendata_run(settings, kwargs, prefect_flow_run_id=flow_run, report_to=report_to)
    if name == "backfill":
        from flows.ranges import backfill_range

        return backfill_range(
            kwargs["legislature"], kwargs["from_number"], kwargs["to_number"], kwargs["latest"],
            settings, kwargs, prefect_flow_run_id=flow_run, report_to=report_to, client=client,
        )  # fmt: skip
    if name == "sync":
        from flows.nightly import sync_all

        return sync_all(
            kwargs["all_open"], kwargs["opendata"], settings, kwargs,
            prefect_flow_run_id=flow_run, report_to=report_to, client=client,
        )  # fmt: skip
    from flows.named import fetch_named

    return fetch_named(
        kwargs["uids"], kwargs["force"], settings, kwargs,
        prefect_flow_run_id=flow_run, report_to=report_to, client=client,
    )  # fmt: skip


def _stopped(err: BaseException) -> bool:
    """Whether the run ended on a stop signal (its process then has seconds to exit)."""
    from flows.stopping import RunStopped

    return isinstance(err, RunStopped)


def _one_line(text: object) -> str:
    return " ".join(str(text).split())
