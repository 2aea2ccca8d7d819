"""Every command at corpus scale, and Scrapy as the yardstick (issue 16).

Serves the synthetic corpus (``bench/corpus.py``, ``--questions`` pages of
legislatures 11 to 17) from 127.0.0.1 and builds a warehouse of it with the
real command, ``anq backfill --legislature L --rate 0`` for each legislature
(cached under ``bench/out/corpus-N/``: the DuckDB file and its raw archive,
reused by later runs). Then it times, each as a child process: a no-change
``anq sync`` of every legislature (due selection and discovery), ``anq
stats``, each analyst view (``count(*)`` and the recipe of
``docs/recipes.md`` that reads it), ``anq export --format parquet``, ``anq
report`` and ``anq reparse``. The timed commands run on the cached warehouse
itself: on an unchanged site none of them changes a question.

With ``--scrapy-pages P`` it also runs ``bench/scrapy_spider.py`` and ``anq
backfill --legislature 14 --type QE --from-number 1 --to-number P --rate 0``
(into a fresh file) on the same loopback site of the full-size corpus, and
prints the ratio of their wall times; anq runs twice, as a user's first run
(its temporary Prefect API creates its database) and as any later one.

Usage: ``uv run python bench/bench_corpus.py --questions 20000 400000 [--scrapy-pages 20000]``
(each size in turn, then Scrapy, then the sizes side by side).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
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

from bench.corpus import FULL, Corpus  # noqa: E402
from bench.corpus_measure import HEADER, Measure, run, size_mb  # noqa: E402
from bench.corpus_site import CorpusSite  # noqa: E402

OUT = REPO / "bench" / "out"
ANQ = ["uv", "run", "--no-sync", "anq"]
VIEW_QUERY = """
import duckdb, json, sys, time
con = duckdb.connect(sys.argv[1], read_only=True)
times = []
for sql in sys.argv[2:]:
    started = time.perf_counter()
    rows = con.execute(sql).fetchall()
    times.append([round(time.perf_counter() - started, 3), len(rows)])
print(json.dumps(times))
"""


def env(home: Path, api: str | None = None) -> dict[str, str]:
    """Prefect quiet and private; ``api``: a running server, else anq starts its own."""
    out = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        # anq's temporary API waits this long for its child; on a loaded machine 120 s is short.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "600",
    }
    out.pop("PREFECT_API_URL", None)
    return {**out, "PREFECT_API_URL": api} if api else out


@contextlib.contextmanager
def prefect_server(home: Path, wanted: bool) -> Iterator[str | None]:
    """A ``prefect server`` on a free loopback port, stopped by its process group at the end."""
    if not wanted:
        yield None
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    prefect = str(Path(sys.executable).parent / "prefect")
    argv = [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(argv, env=env(home), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{api}/health", timeout=5):
                break
            time.sleep(2)
        yield api
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def build(corpus: Corpus, base_url: str, db: Path, environ: dict[str, str]) -> list[Measure]:
    """The warehouse of the corpus, by ``anq backfill`` of each legislature; cached."""
    done = db.with_name("built.json")
    if done.exists():
        return [Measure(**m) for m in json.loads(done.read_text())]
    db.parent.mkdir(parents=True, exist_ok=True)
    steps = []
    for leg in FULL:
        args = ["backfill", "--legislature", str(leg), "--rate", "0", "--db", str(db)]
        steps.append(
            run(
                f"anq {args[0]} {' '.join(args[1:5])}",
                [*ANQ, *args, "--base-url", base_url],
                environ,
                REPO,
            )
        )
        print(steps[-1].row(), flush=True)
    done.write_text(json.dumps([m.__dict__ for m in steps]))
    return steps


def recipes(db: Path) -> dict[str, str]:
    """Each analyst view of the warehouse, with the first recipe of ``docs/recipes.md`` on it."""
    with duckdb.connect(str(db), read_only=True) as con:
        listed = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal")
        names = [row[0] for row in listed.fetchall()]
    text = (REPO / "docs" / "recipes.md").read_text(encoding="utf-8")
    blocks = [sql.strip().rstrip(";") for sql in re.findall(r"```sql\n(.*?)```", text, re.S)]
    found = {}
    for view in names:
        uses = [sql for sql in blocks if re.search(rf"\bFROM\s+{view}\b", sql)]
        found[view] = uses[0] if uses else f"SELECT * FROM {view} LIMIT 100"
    return found


def views(db: Path, environ: dict[str, str]) -> list[Measure]:
    """Each view: ``count(*)`` and its recipe, in one read-only session; query times apart."""
    out = []
    for view, sql in recipes(db).items():
        argv = [sys.executable, "-c", VIEW_QUERY, str(db), f"SELECT count(*) FROM {view}", sql]
        measure = run(f"view {view}", argv, environ, REPO)
        if "FAILED" not in measure.command:
            (count_s, _), (recipe_s, rows) = json.loads(measure.output.strip().splitlines()[-1])
            measure.command = (
                f"{view}: count {count_s:.2f} s, recipe {recipe_s:.2f} s ({rows} rows)"
            )
        out.append(measure)
    return out


def commands(base_url: str, db: Path, environ: dict[str, str], work: Path) -> list[Measure]:
    legs = [x for leg in FULL for x in ("--legislature", str(leg))]
    common = ["--db", str(db)]
    out = [
        run(
            "anq sync (no change)",
            [*ANQ, "sync", *legs, "--rate", "0", *common, "--base-url", base_url],
            environ,
            REPO,
        ),
        run("anq stats", [*ANQ, "stats", *common], environ, REPO),
    ]
    out += views(db, environ)
    for name, args in (
        ("export", ["export", "--format", "parquet", "--out", str(work / "export")]),
        ("report", ["report", "--out", str(work / "report")]),
    ):
        out.append(run(f"anq {name}", [*ANQ, *args, *common], environ, REPO))
        out[-1].size_mb = size_mb(work / name)
    out.append(run("anq reparse", [*ANQ, "reparse", *common], environ, REPO))
    return out


def scrapy_ratio(pages: int, environ: dict[str, str], work: Path) -> list[Measure]:
    """anq and Scrapy on the same ``pages`` numbers of the full corpus, no cache in front.

    anq runs twice, each time into a fresh file: first with a Prefect home it
    has never used (a user's first run: its temporary API creates its
    database), then again with that home (every later run).
    """
    corpus = Corpus(sum(FULL.values()))
    assert corpus.counts[(14, "QE")] >= pages
    span = ["--legislature", "14", "--type", "QE", "--from-number", "1", "--to-number", str(pages)]
    with CorpusSite(corpus, cache=1) as site:
        spider = [sys.executable, str(REPO / "bench" / "scrapy_spider.py")]
        argv = [*spider, "--base-url", site.base_url, *span, "--db", str(work / "scrapy.duckdb")]
        scrapy = run(f"scrapy spider, {pages} pages", argv, environ, REPO)
        scrapy.size_mb = size_mb(work / "scrapy.duckdb")
        print(scrapy.row(), flush=True)
        runs = [scrapy]
        for which in ("first run", "second run"):
            db = work / f"anq-{which.split()[0]}.duckdb"
            args = ["backfill", *span, "--rate", "0", "--db", str(db), "--base-url", site.base_url]
            anq = run(f"anq backfill of {pages} pages, {which}", [*ANQ, *args], environ, REPO)
            anq.size_mb = size_mb(db) + size_mb(db.with_name(f"{db.stem}-raw"))
            print(anq.row(), flush=True)
            runs.append(anq)
    for anq in runs[1:]:
        rates = f"{pages / scrapy.seconds:.0f} vs {pages / anq.seconds:.0f} pages/s"
        print(f"{anq.command}: Scrapy / anq wall time {scrapy.seconds / anq.seconds:.2f} "
              f"(Scrapy vs anq: {rates}); CPU time {scrapy.cpu_s / anq.cpu_s:.2f}")  # fmt: skip
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, nargs="+", default=[2000], help="corpus sizes")
    parser.add_argument("--scrapy-pages", type=int, default=0, help="0: no Scrapy comparison")
    parser.add_argument("--skip-commands", action="store_true", help="only build (and Scrapy)")
    parser.add_argument(
        "--server", action="store_true", help="time commands against one prefect server"
    )
    args = parser.parse_args()
    sizes: dict[int, list[Measure]] = {}
    for questions in args.questions:
        sizes[questions] = one_size(Corpus(questions), args.server, args.skip_commands)
    if args.scrapy_pages:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            scrapy_ratio(args.scrapy_pages, env(work / "prefect"), work)
    if len(sizes) > 1:
        side_by_side(sizes)


def one_size(corpus: Corpus, server: bool, skip_commands: bool) -> list[Measure]:
    """Build (or reuse) the warehouse of ``corpus``, then time every command on it."""
    db = OUT / f"corpus-{corpus.total}" / "anq.duckdb"
    print(f"{corpus.total} questions; load average {os.getloadavg()}; {time.ctime()}")
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        site = stack.enter_context(CorpusSite(corpus))
        cached = db.with_name("built.json").exists()
        # The build goes through one prefect server: anq's own temporary API
        # would start again for each legislature.
        api = stack.enter_context(prefect_server(work / "server", server or not cached))
        environ = env(work / "prefect", api if server else None)
        print(HEADER)
        built = build(corpus, site.base_url, db, env(work / "prefect", api))
        report_build(built, corpus, db)
        measured = [] if skip_commands else commands(site.base_url, db, environ, work)
        for m in measured:
            print(m.row(), flush=True)
    print(f"load average after: {os.getloadavg()}; {site.rendering.rendered} pages rendered")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results = db.parent / f"results-{stamp}.json"
    results.write_text(json.dumps([m.__dict__ for m in measured], default=str))
    return measured


def side_by_side(sizes: dict[int, list[Measure]]) -> None:
    """Each command's wall time and peak RSS at every size, in one table."""
    print("| command | " + " | ".join(f"{n:,}: wall s, peak MB, tree MB" for n in sizes) + " |")
    print("|---|" + "---:|" * len(sizes))
    for same in zip(*sizes.values(), strict=False):
        cells = [f"{m.seconds:,.1f}, {m.peak_mb:,.0f}, {m.tree_mb:,.0f}" for m in same]
        print(f"| `{same[0].command.split(':')[0]}` | " + " | ".join(cells) + " |")


def report_build(built: list[Measure], corpus: Corpus, db: Path) -> None:
    total = sum(m.seconds for m in built)
    sizes = f"warehouse {size_mb(db):,.0f} MB, archive {size_mb(db.with_name('anq-raw')):,.0f} MB"
    print(f"build: {total:,.0f} s, {corpus.total / total:,.1f} questions/s; {sizes}")


if __name__ == "__main__":
    main()
