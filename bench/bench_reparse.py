"""``anq reparse`` benchmark: pages/s, peak RSS, bytes written and file size over repeated runs.

Builds a warehouse as a fetch would, without the network: N invented question
pages (current dyn template padded to ~50 KB, as ``bench/bench_pipeline.py``
serves them) are archived, extracted and loaded with ``load_batch`` in
batches of 200, then a second "night" answers a share of them (new bodies,
new versions). Then it runs the real ``anq reparse`` in a child process
three times over the same file and reports for each run:

* pages/s over the flow run (``runs.finished_at - runs.started_at``) and
  over the whole command (the Prefect API's start included);
* CPU seconds of the ``anq`` process and of its extraction workers, and per page;
* peak RSS: of the ``anq`` process (``VmHWM``), of its workers together
  (with multiprocessing's resource tracker), of both at the same moment, and
  of the temporary Prefect API it starts (sampled, :mod:`bench.proctree`);
* the bytes the ``anq`` process wrote (``/proc/self/io`` ``write_bytes``: what
  reached the disk layer), the warehouse file's size after the run (``.wal``
  included) against the file as built, and whether ``questions`` and
  ``question_versions`` came back identical.

With ``--corpus N`` the archive is instead the corpus of ``bench/corpus.py``
(legislatures 11 to 17, every page generation, about N questions), each page
extracted as a fetch would and archived once; it is built once and kept under
``bench/out/reparse-corpus-N/`` (400,000 pages take a while), and each run
replays that file again.

Usage: ``uv run python bench/bench_reparse.py [--pages 3000] [--answered 0.3] [--runs 3]``
or ``uv run python bench/bench_reparse.py --corpus 400000 [--runs 3]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import groupby
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_pipeline import ASKED, SITE, padding, prefect_env  # noqa: E402
from bench.corpus import Corpus  # noqa: E402
from bench.proctree import Tree  # noqa: E402
from extractors import Question, extract  # noqa: E402
from extractors.uid import make_uid, parse_uid  # noqa: E402
from tests.support.pages import render_question  # noqa: E402
from warehouse.archive import RawArchive  # noqa: E402
from warehouse.db import connect  # noqa: E402
from warehouse.load import load_batch  # noqa: E402
from warehouse.observation import Observation  # noqa: E402
from warehouse.runs import finish_run, start_run  # noqa: E402
from warehouse.warc import RecordAt, Response  # noqa: E402

CHILD = """
import json, resource, sys
from flows.cli import main

def proc(name, key):
    with open(f"/proc/self/{name}") as f:
        return int(next(l for l in f if l.startswith(key)).split()[1])

code = main(sys.argv[1:])
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"code": code, "hwm_kb": proc("status", "VmHWM"),
                  "written": proc("io", "write_bytes"), "cpu": usage.ru_utime + usage.ru_stime}))
"""
T0 = dt.datetime(2026, 1, 5, 2, 0)
#: The headers a page of the site comes with (what the archive's records hold besides the body).
HEADERS = (
    (b"Date", b"Mon, 05 Jan 2026 02:00:00 GMT"),
    (b"Server", b"Apache"),
    (b"Content-Type", b"text/html; charset=UTF-8"),
    (b"Content-Encoding", b"gzip"),
    (b"Vary", b"Accept-Encoding"),
    (b"Cache-Control", b"max-age=300"),
)
SNAPSHOT = (
    "SELECT (SELECT count(*) FROM questions), (SELECT sum(hash(t)) FROM questions AS t), "
    "(SELECT count(*) FROM question_versions), (SELECT sum(hash(t)) FROM question_versions AS t)"
)


def body(n: int, pad: str, answered: bool) -> bytes:
    """A page of ``bench_pipeline``'s kind, answered or not."""
    html = render_question(
        uid=f"QANR5L17QE{n}",
        title=f"Question de banc d'essai {n}",
        question_published_on=ASKED + dt.timedelta(days=n % 300),
        question_paragraphs=[f"Paragraphe {k} de la question {n}, " * 8 for k in range(4)],
        answer_paragraphs=[f"Réponse {k} à la question {n}. " * 10 for k in range(5)]
        if answered
        else None,
        answer_published_on=ASKED + dt.timedelta(days=n % 300 + 45) if answered else None,
    )
    return html.replace('<div id="root">', '<div id="root">' + pad, 1).encode()


def _observe(archive: RawArchive, n: int, body: bytes, at: dt.datetime) -> Observation:
    uid = make_uid(17, "QE", n)
    url = f"{SITE}{uid.path()}"
    stored = archive.put(uid, body, Response(url, at, 200, "OK", headers=HEADERS))
    found = extract(body, url)
    assert isinstance(found, Question), n
    return Observation(
        uid,
        url,
        at,
        "question",
        found,
        200,
        raw_sha256=stored.sha256,
        raw_size=len(body),
        raw_at=stored.at,
    )


def build(db: Path, pages: int, answered: float) -> int:
    """The warehouse after two nights: every page, then a share of them answered."""
    archive, pad = RawArchive(db.with_name(db.name.removesuffix(".duckdb") + "-raw")), padding()
    later = list(range(1, pages + 1, 3))[: int(pages * answered)]
    nights = [(T0, list(range(1, pages + 1)), False), (T0 + dt.timedelta(days=1), later, True)]
    logged = 0
    with connect(db) as con:
        for at, numbers, answer in nights:
            run_id = start_run(con, "backfill", {})
            for start in range(0, len(numbers), 200):
                batch = [
                    _observe(archive, n, body(n, pad, answer), at)
                    for n in numbers[start : start + 200]
                ]
                load_batch(con, run_id, batch)
                logged += len(batch)
            finish_run(con, run_id, "completed")
    return logged


#: A page as a worker archived it: uid, extraction, sha256, size, where its record is.
Archived = tuple[str, Question, str, int, RecordAt | None]


def _archive_block(args: tuple[int, Path, list[str]]) -> list[Archived]:
    """Corpus pages of one thousand-block extracted and archived (in a worker process).

    Each block is one WARC file, so no two workers append to the same file.
    """
    questions, root, uids = args
    archive, corpus, done = RawArchive(root), _corpus(questions), []
    for uid in uids:
        body = corpus.question(uid)[0].encode()
        found = extract(body, _url(uid))
        assert isinstance(found, Question), uid
        stored = archive.put(parse_uid(uid), body, Response(_url(uid), T0, 200, "OK", HEADERS))
        done.append((uid, found, stored.sha256, len(body), stored.at))
    return done


def _url(uid: str) -> str:
    return f"{SITE}/dyn/{parse_uid(uid).legislature}/questions/{uid}"


_corpora: dict[int, Corpus] = {}


def _corpus(questions: int) -> Corpus:
    return _corpora.setdefault(questions, Corpus(questions))


def _block(uid: str) -> tuple[int, str, int]:
    parsed = parse_uid(uid)
    return parsed.legislature, parsed.type, parsed.number // 1000


def build_corpus(db: Path, questions: int) -> int:
    """Every page of the corpus of ``questions`` fetched once, at ``T0``."""
    root, logged = db.with_name(db.name.removesuffix(".duckdb") + "-raw"), 0
    blocks = [list(uids) for _, uids in groupby(_corpus(questions).uids(), key=_block)]
    with connect(db) as con, ProcessPoolExecutor(os.cpu_count()) as pool:
        run_id = start_run(con, "backfill", {})
        window: deque[Future[list[Archived]]] = deque()
        for n, uids in enumerate(blocks):
            window.append(pool.submit(_archive_block, (questions, root, uids)))
            if len(window) > 4 or n == len(blocks) - 1:
                while window and (len(window) > 4 or n == len(blocks) - 1):
                    pages = window.popleft().result()
                    load_batch(con, run_id, [_observed(*page) for page in pages])
                    logged += len(pages)
            if n % 50 == 0:
                print(f"  built {logged} pages", flush=True)
        finish_run(con, run_id, "completed")
    return logged


def _observed(
    uid: str, found: Question, sha256: str, size: int, at: RecordAt | None
) -> Observation:
    return Observation(
        parse_uid(uid), _url(uid), T0, "question", found, 200,
        raw_sha256=sha256, raw_size=size, raw_at=at,
    )  # fmt: skip


def size(db: Path) -> int:
    wal = db.with_name(db.name + ".wal")
    return db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def snapshot(db: Path) -> tuple[object, ...]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(SNAPSHOT).fetchone()
        assert row is not None
        return tuple(row)
    finally:
        con.close()


def _count_pages(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("SELECT count(*) FROM pipeline.raw_pages").fetchone()
        assert row is not None
        return int(row[0])
    finally:
        con.close()


def kind(command: str) -> str:
    """The group of a process the ``anq`` process starts."""
    if "multiprocessing" in command:
        return "workers"  # the extraction workers and multiprocessing's resource tracker
    return "api" if "uvicorn" in command or "prefect" in command else "other"


def reparse(db: Path, workdir: Path, pages: int) -> dict[str, float]:
    load = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, "reparse", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a loaded machine may take minutes to start the temporary API
        env={
            **prefect_env(workdir, "prefect"),
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "900",
        },
        cwd=REPO,
    )
    tree = Tree(proc.pid, kind)
    tree.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    tree.join()
    result = json.loads(out.strip().splitlines()[-1])
    if result["code"] != 0:
        raise SystemExit(err[-3000:])
    con = duckdb.connect(str(db), read_only=True)
    row = con.execute(
        "SELECT epoch(finished_at - started_at) FROM runs WHERE flow = 'reparse' "
        "ORDER BY started_at DESC LIMIT 1"
    ).fetchone()
    con.close()
    assert row is not None
    workers = tree.group("workers")
    return {
        "load": load,
        "flow_pps": pages / row[0],
        "wall_pps": pages / wall,
        "flow_s": row[0],
        "wall_s": wall,
        "hwm_mb": result["hwm_kb"] / 1024,
        "workers_mb": workers.peak_mb,
        "tree_mb": tree.peak_of("root", "workers"),
        "api_mb": tree.group("api").peak_mb,
        "cpu_s": result["cpu"],
        "workers_cpu_s": workers.cpu_s,
        "written_mb": result["written"] / 1e6,
        "size_mb": size(db) / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--answered", type=float, default=0.3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpus", type=int, default=0, help="replay the corpus of N questions")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        db, logged = Path(tmp) / "anq.duckdb", 0
        if args.corpus:
            db = REPO / "bench" / "out" / f"reparse-corpus-{args.corpus}" / "anq.duckdb"
            if not db.exists():
                db.parent.mkdir(parents=True, exist_ok=True)
                build_corpus(db.with_name("building.duckdb"), args.corpus)
                db.with_name("building-raw").rename(db.with_name("anq-raw"))
                db.with_name("building.duckdb").rename(db)
            logged = _count_pages(db)
        else:
            logged = build(db, args.pages, args.answered)
        built, before = size(db), snapshot(db)
        raw = [p for p in db.parent.glob("anq-raw/**/*") if p.is_file()]
        archived = sum(p.stat().st_size for p in raw) / 1e6
        print(f"built: {logged} archived pages, file {built / 1e6:.1f} MB, "
              f"archive {archived:.1f} MB in {len(raw)} files")  # fmt: skip
        print(
            "| run | load avg | flow (s) | pages/s (flow) | command (s) | pages/s (command) "
            "| CPU anq + workers (s) | peak RSS anq (MB) | workers (MB) | anq + workers (MB) "
            "| Prefect API (MB) | written (MB) | file (MB) | × built | tables identical |"
        )
        print("|---:" * 14 + "|---|")
        for n in range(1, args.runs + 1):
            r = reparse(db, Path(tmp), logged)
            same = snapshot(db) == before
            print(f"| {n} | {r['load']:.1f} | {r['flow_s']:.1f} | {r['flow_pps']:.0f} "
                  f"| {r['wall_s']:.1f} | {r['wall_pps']:.0f} "
                  f"| {r['cpu_s']:.1f} + {r['workers_cpu_s']:.1f} "
                  f"| {r['hwm_mb']:.0f} | {r['workers_mb']:.0f} | {r['tree_mb']:.0f} "
                  f"| {r['api_mb']:.0f} | {r['written_mb']:.0f} | {r['size_mb']:.1f} "
                  f"| {r['size_mb'] * 1e6 / built:.2f} | {same} |", flush=True)  # fmt: skip
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
