"""The layout is the architecture: these tests fail when an import crosses a boundary.

Each module is imported in a fresh interpreter and the modules it pulled in are
listed, so an indirect import (through a helper) counts as much as a direct one.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _modules(package: str) -> list[str]:
    path = ROOT.joinpath(*package.split("."))
    names = [package]
    for info in pkgutil.walk_packages([str(path)], prefix=f"{package}."):
        names.append(info.name)
    return names


def _imported_by(module: str) -> set[str]:
    # a None entry is a module blocked from loading, not one loaded
    loaded = "sorted(m for m, v in sys.modules.items() if v is not None)"
    code = f"import json, sys; import {module}; print(json.dumps({loaded}))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return {name.split(".")[0] for name in json.loads(out.stdout)} | set(json.loads(out.stdout))


#: (package, what none of its modules may import, even indirectly)
_PURE = {"httpx", "duckdb", "prefect", "warehouse", "flows", "extractors.http"}
BOUNDARIES = [
    ("extractors.pages", _PURE),
    ("extractors.opendata", _PURE),
    ("extractors.http", {"duckdb", "prefect", "warehouse", "flows"}),
    ("warehouse", {"httpx", "prefect", "flows", "rich", "extractors.http"}),
    ("flows.report", {"httpx", "prefect", "extractors.http"}),
]
#: The commands' work, run without Prefect's client (``flows.cli.running``), and the
#: command itself up to the point where it may need Prefect.
PREFECT_FREE = [
    "flows.named", "flows.rebuild", "flows.ranges", "flows.nightly", "flows.opendata_refresh",
    "flows.api", "flows.prefect_rest", "flows.prefect_logs", "flows.cli", "flows.cli.running",
]  # fmt: skip


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [(m, forbidden) for package, forbidden in BOUNDARIES for m in _modules(package)],
)
def test_module_stays_on_its_side(module: str, forbidden: set[str]) -> None:
    crossed = _imported_by(module) & forbidden
    assert not crossed, f"{module} imports {sorted(crossed)}"


@pytest.mark.parametrize("module", PREFECT_FREE)
def test_a_commands_work_never_loads_prefect(module: str) -> None:
    assert "prefect" not in _imported_by(module)


def _project_imports(path: Path, module: str) -> set[str]:
    """Project modules named by any import in ``path`` (function-level and typing-only too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES and name != module}


PACKAGES = ("extractors", "warehouse", "flows")


def _graph() -> dict[str, set[str]]:
    files = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
        for package in PACKAGES
        for p in (ROOT / package).rglob("*.py")
    }
    return {m: _project_imports(p, m) & files.keys() for m, p in files.items()}


def test_no_import_cycle() -> None:
    graph = _graph()
    # A package's __init__ may re-export its own modules; that is not a cycle.
    edges = {m: {n for n in deps if not m.startswith(n + ".")} for m, deps in graph.items()}
    cycles = []
    for start in edges:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in edges[node]:
                if nxt == start:
                    cycles.append(" -> ".join([*path, start]))
                elif nxt not in path and len(path) < 8:
                    stack.append((nxt, [*path, nxt]))
    assert not cycles, "\n".join(sorted(set(cycles))[:10])


#: What ``anq fetch`` loads before its first request (robots.txt) must stay small:
#: everything else loads during the pacer's wait for the page.
BEFORE_FIRST_REQUEST = "flows.cli, flows.cli.running, extractors.http.client"


@pytest.mark.parametrize(
    "heavy", ["duckdb", "prefect", "extractors.pages", "flows.runner", "pygments", "httpx._main"]
)
def test_first_request_waits_for_little(heavy: str) -> None:
    assert heavy not in _imported_by(BEFORE_FIRST_REQUEST)
