"""Start-up of a fetching command: ``anq fetch UID`` of one page, whole command.

Runs the real ``anq fetch`` (the console script, as a user types it) against
one page served on 127.0.0.1, into a fresh DuckDB file each time (and, with a
server, again into one existing file), and reports the wall time of the whole
command, from exec to exit, and its CPU time (user + system, the command and
the children it waited for: the temporary API's included), which a loaded
machine inflates less than the wall time:

* ``default``: no ``PREFECT_API_URL``, so Prefect starts its own temporary
  API for the command's length (and stops it at the end);
* ``server``: a ``prefect server start`` already running and
  ``PREFECT_API_URL`` pointing at it (the fast path: ``anq fetch`` then
  records its flow run over the server's REST API and never loads Prefect).

Also ``anq stats`` (no Prefect at all), for scale, and the machine's load
average at the start, since the two cores may be shared.

Usage: ``uv run python bench/bench_startup.py [--repeat 5] [--only default|server]``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_pipeline import prefect_env, prefect_server  # noqa: E402
from tests.support.pages import render_question  # noqa: E402
from tests.support.siteserver import SiteServer  # noqa: E402

ANQ = Path(sys.executable).parent / "anq"
UID = "QANR5L16QE1"


def once(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time of the command, and the CPU time (user + system) of it and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([str(ANQ), *args], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"anq {' '.join(args)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def series(
    name: str, workdir: Path, base_url: str, env: dict[str, str], repeat: int, reuse: bool = False
) -> None:
    """``repeat`` fetches, each into a fresh file, or (``reuse``) all into one file
    that a first, unmeasured fetch made."""
    runs = []
    if reuse:
        db = workdir / f"{name}-reused.duckdb"
        once(["fetch", UID, "--db", str(db), "--base-url", base_url], env)
    for i in range(repeat):
        if not reuse:
            db = workdir / f"{name}-{i}.duckdb"
        runs.append(once(["fetch", UID, "--db", str(db), "--base-url", base_url], env))
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    stats_wall, _ = once(["stats", "--db", str(db)], env)
    print(
        f"| {name} | {repeat} | {min(walls):.2f} | {statistics.median(walls):.2f} "
        f"| {max(walls):.2f} | {statistics.median(cpus):.2f} | {stats_wall:.2f} "
        f"| {os.getloadavg()[0]:.1f} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", choices=["default", "server"], help="one set-up only")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print("| Prefect API | runs | fastest (s) | median (s) | slowest (s) | median CPU (s) "
          "| anq stats (s) | load after |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|", flush=True)
    with tempfile.TemporaryDirectory() as tmp, SiteServer(seed=0) as site:
        workdir = Path(tmp)
        site.pages[f"/dyn/16/questions/{UID}"] = render_question(uid=UID).encode()
        env = prefect_env(workdir, "prefect")
        env.pop("PREFECT_API_URL", None)
        if args.only != "server":
            series("default (temporary API)", workdir, site.base_url, env, args.repeat)
        if args.only == "default":
            return
        with prefect_server(workdir, True) as server:
            assert server is not None
            env["PREFECT_API_URL"] = server[0]
            series("`prefect server start` running", workdir, site.base_url, env, args.repeat)
            series("server running, warehouse there", workdir, site.base_url, env, args.repeat,
                   reuse=True)  # fmt: skip


if __name__ == "__main__":
    main()
