"""Reading a Prefect server back through its REST API, as a user's script would."""

from __future__ import annotations

from typing import Any

import httpx

#: Runs the command (``python -c PROBE <args>``) and says which of Prefect's modules
#: its process loaded, on its last line of output.
PROBE = (
    "import sys\n"
    "from flows.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "loaded = sorted(m for m in sys.modules if m == 'prefect' or m.startswith('prefect.'))\n"
    "print('prefect modules:', loaded)\n"
    "raise SystemExit(code)\n"
)


def flow_run(api: str, run_id: str) -> dict[str, Any]:
    answer = httpx.get(f"{api}/flow_runs/{run_id}", timeout=10)
    answer.raise_for_status()
    run: dict[str, Any] = answer.json()
    return run


def flow_name(api: str, flow_id: str) -> str:
    return str(httpx.get(f"{api}/flows/{flow_id}", timeout=10).json()["name"])


def artifacts(api: str, run_id: str) -> list[dict[str, Any]]:
    return _filter(api, "artifacts", {"artifacts": {"flow_run_id": {"any_": [run_id]}}})


def logs(api: str, run_id: str) -> list[dict[str, Any]]:
    return _filter(api, "logs", {"logs": {"flow_run_id": {"any_": [run_id]}}})


def running(api: str, flow: str) -> bool:
    """Whether a run of ``flow`` is RUNNING."""
    body = {"flows": {"name": {"any_": [flow]}},
            "flow_runs": {"state": {"type": {"any_": ["RUNNING"]}}}}  # fmt: skip
    return bool(_filter(api, "flow_runs", body))


def _filter(api: str, what: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    answer = httpx.post(f"{api}/{what}/filter", json=body, timeout=10)
    answer.raise_for_status()
    found: list[dict[str, Any]] = answer.json()
    return found
