"""Exit statuses of the ``anq`` command, and the error that carries one."""

from __future__ import annotations

EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED, EXIT_UNREACHABLE = 1, 2, 3, 4


class Fail(Exception):
    """The command cannot go on: ``main`` prints the message on one line and exits ``code``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
