"""Warehouse load speed: synthetic questions through ``load_batch`` into a fresh file.

Three passes over the same N questions, in batches of 200, written through
one of two connection disciplines (``--mode``):

* ``session``: each batch in its own ``session`` (open, migrate check, load,
  close with its checkpoint), the simplest discipline;
* ``writer``: ``warehouse.writer.Writer``, a run's connection: open from the
  first batch to the last, checkpointing only when its log is large.

The passes:

1. ``new``: every question is new (a backfill);
2. ``unchanged``: the same pages again (a nightly sync where nothing moved);
3. ``changed``: a third of the questions answered (versions closed and added).

Each (N, mode) runs in a child process so that peak RSS (``ru_maxrss``) is its
own. ``cpu_s`` is the process CPU time of the pass (all threads), less
sensitive than wall time to other load on a shared machine.

    uv run python bench/bench_load.py --n 5000 50000 --batch 200 --mode session writer
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from extractors.model import Question  # noqa: E402
from extractors.uid import make_uid  # noqa: E402
from warehouse.db import session  # noqa: E402
from warehouse.load import load_batch  # noqa: E402
from warehouse.observation import Observation  # noqa: E402
from warehouse.runs import start_run  # noqa: E402
from warehouse.writer import Writer  # noqa: E402

T0 = dt.datetime(2026, 3, 2, 2, 0)
PARAGRAPH = "Mme la députée appelle l'attention de M. le ministre sur la situation. " * 8


def synthetic(number: int) -> Question:
    """A question about the size of a real one (~2 KB of text)."""
    uid = make_uid(17, "QE", number)
    return Question(
        uid=str(uid), legislature=17, type="QE", number=number,
        url=f"https://www.assemblee-nationale.fr{uid.path()}",
        title=f"Situation des agriculteurs n°{number}", author_name="Mme Marie Curie",
        author_id=f"PA{700000 + number % 577}", author_group="Renaissance",
        constituency="Aisne (5e circonscription)", rubrique="Agriculture", tete_analyse=None,
        analyse=None, ministry_asked="Agriculture", ministry_answering="Agriculture",
        question_text=f"{PARAGRAPH}\n\n{PARAGRAPH}\n\n{number}",
        answer_text=None,
        question_published_on=dt.date(2026, 1, 1) + dt.timedelta(days=number % 60),
        question_jo_page=number % 9000, answer_published_on=None, answer_jo_page=None,
        status="open", closed_on=None, closure_reason=None, signaled_on=None,
        template="dyn_current",
    )  # fmt: skip


def answer(q: Question) -> Question:
    day = dt.date(2026, 3, 10)
    return dataclasses.replace(
        q, answer_text=PARAGRAPH * 3, answer_published_on=day, answer_jo_page=1234,
        status="answered", closed_on=day, closure_reason="Réponse publiée",
    )  # fmt: skip


def observe(q: Question, at: dt.datetime) -> Observation:
    sha = hashlib.sha256(f"{q.content_hash()}".encode()).hexdigest()
    return Observation(
        make_uid(q.legislature, q.type, q.number), q.url, at, "question", q,
        http_status=200, etag=f'"{sha[:16]}"', raw_sha256=sha, raw_size=60_000,
    )  # fmt: skip


def run_pass(
    db: Path, run_id: str, observations: list[Observation], batch: int, mode: str
) -> dict[str, float]:
    times: list[float] = []
    started, cpu = time.perf_counter(), time.process_time()
    with Writer(db) as writer:
        for i in range(0, len(observations), batch):
            chunk = observations[i : i + batch]
            t = time.perf_counter()
            with writer.connection() if mode == "writer" else session(db) as con:
                load_batch(con, run_id, chunk, requests=len(chunk))
            times.append(time.perf_counter() - t)
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu
    times.sort()
    return {
        "rows_per_s": round(len(observations) / total),
        "batch_ms_p50": round(statistics.median(times) * 1000, 1),
        "batch_ms_p95": round(times[int(len(times) * 0.95)] * 1000, 1),
        "seconds": round(total, 2),
        "cpu_s": round(cpu, 2),
    }


def child(n: int, batch: int, mode: str) -> dict[str, object]:
    questions = [synthetic(k) for k in range(1, n + 1)]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        with session(db) as con:
            run_id = start_run(con, "backfill", {"bench": n})
        passes = {
            "new": run_pass(db, run_id, [observe(q, T0) for q in questions], batch, mode),
            "unchanged": run_pass(
                db, run_id, [observe(q, T0 + dt.timedelta(days=1)) for q in questions], batch, mode
            ),
            "changed": run_pass(
                db, run_id,
                [observe(answer(q) if q.number % 3 == 0 else q, T0 + dt.timedelta(days=2))
                 for q in questions],
                batch, mode,
            ),
        }  # fmt: skip
        size_mb = round(db.stat().st_size / 1e6, 1)
    rss_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return {
        "n": n,
        "batch": batch,
        "mode": mode,
        "passes": passes,
        "peak_rss_mb": rss_mb,
        "file_mb": size_mb,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument(
        "--mode", nargs="+", choices=["session", "writer"], default=["session", "writer"]
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.stdout.write(json.dumps(child(args.n[0], args.batch, args.mode[0])) + "\n")
        return
    for n in args.n:
        for mode in args.mode:
            cmd = [sys.executable, __file__, "--child", "--n", str(n), "--batch", str(args.batch)]
            cmd += ["--mode", mode]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            sys.stdout.write(out)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
