"""End-to-end backfill benchmark: loopback site → anq backfill → DuckDB, rate limit off.

Serves N invented question pages (current dyn template, padded with site-like
menus to the real pages' size, ~50 KB) from a real HTTP server on 127.0.0.1,
runs the real ``anq backfill`` in a child process, and reports:

* pages/s over the flow run itself (``runs.finished_at - runs.started_at``),
  and over the whole command (Prefect's ephemeral API start included);
* the child's peak RSS (``VmHWM``), for 500 and for N pages, to show that
  memory does not grow with the corpus.

Two set-ups: ``anq``'s default (Prefect's temporary local API, which loads
Prefect's server stack into the command's own process) and ``--server`` (a
``prefect server`` on 127.0.0.1 and ``PREFECT_API_URL`` set, as the nightly
deployment runs).

Usage: ``uv run python bench/bench_pipeline.py [--pages 5000] [--server]``
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

from tests.support.pages import render_question  # noqa: E402
from tests.support.siteserver import SiteServer  # noqa: E402

SITE = "https://www.assemblee-nationale.fr"
CHILD = """
import json, sys
from flows.cli import main
code = main(sys.argv[1:])
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across execve, so a child forked
# from this bench (which holds every served page) would inherit its peak.
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"code": code, "maxrss_kb": int(hwm.split()[1])}))
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
        uid=f"QANR5L16QE{n}",
        title=f"Question de banc d'essai {n}",
        question_published_on=dt.date(2023, 1, 1) + dt.timedelta(days=n % 700),
        question_paragraphs=[f"Paragraphe {k} de la question {n}, " * 8 for k in range(4)],
        answer_paragraphs=[f"Réponse {k} à la question {n}. " * 10 for k in range(5)]
        if n % 2
        else None,
        answer_published_on=dt.date(2024, 3, 1) if n % 2 else None,
    )
    return html.replace('<div id="root">', '<div id="root">' + pad, 1).encode()


def prefect_env(workdir: Path, name: str) -> dict[str, str]:
    return {
        **os.environ,
        "PREFECT_HOME": str(workdir / name),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }


def run(pages: int, site: SiteServer, workdir: Path, api: str | None) -> dict[str, float]:
    """One ``anq backfill`` of ``pages`` numbers into a fresh file."""
    db = workdir / f"bench-{pages}-{'server' if api else 'ephemeral'}.duckdb"
    args = [
        "backfill",
        "--legislature",
        "16",
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
    }


@contextlib.contextmanager
def prefect_server(workdir: Path, wanted: bool) -> Iterator[str | None]:
    """A ``prefect server`` on a free loopback port, stopped by its pid at the end."""
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
        yield api
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--server", action="store_true", help="run against a prefect server")
    args = parser.parse_args()
    pad = padding()
    with tempfile.TemporaryDirectory() as tmp, SiteServer() as site:
        for n in range(1, args.pages + 1):
            site.pages[f"/dyn/16/questions/QANR5L16QE{n}"] = page(n, pad)
        size = sum(len(b) for b in site.pages.values()) / len(site.pages)
        print(f"serving {len(site.pages)} pages, {size / 1024:.1f} KB each on average")
        with prefect_server(Path(tmp), args.server) as api:
            rows = [run(500, site, Path(tmp), api), run(args.pages, site, Path(tmp), api)]
    print(
        "| pages | flow run (s) | pages/s (flow) | whole command (s) | pages/s (command) "
        "| peak RSS (MB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['pages']} | {r['flow_s']:.1f} | {r['flow_pps']:.0f} | {r['wall_s']:.1f} "
            f"| {r['wall_pps']:.0f} | {r['maxrss_mb']:.0f} |"
        )
    print(f"RSS ratio {args.pages}/500: {rows[1]['maxrss_mb'] / rows[0]['maxrss_mb']:.2f}")


if __name__ == "__main__":
    main()
