"""Getting questions out of the site: the E of the pipeline.

Two sides that never meet: :mod:`extractors.pages` is pure parsing (bytes in,
``Question | NotAQuestion`` out, no I/O) and :mod:`extractors.http` is the one
polite HTTP client. :mod:`extractors.model` and :mod:`extractors.uid` are the
types both sides and the warehouse share.

The public entry point is ``from extractors import extract``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from extractors.model import ExtractionError, NotAQuestion, Question
    from extractors.pages import extract

__all__ = ["ExtractionError", "NotAQuestion", "Question", "extract"]

#: Loaded on first use, so that importing the HTTP client or the uids (every command's
#: start) does not load the parsers too.
_HOMES = {"extract": "extractors.pages", "ExtractionError": "extractors.model",
          "NotAQuestion": "extractors.model", "Question": "extractors.model"}  # fmt: skip


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module 'extractors' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
