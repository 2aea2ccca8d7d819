"""End-to-end backfill benchmark: loopback site → anq backfill → DuckDB, rate limit off.

Serves N invented question pages (current dyn template, padded with site-like
menus to the real pages' size, ~50 KB) from a real HTTP server on 127.0.0.1
(``bench/loopback.py``: responses rendered once, so the server takes little
of the two cores the run shares with it), runs the real ``anq backfill`` in a
child process, and reports:

* pages/s over the flow run itself (``runs.finished_at - runs.started_at``),
  and over the whole command (the Prefect API's start included);
* peak RSS (``VmHWM``) of the ``anq`` process and, apart, of the Prefect
  API process it talks to, for 500 and for N pages, to show that memory
  does not grow with the corpus.

Two set-ups: ``anq``'s default (no ``PREFECT_API_URL``: Prefect starts its
own temporary API in a child process for the command's length) and
``--server`` (a ``prefect server`` on 127.0.0.1 and ``PREFECT_API_URL`` set,
as the nightly deployment runs; its peak RSS covers both runs).

Usage: ``uv run python bench/bench_pipeline.py [--pages 6000] [--server] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.loopback import LoopbackSite  # noqa: E402
from tests.support.pages import render_question  # noqa: E402

SITE = "https://www.assemblee-nationale.fr"
#: Questions of the 17th (the current legislature: open ones are allowed), asked from here on.
ASKED = dt.date(2024, 7, 19)
CHILD = """
import json, os, resource, sys
from flows.cli import main

def hwm(pid="self"):
    with open(f"/proc/{pid}/status") as status:
        return int(next(l for l in status if l.startswith("VmHWM")).split()[1])

def cpu(pid):  # user + system seconds
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

api_seen = []
if not os.environ.get("PREFECT_API_URL"):  # Prefect's own temporary API, in a child process
    from prefect.server.api.server import SubprocessASGIServer
    stop = SubprocessASGIServer.stop

    def stop_and_measure(server):  # the API child's peak and CPU, read just before it stops
        proc = server.server_process
        if proc is not None and proc.poll() is None:
            api_seen.append((hwm(proc.pid), cpu(proc.pid)))
        stop(server)

    SubprocessASGIServer.stop = stop_and_measure

code = main(sys.argv[1:])
usage = resource.getrusage(resource.RUSAGE_SELF)
api_kb, api_cpu = max(api_seen, default=(0, 0.0))
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across execve, so a child forked
# from this bench (which holds every served page) would inherit its peak.
print(json.dumps({"code": code, "maxrss_kb": hwm(), "api_kb": api_kb, "api_cpu": api_cpu,
                  "cpu": usage.ru_utime + usage.ru_stime}))
"""


def padding(kb: int = 40) -> str:
    """Menus and footer like the site's: most of a real page's bytes, none of its data."""
    items = "".join(
        f'<li><a href="{SITE}/dyn/menu/{i}">Rubrique de menu {i}</a></li>\n'
        for i in range(kb * 1024 // 80)
    )
    return f'<nav id="header-navigation"><ul>{items}</ul></nav>'


def page(n: int, pad: str) -> bytes:
    html = render_question(
        uid=f"QANR5L17QE{n}",
        title=f"Question de banc d'essai {n}",
        question_published_on=ASKED + dt.timedelta(days=n % 300),
        question_paragraphs=[f"Paragraphe {k} de la question {n}, " * 8 for k in range(4)],
        answer_paragraphs=[f"Réponse {k} à la question {n}. " * 10 for k in range(5)]
        if n % 2
        else None,
        answer_published_on=ASKED + dt.timedelta(days=n % 300 + 45) if n % 2 else None,
    )
    return html.replace('<div id="root">', '<div id="root">' + pad, 1).encode()


def prefect_env(workdir: Path, name: str) -> dict[str, str]:
    return {
        **os.environ,
        "PREFECT_HOME": str(workdir / name),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        # a loaded machine may take minutes to start the temporary API
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "900",
    }


def run(pages: int, site: LoopbackSite, workdir: Path, api: str | None) -> dict[str, float]:
    """One ``anq backfill`` of ``pages`` numbers into a fresh file."""
    db = workdir / f"bench-{pages}-{'server' if api else 'ephemeral'}-{time.time_ns()}.duckdb"
    args = [
        "backfill",
        "--legislature",
        "17",
        "--type",
        "QE",
        "--from-number",
        "1",
        "--to-number",
        str(pages),
        "--rate",
        "0",
        "--db",
        str(db),
        "--base-url",
        site.base_url,
    ]
    env = prefect_env(workdir, "prefect")
    if api:
        env["PREFECT_API_URL"] = api
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result["code"] != 0:
        raise SystemExit(f"anq {' '.join(args)} exited {result['code']}:\n{proc.stderr[-3000:]}")
    con = duckdb.connect(str(db), read_only=True)
    row = con.execute("SELECT epoch(finished_at - started_at), pages_new FROM runs").fetchone()
    con.close()
    assert row is not None and row[1] == pages, row
    return {
        "pages": pages,
        "flow_s": row[0],
        "wall_s": wall,
        "flow_pps": pages / row[0],
        "wall_pps": pages / wall,
        "maxrss_mb": result["maxrss_kb"] / 1024,
        "api_mb": result["api_kb"] / 1024,
        "cpu_s": result["cpu"],
        "api_cpu_s": result["api_cpu"],
    }


@contextlib.contextmanager
def prefect_server(workdir: Path, wanted: bool) -> Iterator[tuple[str, int] | None]:
    """A ``prefect server`` on a free loopback port (URL, pid), stopped by its pid at the end."""
    if not wanted:
        yield None
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    prefect = str(Path(sys.executable).parent / "prefect")
    proc = subprocess.Popen(
        [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=prefect_env(workdir, "server"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{api}/health", timeout=2):
                    break
            except OSError:
                time.sleep(1)
        yield api, proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def group_peak_mb(pid: int) -> float:
    """Largest VmHWM of ``pid`` and its descendants (``prefect server`` runs uvicorn below)."""
    peak, todo = 0, [pid]
    while todo:
        current = todo.pop()
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{current}/status").read_text()
            line = next(x for x in status.splitlines() if x.startswith("VmHWM"))
            peak = max(peak, int(line.split()[1]))
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    return peak / 1024


def report(rows: list[dict[str, float]], server_mb: float | None) -> None:
    """Per size: the best run, the spread of the flow rate, and the highest peaks."""
    print(
        "| pages | runs | flow run (s) | pages/s (flow), best [spread] | whole command (s) "
        "| pages/s (command) | anq peak RSS (MB) | Prefect API peak RSS (MB) | CPU s, anq + API |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    peaks = {}
    for pages in sorted({int(r["pages"]) for r in rows}):
        same = [r for r in rows if r["pages"] == pages]
        best = max(same, key=lambda r: r["flow_pps"])
        rates = sorted(r["flow_pps"] for r in same)
        fastest = min(same, key=lambda r: r["wall_s"])
        peaks[pages] = max(r["maxrss_mb"] for r in same)
        api = f"{max(r['api_mb'] for r in same):.0f}" if server_mb is None else "(server)"
        print(
            f"| {pages} | {len(same)} | {best['flow_s']:.1f} | {best['flow_pps']:.0f} "
            f"[{rates[0]:.0f}-{rates[-1]:.0f}] | {fastest['wall_s']:.1f} "
            f"| {fastest['wall_pps']:.0f} | {peaks[pages]:.0f} | {api} "
            f"| {best['cpu_s']:.1f} + {best['api_cpu_s']:.1f} |"
        )
    if server_mb is not None:
        print(f"prefect server peak RSS over all runs: {server_mb:.0f} MB")
    low, high = min(peaks), max(peaks)
    print(f"anq RSS ratio {high}/{low}: {peaks[high] / peaks[low]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=6000)
    parser.add_argument("--server", action="store_true", help="run against a prefect server")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each size")
    args = parser.parse_args()
    pad = padding()
    pages = {f"/dyn/17/questions/QANR5L17QE{n}": page(n, pad) for n in range(1, args.pages + 1)}
    size = sum(len(b) for b in pages.values()) / len(pages)
    print(f"serving {len(pages)} pages, {size / 1024:.1f} KB each on average")
    print(f"load average before: {os.getloadavg()}")
    rows: list[dict[str, float]] = []
    server_mb = None
    with (
        tempfile.TemporaryDirectory() as tmp,
        LoopbackSite(pages) as site,
        prefect_server(Path(tmp), args.server) as server,
    ):
        api = server[0] if server else None
        for _ in range(args.repeat):
            rows += [
                run(500, site, Path(tmp), api),
                run(args.pages, site, Path(tmp), api),
            ]
            print(json.dumps(rows[-2:]), flush=True)
        if server is not None:
            server_mb = group_peak_mb(server[1])
    print(f"load average after: {os.getloadavg()}")
    report(rows, server_mb)


if __name__ == "__main__":
    main()
