"""Every ```sql block of README.md and docs/recipes.md runs on the fixture warehouse.

So the documented recipes never rot: each must run and return at least one row (the fixture is
built so that each recipe has something to find). The working directory holds an export of the
fixture in ``export/`` (Parquet and CSV), as the export recipes expect, and the ```python
blocks run there too, against ``data/anq.duckdb`` (a copy of the fixture).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from flows.report.export import export

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = [REPO / "README.md", REPO / "docs" / "recipes.md"]


def blocks(language: str) -> list[tuple[str, str]]:
    """``(id, code)`` of every fenced block in the given language, in document order."""
    fence = re.compile(rf"^```{language}[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
    found: list[tuple[str, str]] = []
    for doc in DOCUMENTS:
        if doc.exists():
            text = doc.read_text(encoding="utf-8")
            for n, match in enumerate(fence.finditer(text), start=1):
                line = text.count("\n", 0, match.start()) + 1
                found.append((f"{doc.name}:{line}#{n}", match.group(1)))
    return found


SQL = blocks("sql")
PYTHON = blocks("python")


def test_recipes_are_found() -> None:
    """Guards the extraction itself: a broken regex would make every other test vanish."""
    assert len([i for i, _ in SQL if i.startswith("recipes.md")]) >= 15
    assert PYTHON


@pytest.fixture(scope="module")
def workdir(warehouse: tuple[Path, dt.date], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out as the docs assume: data/anq.duckdb and export/."""
    root = tmp_path_factory.mktemp("recipes")
    (root / "data").mkdir()
    shutil.copy(warehouse[0], root / "data" / "anq.duckdb")
    con = duckdb.connect(str(warehouse[0]), read_only=True)
    try:
        export(con, root / "export", "parquet")
        export(con, root / "export", "csv")
    finally:
        con.close()
    return root


@pytest.mark.parametrize("code", [c for _, c in SQL], ids=[i for i, _ in SQL])
def test_sql_recipe_runs_and_finds_rows(
    code: str, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    con = duckdb.connect(str(workdir / "data" / "anq.duckdb"), read_only=True)
    try:
        result = con.execute(code).fetchall()
    finally:
        con.close()
    assert result, "the recipe found nothing on the fixture warehouse"


@pytest.mark.parametrize("code", [c for _, c in PYTHON], ids=[i for i, _ in PYTHON])
def test_python_recipe_runs(
    code: str, workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(workdir)
    exec(compile(code, "<recipe>", "exec"), {})
    assert capsys.readouterr().out.strip(), "the recipe printed nothing"
