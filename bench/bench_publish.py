"""What a run's private copy costs at corpus scale: the copy, the publication, the disk.

A run writes a copy of the warehouse and publishes it with one rename
(``warehouse.publish``), so that analysts' sessions never block it. This
builds a warehouse of N questions (default 400,000, the real site's order of
size; the legislature and type mix of ``bench/corpus.py``) through the real
load path (``load_batch``, batches of 5,000): question texts of 300 to 6,000
characters drawn from the corpus's word list, a third of the questions
answered on a second night (a second version), so every table a run writes
(``questions``, ``question_versions``, ``raw_pages``, ``fetch_state``,
``runs``) holds corpus-scale rows. Then, ``--runs`` times each, it times:

* ``prepare`` with the file in the page cache (the usual case: the last run
  wrote it) and with its pages dropped first (``posix_fadvise(DONTNEED)``:
  only this file's pages, nothing else of the machine's cache);
* ``publish`` (fsync of the copy, one rename, fsync of the directory);
* the smallest run: copy, a ``runs`` row started and finished on the copy
  (closing it checkpoints and fsyncs), publish: the whole overhead of ``anq
  fetch UID`` at this size;
* once, for scale, ``anq compact``'s rewrite of the same file (``FreshFile``: the
  logical copy a reparse also makes), on the run's copy as the command does.

Usage: ``uv run python bench/bench_publish.py [--questions 400000] [--runs 3] [--keep]``
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.corpus import _MEAN_WORD, WORDS, Corpus  # noqa: E402
from extractors.model import Question  # noqa: E402
from extractors.uid import parse_uid  # noqa: E402
from warehouse.compact import compact  # noqa: E402
from warehouse.db import connect  # noqa: E402
from warehouse.load import load_batch  # noqa: E402
from warehouse.observation import Observation  # noqa: E402
from warehouse.publish import WorkingCopy, prepare, publish  # noqa: E402
from warehouse.runlock import RunLock  # noqa: E402
from warehouse.runs import finish_run, start_run  # noqa: E402

SITE = "https://www.assemblee-nationale.fr"
T0 = dt.datetime(2026, 1, 5, 2, 0)
BATCH = 5000
_MEAN_WORD_SPACED = _MEAN_WORD + 1


def _text(rng: random.Random, median: int) -> str:
    """300 to 6,000 characters, log-normal around ``median`` (as ``bench/corpus.py``)."""
    size = min(6000, max(300, int(rng.lognormvariate(math.log(median), 0.75))))
    return " ".join(rng.choices(WORDS, k=size // _MEAN_WORD_SPACED)).capitalize() + "."


def _question(uid: str, rng: random.Random) -> Question:
    u = parse_uid(uid)
    return Question(
        uid=uid, legislature=u.legislature, type=u.type, number=u.number, url=SITE + u.path(),
        title=_text(rng, 60)[:120], author_name="Mme Marie Curie", author_id="PA722252",
        author_group="Renaissance", constituency="Aisne (5e circonscription)",
        rubrique="Agriculture", tete_analyse=None, analyse=None, ministry_asked="Agriculture",
        ministry_answering="Agriculture", question_text=_text(rng, 900), answer_text=None,
        question_published_on=dt.date(2020, 1, 1) + dt.timedelta(days=u.number % 1500),
        question_jo_page=u.number, answer_published_on=None, answer_jo_page=None,
        status="open", closed_on=None, closure_reason=None, signaled_on=None,
        template="dyn_current",
    )  # fmt: skip


def _answered(q: Question, rng: random.Random) -> Question:
    on = (q.question_published_on or T0.date()) + dt.timedelta(days=90)
    return dataclasses.replace(
        q, answer_text=_text(rng, 1500), answer_published_on=on, answer_jo_page=q.number + 7,
        status="answered", closed_on=on, closure_reason="Réponse publiée",
    )  # fmt: skip


def _seen(q: Question, at: dt.datetime) -> Observation:
    sha = hashlib.sha256(f"{q.uid}/{at}".encode()).hexdigest()  # one page a night
    return Observation(parse_uid(q.uid), q.url, at, "question", q, 200, raw_sha256=sha,
                       raw_size=50_000)  # fmt: skip


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def build(db: Path, questions: int) -> float:
    """The warehouse after two nights; seconds it took."""
    started = time.perf_counter()
    uids = list(Corpus(questions).uids())
    answered = set(uids[::3])
    with connect(db) as con:
        for night, todo in enumerate((uids, [u for u in uids if u in answered])):
            run_id = start_run(con, "backfill", {})
            at = T0 + dt.timedelta(days=night)
            for chunk in _chunks(todo):
                batch = []
                for uid in chunk:
                    rng = random.Random(f"bench/{uid}")
                    q = _question(uid, rng)
                    batch.append(_seen(_answered(q, rng) if night else q, at))
                load_batch(con, run_id, batch)
            finish_run(con, run_id, "completed")
    return time.perf_counter() - started


def _drop_from_cache(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def measure(db: Path, runs: int) -> dict[str, list[float]]:
    """Seconds of each step, ``runs`` times; each copy is published before the next."""
    out: dict[str, list[float]] = {"prepare_warm": [], "prepare_cold": [], "publish": []}
    work = db.with_name(f".{db.name}.work")
    for _ in range(runs):
        for key, cold in (("prepare_warm", False), ("prepare_cold", True)):
            if cold:
                _drop_from_cache(db)
            out[key].append(_timed(lambda: prepare(db)))
            out["publish"].append(_timed(lambda: publish(work, db)))
    out["smallest_run"] = [_timed(lambda: _smallest_run(db)) for _ in range(runs)]
    with RunLock(db), WorkingCopy(db) as copy:
        out["compact_rewrite"] = [_timed(lambda: compact(copy.path))]
    return out


def _smallest_run(db: Path) -> None:
    """What a run that loads nothing adds: copy, its runs row (a checkpoint), publish."""
    with RunLock(db), WorkingCopy(db) as copy, connect(copy.path) as con:
        finish_run(con, start_run(con, "fetch", {}), "completed")


def _rows(db: Path, tables: tuple[str, ...]) -> dict[str, int]:
    with connect(db, read_only=True) as con:
        return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]) for t in tables}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=400_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true",
                        help="build once under bench/out/publish-N/ and reuse it")  # fmt: skip
    args = parser.parse_args()
    if args.keep:
        root = REPO / "bench" / "out" / f"publish-{args.questions}"
        root.mkdir(parents=True, exist_ok=True)
    else:
        root = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    try:
        db = root / "anq.duckdb"
        built = None if db.exists() else round(build(db, args.questions), 1)
        rows = _rows(db, ("questions", "question_versions", "raw_pages", "fetch_state"))
        size = db.stat().st_size
        times = measure(db, args.runs)
        result = {
            "questions": args.questions, "rows": rows, "build_s": built,
            "file_mb": round(size / 1e6, 1), "disk_during_run_mb": round(2 * size / 1e6, 1),
            **{k: [round(v, 2) for v in vs] for k, vs in times.items()},
            **{f"{k}_median": round(statistics.median(vs), 2) for k, vs in times.items()},
            "copy_mb_per_s_warm": round(size / 1e6 / statistics.median(times["prepare_warm"])),
            "copy_mb_per_s_cold": round(size / 1e6 / statistics.median(times["prepare_cold"])),
        }  # fmt: skip
        print(json.dumps(result, indent=1))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
