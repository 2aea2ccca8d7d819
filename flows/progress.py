"""A tiny progress hook: flows report pages done, whoever started them decides how to show it.

Flows cannot take a callback as a Prefect parameter, so the CLI installs a
reporter here (a progress bar) before it starts a flow. Where none is
installed (a deployment run by a worker or by ``serve``), progress goes to a
Prefect progress artifact of the flow run, so a long run shows how far it is
in the UI.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("anq.progress")

#: Fewest seconds between two updates of the artifact (one API call each).
ARTIFACT_EVERY = 10.0


class Reporter(Protocol):
    def add_total(self, pages: int) -> None: ...
    def advance(self, pages: int) -> None: ...


class ArtifactReporter:
    """Progress as a Prefect progress artifact of the current flow run.

    Created on the first report and updated at most every ``every`` seconds,
    and when the run reaches its total; an API error is logged once and the
    run goes on without it.
    """

    def __init__(self, every: float = ARTIFACT_EVERY, clock: Callable[[], float] = time.monotonic):
        self.total = 0
        self.done = 0
        self._every = every
        self._clock = clock
        self._artifact: Any = None
        self._last = -float("inf")
        self._broken = False

    def add_total(self, pages: int) -> None:
        self.total += pages
        self._publish()

    def advance(self, pages: int) -> None:
        self.done += pages
        self._publish()

    def percent(self) -> float:
        return 100.0 * min(self.done, self.total) / self.total if self.total else 0.0

    def _publish(self) -> None:
        now = self._clock()
        finished = self.total > 0 and self.done >= self.total
        if self._broken or (now - self._last < self._every and not finished):
            return
        self._last = now
        try:
            from prefect.artifacts import create_progress_artifact, update_progress_artifact

            description = f"{self.done} of {self.total} pages"
            if self._artifact is None:
                self._artifact = create_progress_artifact(self.percent(), description=description)
            else:
                update_progress_artifact(self._artifact, self.percent(), description=description)
        except Exception as err:  # progress is a courtesy: never fail a run for it
            self._broken = True
            log.warning("progress artifact not updated: %s", err)


class _Default:
    """No reporter installed: a progress artifact per flow run, outside one nothing."""

    def __init__(self) -> None:
        self._run: str | None = None
        self._reporter: ArtifactReporter | None = None

    def add_total(self, pages: int) -> None:
        reporter = self._for_run()
        if reporter is not None:
            reporter.add_total(pages)

    def advance(self, pages: int) -> None:
        reporter = self._for_run()
        if reporter is not None:
            reporter.advance(pages)

    def _for_run(self) -> ArtifactReporter | None:
        if "prefect.context" not in sys.modules:  # no Prefect loaded, no flow run: skip its import
            return None
        from prefect.runtime import flow_run

        run_id = flow_run.get_id()
        if not run_id:
            return None
        if run_id != self._run:
            self._run, self._reporter = run_id, ArtifactReporter()
        return self._reporter


_current: list[Reporter] = [_Default()]


def install(reporter: Reporter | None) -> None:
    """Use ``reporter`` for the flows started from now on (None: the artifact default)."""
    _current[0] = reporter if reporter is not None else _Default()


def add_total(pages: int) -> None:
    """More pages are planned (discovery learns its total as it goes)."""
    _current[0].add_total(pages)


def advance(pages: int) -> None:
    """``pages`` more pages are done."""
    _current[0].advance(pages)
