"""``python -m flows.serve`` builds the same deployments as ``prefect.yaml``.

Building runner deployments needs no API, so this is fast; the slow test in
``test_deployment.py`` covers a real server and worker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flows import serve

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return {f"{d.flow_name}/{d.name}": d for d in serve.deployments()}


def test_the_four_deployments(built: dict[str, Any]) -> None:
    assert sorted(built) == ["backfill/manual", "fetch/manual", "reparse/manual", "sync/nightly"]


def test_nightly_schedule_is_paris_time(built: dict[str, Any]) -> None:
    (schedule,) = built["sync/nightly"].schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 2 * * *", "Europe/Paris")
    assert built["sync/nightly"].parameters == serve.NIGHTLY_PARAMETERS


@pytest.mark.parametrize("name", ["backfill/manual", "fetch/manual"])
def test_manual_deployments_have_no_schedule(built: dict[str, Any], name: str) -> None:
    assert built[name].schedules == []


def test_serve_and_prefect_yaml_agree() -> None:
    text = (REPO / "prefect.yaml").read_text()
    assert f'cron: "{serve.NIGHTLY_CRON}"' in text
    assert f"timezone: {serve.TIMEZONE}" in text
    assert "legislatures: [17]" in text and "types: [QE, QG, QOSD]" in text and "rate: 1.0" in text
