"""Running one command for the corpus benchmark: wall time, memory and bytes written.

Each command runs under a small Python wrapper that starts it and waits for
it. Linux adds a reaped child's I/O counters and peak RSS to its parent's, so
once the command has ended the wrapper's ``/proc/self/io`` ``write_bytes``
holds what the whole process tree wrote to disk, and ``RUSAGE_CHILDREN``
``ru_maxrss`` the largest peak of any one process in it (anq itself, its
temporary Prefect API, ``uv``). Meanwhile the benchmark polls the tree every
0.2 s and keeps the largest sum of RSS over its processes.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

WRAPPER = """
import json, resource, subprocess, sys
code = subprocess.call(sys.argv[2:], stdout=open(sys.argv[1] + ".out", "w"),
                       stderr=subprocess.STDOUT)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open("/proc/self/io") as io:
    written = int(next(l for l in io if l.startswith("write_bytes")).split()[1])
json.dump({"code": code, "maxrss_kb": usage.ru_maxrss, "written": written,
           "cpu": usage.ru_utime + usage.ru_stime}, open(sys.argv[1], "w"))
"""


@dataclass
class Measure:
    """What one command cost."""

    command: str
    seconds: float
    peak_mb: float  # the largest single process
    tree_mb: float  # the largest sum over the process tree, sampled
    written_mb: float
    cpu_s: float
    output: str
    size_mb: float | None = None

    def row(self) -> str:
        size = "" if self.size_mb is None else f"{self.size_mb:,.1f}"
        return (
            f"| `{self.command}` | {self.seconds:,.2f} | {self.peak_mb:,.0f} | {self.tree_mb:,.0f} "
            f"| {self.cpu_s:,.1f} | {self.written_mb:,.1f} | {size} |"
        )


HEADER = (
    "| command | wall s | peak RSS MB (one process) | peak RSS MB (tree) | CPU s "
    "| MB written | output MB |\n|---|---:|---:|---:|---:|---:|---:|"
)


def tree_rss_kb(pid: int) -> int:
    """Sum of VmRSS over ``pid`` and its descendants, now."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        with contextlib.suppress(OSError, StopIteration):
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(x for x in status.splitlines() if x.startswith("VmRSS")).split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    return total


def run(label: str, argv: list[str], env: dict[str, str], cwd: Path) -> Measure:
    """Run ``argv`` to its end and measure it."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", WRAPPER, str(result), *argv], env=env, cwd=cwd
        )
        tree = 0
        while proc.poll() is None:
            tree = max(tree, tree_rss_kb(proc.pid))
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        data = json.loads(result.read_text())
        output = Path(f"{result}.out").read_text(errors="replace")
    if data["code"] != 0:  # reported in the table, the run goes on with the next command
        print(f"{label} failed ({data['code']}):\n{output[-3000:]}", file=sys.stderr)
        label = f"{label}: FAILED, exit {data['code']}"
    return Measure(
        command=label,
        seconds=seconds,
        peak_mb=data["maxrss_kb"] / 1024,
        tree_mb=tree / 1024,
        written_mb=data["written"] / 2**20,
        cpu_s=data["cpu"],
        output=output,
    )


def size_mb(path: Path) -> float:
    """Bytes under ``path`` (a file or a directory), in MB."""
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20
