"""An extractor for the worker tests, in a module that imports nothing heavy: pickled by
reference, it is all a worker imports besides ``warehouse.replay_pool``."""

from __future__ import annotations

import sys

from extractors.model import Question

#: What a worker must not have loaded: the run's machinery, the warehouse's engine.
HEAVY = ("prefect", "duckdb", "pyarrow", "httpx")


def heavy_modules(raw: bytes, url: str) -> Question | None:
    """No question; raises naming the heavy modules the process has loaded, if any."""
    loaded = [name for name in HEAVY if name in sys.modules]
    if loaded:
        raise ValueError(f"loaded: {', '.join(loaded)}")
    return None
