"""Run reports and drift alarms (issue 5). Minimal first version; see issue 5."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.runner import Run


def drift_alarms(db: Path, run: Run) -> list[str]:
    """Messages naming each field whose fill rate collapsed (none yet)."""
    return []


def run_report(db: Path, run: Run, alarms: list[str]) -> str:
    """The run's outcome as markdown."""
    lines = [f"# anq {run.flow} run {run.run_id}", ""]
    for name, value in sorted(run.summary().items()):
        lines.append(f"- {name}: {value}")
    lines.extend(f"- ALARM: {alarm}" for alarm in alarms)
    return "\n".join(lines)


def publish(run: Run, report: str) -> None:
    """Publish the report as a Prefect artifact of the current flow run."""
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(markdown=report, key=f"anq-{run.flow}-report", description="anq run report")
