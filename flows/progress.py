"""A tiny progress hook: flows report pages done, the CLI decides how to show them.

Flows cannot take a callback as a Prefect parameter, so the CLI installs a
reporter here before it starts a flow; deployments run with the silent default.
"""

from __future__ import annotations

from typing import Protocol


class Reporter(Protocol):
    def add_total(self, pages: int) -> None: ...
    def advance(self, pages: int) -> None: ...


class _Silent:
    def add_total(self, pages: int) -> None:
        return None

    def advance(self, pages: int) -> None:
        return None


_current: list[Reporter] = [_Silent()]


def install(reporter: Reporter | None) -> None:
    """Use ``reporter`` for the flows started from now on (None: silent)."""
    _current[0] = reporter if reporter is not None else _Silent()


def add_total(pages: int) -> None:
    """More pages are planned (discovery learns its total as it goes)."""
    _current[0].add_total(pages)


def advance(pages: int) -> None:
    """``pages`` more pages are done."""
    _current[0].advance(pages)
