"""The raw archive alone: CPU per page stored and read back, and the archive's size.

Stores N pages of ``bench/bench_reparse.py``'s kind (~50 KB, a third of them
answered) in a fresh archive, then reads each back in a new ``RawArchive``
(another process's view: its file indexes start empty), first by looking it
up, then, when ``put`` says where the record is, at that place (as reparse
reads with ``raw_pages``). CPU time (``time.process_time``) per page, the
median of ``--rounds`` rounds; the archive's bytes on disk.

``--repo PATH`` measures the archive code of another checkout instead (e.g.
the pack format, before WARC: ``git worktree add /tmp/before <commit>``),
whose ``put`` took no response.

Usage: ``uv run python bench/bench_archive.py [--pages 2000] [--rounds 3] [--repo PATH]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

AT = dt.datetime(2026, 1, 5, 2, 0)
HEADERS = (
    (b"Content-Type", b"text/html; charset=UTF-8"),
    (b"Content-Encoding", b"gzip"),
    (b"Server", b"Apache"),
)


def measure(pages: list[tuple[Any, bytes]], site: str) -> dict[str, float]:
    """One round: put every page, then read each back by lookup and at its place."""
    from warehouse.archive import RawArchive

    warc = "response" in inspect.signature(RawArchive.put).parameters
    with tempfile.TemporaryDirectory() as tmp:
        archive, stored = RawArchive(Path(tmp)), []
        started = time.process_time()
        for uid, body in pages:
            if warc:
                from warehouse.warc import Response

                answer = Response(f"{site}{uid.path()}", AT, 200, "OK", headers=HEADERS)
                put = archive.put(uid, body, answer)
                stored.append((uid, put.sha256, put.at))
            else:
                stored.append((uid, archive.put(uid, body), None))
        figures = {"put_us": (time.process_time() - started) / len(pages) * 1e6}
        figures["archive_mb"] = sum(p.stat().st_size for p in Path(tmp).rglob("*.*")) / 1e6
        for name, placed in (("get_lookup_us", False), ("get_at_us", True)):
            if placed and not warc:
                continue
            reader, started = RawArchive(Path(tmp)), time.process_time()
            for uid, sha, at in stored:
                if placed:
                    reader.get(uid, sha, at)
                else:
                    reader.get(uid, sha)
            figures[name] = (time.process_time() - started) / len(pages) * 1e6
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args()
    sys.path.insert(0, str(args.repo.resolve()))
    from bench.bench_pipeline import SITE, padding
    from bench.bench_reparse import body
    from extractors.uid import make_uid

    pad = padding()
    pages = [(make_uid(17, "QE", n), body(n, pad, n % 3 == 0)) for n in range(1, args.pages + 1)]
    rounds = [measure(pages, SITE) for _ in range(args.rounds)]
    medians = {k: round(statistics.median(r[k] for r in rounds), 2) for k in rounds[0]}
    print(json.dumps({"repo": str(args.repo), "pages": args.pages, **medians,
                      "load": os.getloadavg()}))  # fmt: skip


if __name__ == "__main__":
    main()
