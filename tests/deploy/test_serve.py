"""``python -m flows.serve`` builds the same deployments as ``prefect.yaml``.

Building runner deployments needs no API, so this is fast; the slow test in
``test_deployment.py`` covers a real server and worker.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows import serve
from flows.config_resolve import resolve

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return {f"{d.flow_name}/{d.name}": d for d in serve.deployments()}


def test_the_four_deployments(built: dict[str, Any]) -> None:
    assert sorted(built) == ["backfill/manual", "fetch/manual", "reparse/manual", "sync/nightly"]


def test_nightly_schedule_is_paris_time(built: dict[str, Any]) -> None:
    (schedule,) = built["sync/nightly"].schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 2 * * *", "Europe/Paris")
    assert built["sync/nightly"].parameters == serve.nightly_parameters()


@pytest.mark.parametrize("name", ["backfill/manual", "fetch/manual"])
def test_manual_deployments_have_no_schedule(built: dict[str, Any], name: str) -> None:
    assert built[name].schedules == []


def _yaml_deployments() -> dict[str, dict[str, Any]]:
    text = (REPO / "prefect.yaml").read_text()
    return {d["entrypoint"]: d for d in yaml.safe_load(text)["deployments"]}


def test_serve_and_prefect_yaml_agree_on_the_schedule() -> None:
    (schedule,) = _yaml_deployments()["flows/sync.py:sync"]["schedules"]
    assert (schedule["cron"], schedule["timezone"]) == (serve.NIGHTLY_CRON, serve.TIMEZONE)


def test_serve_and_prefect_yaml_agree_on_the_nightly_parameters() -> None:
    yaml_nightly = _yaml_deployments()["flows/sync.py:sync"]["parameters"]
    assert yaml_nightly == serve.nightly_parameters()


@pytest.mark.parametrize("entrypoint", list(_yaml_deployments()))
def test_prefect_yaml_parameters_are_the_flows(entrypoint: str) -> None:
    path, name = entrypoint.split(":")
    module = path.removesuffix(".py").replace("/", ".")
    flow = getattr(importlib.import_module(module), name)
    parameters = _yaml_deployments()[entrypoint]["parameters"] or {}
    assert set(parameters) <= set(inspect.signature(flow.fn).parameters)


@pytest.mark.parametrize("entrypoint", list(_yaml_deployments()))
def test_prefect_yaml_options_are_rows_of_the_table(entrypoint: str) -> None:
    options = (_yaml_deployments()[entrypoint]["parameters"] or {}).get("options", {})
    assert resolve(options, env={}, origin="option")  # unknown or bad ones raise
