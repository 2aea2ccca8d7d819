"""Getting questions out of the site: the E of the pipeline.

Two sides that never meet: :mod:`extractors.pages` is pure parsing (bytes in,
``Question | NotAQuestion`` out, no I/O) and :mod:`extractors.http` is the one
polite HTTP client. :mod:`extractors.model` and :mod:`extractors.uid` are the
types both sides and the warehouse share.

The public entry point is ``from extractors import extract``.
"""

from extractors.model import ExtractionError, NotAQuestion, Question
from extractors.pages import extract

__all__ = ["ExtractionError", "NotAQuestion", "Question", "extract"]
