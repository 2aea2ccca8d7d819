"""Test-wide settings: Prefect quiet and isolated, and the path to ../shared.

Real pages of the site live in ``../shared/an-samples`` beside the clone (CI
always has it); they are third-party data, read in place and never copied.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SAMPLES = SHARED / "an-samples"
FIXTURES = REPO / "tests" / "fixtures"

_PREFECT_HOME = tempfile.mkdtemp(prefix="anq-prefect-home-")
atexit.register(shutil.rmtree, _PREFECT_HOME, ignore_errors=True)
for _key, _value in {
    "PREFECT_HOME": _PREFECT_HOME,
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "600",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}.items():
    os.environ.setdefault(_key, _value)
os.environ.pop("PREFECT_API_URL", None)


def sample_path(name: str) -> Path:
    """Path of a real page in ../shared/an-samples; skip the test where it is absent."""
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"../shared/an-samples/{name} is not beside this clone (CI always has it)")
    return path
