"""Requests made by a no-change nightly sync, against the number of pages due.

A loopback site serves PAGES written questions (legislature 17, QE), 40% of
them open, published over the last two years. A first ``anq sync`` loads them
all; then ``anq sync`` runs again with ``ANQ_NOW`` one, eight and thirty days
later (nothing changed on the site). For each later sync the script prints the
pages due at that moment (``warehouse.queries.count_due``), the requests the site
saw, how many were answered 304, and how many were probes past the end (404).

    uv run python bench/bench_nightly.py [--pages 3000] [--rate 0]

Each sync is a real ``anq`` subprocess (Prefect's temporary API included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.pages import render_question  # noqa: E402
from tests.support.siteserver import SiteServer  # noqa: E402
from warehouse.db import session  # noqa: E402
from warehouse.queries import count_due  # noqa: E402

OFFSETS = (1, 8, 30)


def populate(site: SiteServer, pages: int, today: dt.date) -> int:
    """PAGES questions, 2 in 5 open, ages spread over two years; returns the open count."""
    open_count = 0
    for n in range(1, pages + 1):
        published = today - dt.timedelta(days=(n * 7) % 730)
        fields: dict[str, object] = {"question_published_on": published}
        if n % 5 >= 2:
            fields.update(
                answer_paragraphs=[f"Réponse {n}."],
                answer_published_on=published + dt.timedelta(days=1),
            )
        else:
            open_count += 1
        site.pages[f"/dyn/17/questions/QANR5L17QE{n}"] = render_question(
            uid=f"QANR5L17QE{n}", **fields
        ).encode()
    return open_count


def anq(args: list[str], env: dict[str, str] | None = None) -> float:
    start = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        check=True,
        capture_output=True,
        env={**os.environ, **(env or {})},
        cwd=REPO,
    )
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--rate", default="0")
    opts = parser.parse_args()
    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="anq-bench-prefect-"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    with tempfile.TemporaryDirectory(prefix="anq-bench-nightly-") as tmp, SiteServer() as site:
        db = Path(tmp) / "anq.duckdb"
        common = ["--db", str(db), "--base-url", site.base_url, "--rate", opts.rate]
        common += ["--legislature", "17", "--type", "QE"]
        open_count = populate(site, opts.pages, now.date())
        seconds = anq(["sync", *common])
        print(
            f"first sync: {opts.pages} pages ({open_count} open), "
            f"{len(site.requests)} requests, {seconds:.1f} s"
        )
        print()
        print(
            "| sync at | pages due | requests | of which 304 | 200 | probes (404) "
            "| robots.txt | share 304 | wall s |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for days in OFFSETS:
            at = now + dt.timedelta(days=days)
            with session(db, read_only=True) as con:
                due = count_due(con, at).total
            site.clear_log()
            seconds = anq(["sync", *common], env={"ANQ_NOW": at.isoformat()})
            log = site.requests
            pages = [r for r in log if r.path.startswith("/dyn/")]
            status = Counter(r.status for r in pages)
            share = status[304] / len(pages) if pages else 0.0
            cells = [f"+{days} d", due, len(log), status[304], status[200], status[404]]
            cells += [len(log) - len(pages), f"{share:.1%}", f"{seconds:.1f}"]
            print("| " + " | ".join(str(c) for c in cells) + " |")


if __name__ == "__main__":
    main()
