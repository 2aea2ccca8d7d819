"""Progress of a run with no CLI attached (a deployment) is a Prefect progress artifact."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterType
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.testing.utilities import prefect_test_harness

from flows import progress

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture(scope="module", autouse=True)
def harness() -> Iterator[None]:
    with (
        prefect_test_harness(server_startup_timeout=240),
        temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield


@flow
def _pages(total: int, steps: int) -> None:
    progress.add_total(total)
    for _ in range(steps):
        progress.advance(total // steps)


def _progress_artifacts() -> list[float]:
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(type=ArtifactFilterType(any_=["progress"]))
        )
    return [float(a.data) for a in found]  # type: ignore[arg-type]


def test_a_deployed_run_shows_its_progress_in_the_ui() -> None:
    progress.install(None)
    _pages(10, 2)
    assert 100.0 in _progress_artifacts()


def test_outside_a_flow_run_nothing_is_published() -> None:
    progress.install(None)
    before = len(_progress_artifacts())
    progress.add_total(5)
    progress.advance(5)
    assert len(_progress_artifacts()) == before


def test_updates_are_throttled_but_the_end_is_always_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[float] = []
    monkeypatch.setattr(
        "prefect.artifacts.create_progress_artifact", lambda p, description: calls.append(p) or 1
    )
    monkeypatch.setattr(
        "prefect.artifacts.update_progress_artifact", lambda a, p, description: calls.append(p)
    )
    ticks = iter([0.0, 1.0, 2.0, 3.0])
    reporter = progress.ArtifactReporter(every=10.0, clock=lambda: next(ticks))
    reporter.add_total(4)  # first report: created
    reporter.advance(1)  # 1 s later: throttled
    reporter.advance(1)  # throttled
    reporter.advance(2)  # the end: always shown
    assert calls == [0.0, 100.0]
