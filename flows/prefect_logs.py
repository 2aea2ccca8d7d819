"""A command's log records, sent to its Prefect flow run when the run ends.

Prefect's client streams the ``anq`` loggers' records to a flow run (anq sets
``PREFECT_LOGGING_EXTRA_LOGGERS``). A command that records its run over REST
(``flows.prefect_rest``) keeps them instead, from INFO up, and sends them
(``POST /logs/``) before the run's final state, so the run's page in the UI
still says which page failed and why. Warnings and errors are also printed
on stderr, as Python prints them without a handler.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flows.prefect_rest import PrefectApiError, RecordedRun

LOGGER = "anq"
#: Records kept for one run at most; past them only their number is sent.
KEEP = 5_000

log = logging.getLogger("anq.prefect")


class KeptLogs(logging.Handler):
    """Keeps records as Prefect log entries, up to :data:`KEEP`."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.entries: list[dict[str, Any]] = []
        self.dropped = 0

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.entries) >= KEEP:
            self.dropped += 1
            return
        try:
            message = self.format(record)
        except Exception:  # logging's own rule: a bad record must not break the run
            self.handleError(record)
            return
        self.entries.append(_entry(record.name, record.levelno, message, record.created))

    def all(self) -> list[dict[str, Any]]:
        """The entries, and one saying how many were not kept."""
        if not self.dropped:
            return self.entries
        note = f"{self.dropped} more log records of this run were not kept"
        now = datetime.now(UTC).timestamp()
        return [*self.entries, _entry(log.name, logging.WARNING, note, now)]


@contextmanager
def sent_logs(record: RecordedRun) -> Iterator[None]:
    """The ``anq`` loggers' records of the block, sent to ``record``'s run after it."""
    logger = logging.getLogger(LOGGER)
    kept = KeptLogs()
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(kept)
    logger.addHandler(console)
    try:
        yield
    finally:
        logger.removeHandler(kept)
        logger.removeHandler(console)
        logger.setLevel(level)
        _send(record, kept)


def _send(record: RecordedRun, kept: KeptLogs) -> None:
    """The logs are the run's commentary: failing to send them is said, not raised."""
    try:
        record.logs(kept.all())
    except PrefectApiError as err:
        log.warning("the run's log records were not sent to Prefect: %s", err)


def _entry(name: str, level: int, message: str, created: float) -> dict[str, Any]:
    moment = datetime.fromtimestamp(created, UTC).isoformat()
    return {"name": name, "level": level, "message": message, "timestamp": moment}
