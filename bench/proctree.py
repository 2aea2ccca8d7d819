"""Peak RSS and CPU of a process and of the processes it starts, sampled from ``/proc``.

``VmHWM`` gives one process's peak, but not the peak of a tree of processes
at the same moment, nor the CPU of children that are not reaped by the
measured process's end. :class:`Tree` reads ``/proc`` every ``every``
seconds until the root process ends: the root's ``VmHWM``, and for its
descendants their ``VmRSS`` summed per group at each sample, and their CPU
seconds when last seen. A child is counted from its ``execve`` on (before
it, a forked child shows the parent's pages).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Group:
    """Descendants of one kind: the peak of their summed RSS, and their CPU seconds."""

    peak_mb: float = 0.0
    cpu: dict[int, float] = field(default_factory=dict)  # by pid

    @property
    def cpu_s(self) -> float:
        return sum(self.cpu.values())


class Tree(threading.Thread):
    """Samples ``pid`` and its descendants until ``pid`` ends; ``kind`` names each child's group."""

    def __init__(self, pid: int, kind: Callable[[str], str], every: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.kind, self.every = pid, kind, every
        self.groups: dict[str, Group] = {}
        self.root_hwm_mb = 0.0
        self.samples: list[dict[str, float]] = []  # RSS by group, "root" included

    def run(self) -> None:
        while (root := _status(self.pid)) is not None:
            self.root_hwm_mb = max(self.root_hwm_mb, root[1])
            sums: dict[str, float] = {"root": root[0]}
            for child in _descendants(self.pid):
                seen = _status(child)
                if seen is None or seen[2] == root[2]:
                    continue  # gone, or forked and not yet exec'd
                name = self.kind(seen[2])
                sums[name] = sums.get(name, 0.0) + seen[0]
                group = self.groups.setdefault(name, Group())
                group.cpu[child] = seen[3]
            for name, total in sums.items():
                if name != "root":
                    self.groups[name].peak_mb = max(self.groups[name].peak_mb, total)
            self.samples.append(sums)
            threading.Event().wait(self.every)

    def group(self, name: str) -> Group:
        return self.groups.get(name, Group())

    def peak_of(self, *names: str) -> float:
        """The peak of the RSS of these groups together ("root": the root process)."""
        return max((sum(s.get(n, 0.0) for n in names) for s in self.samples), default=0.0)


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat[stat.rindex(")") + 2 :].split()[1])
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo += children.get(child, [])
    return found


def _status(pid: int) -> tuple[float, float, str, float] | None:
    """RSS and peak RSS (MB), command line, CPU seconds; None once the process is gone."""
    try:
        fields = dict(
            line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        )
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return None
    if "VmRSS" not in fields:
        return None  # a zombie
    ticks = stat[stat.rindex(")") + 2 :].split()
    cpu = (int(ticks[11]) + int(ticks[12])) / _TICK
    mb = [int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM")]
    return mb[0], mb[1], command, cpu
