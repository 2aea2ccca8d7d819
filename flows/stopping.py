"""Stopping a run on SIGTERM or Ctrl-C within seconds, whatever the network does.

While a run is open its process answers the first SIGTERM or SIGINT by
asking the run to stop: :meth:`Stopper.check`, which the run calls between
batches and every :data:`flows.pipeline.WAKE` seconds while it waits for one,
then raises :class:`RunStopped` in the main thread. The batch in flight is
abandoned (never handed to the loader), the run is recorded ``failed`` with
the reason, the lock released. Nothing is raised from inside the handler
itself: that would land wherever the main thread happens to be (Prefect's
own machinery included), not where the run can undo its batch.

Once the stopped run is recorded, the process has :data:`GRACE` seconds to
wind down (Prefect reporting the flow's state, the command printing why)
before it ends itself: Ctrl-C reaches the whole process group, Prefect's
API server included, and Prefect's client would otherwise retry against a
server that is gone. A second signal ends the process at once, and so does
:data:`DEADLINE` after the first one, whatever the run is doing. Each way
the exit status is the shell's for that signal (128 + its number).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGTERM, signal.SIGINT)

#: Seconds a stopped run's process has to wind down once the run is recorded.
GRACE = 3.0
#: Seconds after the first signal at which the process ends, recorded or not
#: (a run that never came to a check is marked ``crashed`` by the next one).
DEADLINE = 10.0


class RunStopped(Exception):
    """The run was asked to stop by a signal; its batch in flight was abandoned."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"stopped by {signal.Signals(signum).name}")


class Stopper:
    """Catches SIGTERM and SIGINT while :meth:`installed`; :meth:`check` raises after one."""

    def __init__(self) -> None:
        self.received: int | None = None

    def check(self) -> None:
        """Raise :class:`RunStopped` once a stop signal has come."""
        if self.received is not None:
            raise RunStopped(self.received)

    @contextmanager
    def installed(self) -> Iterator[Stopper]:
        """Own the two signals for the body (main thread only: elsewhere, change nothing)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous: dict[int, Any] = {sig: signal.signal(sig, self._handle) for sig in SIGNALS}
        try:
            yield self
        finally:
            if self.received is None:  # once stopping, a second signal must still end it
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    def exit_soon(self) -> None:
        """The stopped run is recorded: end the process in :data:`GRACE` s if it is still up."""
        _exit_after(GRACE, self.received or signal.SIGTERM, "still winding down")

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.received is not None:
            _exit(signum, "second signal")
        self.received = signum
        _exit_after(DEADLINE, signum, "the run did not wind down")


def _exit_after(seconds: float, signum: int, why: str) -> None:
    timer = threading.Timer(seconds, _exit, (signum, why))
    timer.daemon = True
    timer.start()


def _exit(signum: int, why: str) -> None:
    """End the process now (no locks taken: the main thread may hold any of them)."""
    os.write(2, f"anq: stopped by {signal.Signals(signum).name} ({why}): exiting\n".encode())
    os._exit(128 + signum)
