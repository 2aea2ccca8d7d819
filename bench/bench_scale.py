"""The read side at corpus scale: a warehouse of N questions made in SQL, then every reader.

Building 400,000 questions through ``anq backfill`` (``bench_corpus.py``) costs
about an hour of CPU; the commands that only read the warehouse do not care how
the rows got there. This script writes a warehouse of ``--questions`` rows
directly (the real migrations, then ``INSERT ... SELECT`` over ``range``): the
legislatures, types and statuses of ``bench/corpus.py``'s mix, texts of 300 to
6,000 characters drawn from a vocabulary (so they compress as French prose
does, not as random bytes), one or two versions per question, a ``fetch_state``
row each and a year of runs. Then, each as a child process measured by
``bench/corpus_measure.py``: ``anq stats``, every analyst view (``count(*)``
and its first recipe), the sync's due selection (``due_targets`` over every
legislature, in-process), ``anq export --format parquet``, ``anq report``;
last, a writer: ``anq sync`` of the 17th legislature's QE against the corpus
served on 127.0.0.1.

Usage: ``uv run python bench/bench_scale.py --questions 20000 400000``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_corpus import ANQ, views  # noqa: E402
from bench.corpus import FULL, TYPE_SHARE, Corpus  # noqa: E402
from bench.corpus_measure import HEADER, Measure, run, size_mb  # noqa: E402
from bench.corpus_site import CorpusSite  # noqa: E402
from warehouse.db import connect  # noqa: E402

WORDS = [
    "le",
    "gouvernement",
    "ministre",
    "question",
    "réponse",
    "santé",
    "hôpital",
    "commune",
    "département",
    "agriculture",
    "école",
    "enseignement",
    "retraite",
    "sécurité",
    "sociale",
    "emploi",
    "logement",
    "transport",
    "énergie",
    "environnement",
    "fiscalité",
    "entreprise",
    "collectivité",
    "territoriale",
    "service",
    "public",
    "dispositif",
    "mesure",
    "situation",
    "application",
    "loi",
    "décret",
    "article",
    "projet",
    "financement",
    "aide",
    "attention",
    "préoccupation",
    "demande",
    "souhaite",
    "connaître",
    "intentions",
    "matière",
    "concernant",
    "dans",
    "pour",
    "avec",
    "sans",
    "sur",
    "sous",
    "entre",
    "selon",
    "depuis",
    "afin",
    "que",
    "qui",
    "dont",
    "où",
    "ainsi",
    "notamment",
]

DUE_QUERY = """
import datetime as dt, json, sys, time
from pathlib import Path
from warehouse.db import connect
from warehouse.queries import due_targets
con = connect(Path(sys.argv[1]), read_only=True)
started = time.perf_counter()
due = due_targets(con, dt.datetime(2026, 12, 3, 2), list(range(11, 18)), ["QE", "QG", "QOSD"])
print(json.dumps([round(time.perf_counter() - started, 3), len(due)]))
"""


def _shares(questions: int) -> list[tuple[int, str, int]]:
    """``(legislature, type, count)`` of ``bench/corpus.py``'s mix, scaled to ``questions``."""
    scale = questions / sum(FULL.values())
    return [
        (leg, kind, max(1, round(total * scale * share)))
        for leg, total in FULL.items()
        for kind, share in TYPE_SHARE.items()
    ]


def _text(seed: str, words: str) -> str:
    """SQL for a text of ``words`` words drawn from the vocabulary by hashing ``seed``."""
    return (
        f"array_to_string(list_transform(range(({words})::BIGINT), "
        f"lambda k: vocab[1 + (hash({seed}, k) % {len(WORDS)})::INTEGER]), ' ')"
    )


def _questions_sql(leg: int, kind: str, count: int) -> str:
    open_share = 0.55 if leg == 17 else 0.0
    # 300 to 6,000 characters, most of them short (a product of two uniforms)
    words_q = "(35 + (hash(n, 'q') % 100) * (hash(n, 'Q') % 100) // 15)"
    words_a = "(60 + (hash(n, 'a') % 100) * (hash(n, 'A') % 100) // 16)"
    return f"""
    INSERT INTO questions BY NAME
    SELECT 'QANR5L{leg}{kind}' || n AS uid, {leg} AS legislature, '{kind}' AS type, n AS number,
        'https://www.assemblee-nationale.fr/dyn/{leg}/questions/QANR5L{leg}{kind}' || n AS url,
        'Question ' || n AS title, 'M. Député ' || (hash(n, 'd') % 577) AS author_name,
        'Groupe ' || (hash(n, 'g') % 11) AS author_group,
        'Circonscription ' || (hash(n, 'c') % 99) AS constituency,
        'rubrique ' || (hash(n, 'r') % 120) AS rubrique,
        'Ministère ' || (hash(n, 'm') % 32) AS ministry_asked,
        'Ministère ' || (hash(n, 'm') % 32) AS ministry_answering,
        {_text("n", words_q)} AS question_text,
        CASE WHEN st = 'answered' THEN {_text("n + 1", words_a)} END AS answer_text,
        asked AS question_published_on,
        CASE WHEN st = 'answered' THEN asked + 30 + (hash(n, 'w') % 300)::INTEGER END
            AS answer_published_on,
        st AS status,
        CASE st WHEN 'answered' THEN asked + 30 + (hash(n, 'w') % 300)::INTEGER
                WHEN 'withdrawn' THEN asked + 400 END AS closed_on,
        CASE st WHEN 'answered' THEN 'Réponse publiée' WHEN 'withdrawn' THEN 'Fin de mandat' END
            AS closure_reason,
        'dyn_current' AS template, md5(n::VARCHAR) AS content_hash,
        TIMESTAMP '2026-01-01' AS first_seen_at, TIMESTAMP '2026-11-01' AS last_fetched_at,
        TIMESTAMP '2026-06-01' AS last_changed_at
    FROM (
        SELECT n, DATE '{1997 + 5 * (leg - 11) + (1 if leg == 17 else 0)}-07-01'
                   + (hash(n, 'p') % 1500)::INTEGER AS asked,
            CASE WHEN '{kind}' <> 'QG' AND (hash(n, 's') % 100) < {int(open_share * 100)}
                     THEN 'open'
                 WHEN '{kind}' = 'QE' AND (hash(n, 's') % 100) >= 80 THEN 'withdrawn'
                 ELSE 'answered' END AS st
        FROM range(1, {count} + 1) AS t(n)
    ), (SELECT {list(WORDS)!r} AS vocab)
    """


def build(db: Path, questions: int) -> None:
    """The warehouse of ``questions`` rows, with its versions, fetch state and runs."""
    con = connect(db)
    try:
        for leg, kind, count in _shares(questions):
            con.execute(_questions_sql(leg, kind, count))
        con.execute("""
            INSERT INTO question_versions BY NAME
            SELECT * EXCLUDE (first_seen_at, last_fetched_at, last_changed_at),
                1 + (status <> 'open')::INTEGER AS version, last_changed_at AS valid_from
            FROM questions""")
        con.execute("""
            INSERT INTO question_versions BY NAME
            SELECT * EXCLUDE (first_seen_at, last_fetched_at, last_changed_at, status, answer_text,
                              answer_published_on, closed_on, closure_reason),
                'open' AS status, 1 AS version, first_seen_at AS valid_from,
                last_changed_at AS valid_to
            FROM questions WHERE status <> 'open'""")
        con.execute("""
            INSERT INTO fetch_state (uid, legislature, type, number, url, last_outcome,
                last_http_status, last_attempt_at, last_success_at, next_due_at, raw_sha256)
            SELECT uid, legislature, type, number, url, 'question', 200, last_fetched_at,
                last_fetched_at,
                CASE WHEN status = 'open' THEN TIMESTAMP '2026-11-20' + INTERVAL (number % 30) DAY
                END, content_hash || content_hash
            FROM questions""")
        con.execute("""
            INSERT INTO runs (run_id, flow, started_at, finished_at, state, requests, pages_new,
                pages_changed, pages_unchanged, not_found, failures)
            SELECT 'run-' || d, 'sync', TIMESTAMP '2025-12-01 02:00' + INTERVAL (d) DAY,
                TIMESTAMP '2025-12-01 02:30' + INTERVAL (d) DAY, 'completed', 300, 5, 20, 270, 5, 0
            FROM range(365) AS t(d)""")
    finally:
        con.close()


def sync(db: Path, work: Path, environ: dict[str, str], questions: int) -> Measure:
    """``anq sync`` of the 17th legislature's QE against the corpus served on 127.0.0.1:
    its due selection, its refreshes (each page differs from the SQL rows: a new
    version), discovery past the last number, the working copy and its publication."""
    with CorpusSite(Corpus(questions)) as site:
        argv = [*ANQ, "sync", "--db", str(db), "--archive", str(work / "raw"),
                "--base-url", site.base_url, "--rate", "0", "--legislature", "17",
                "--type", "QE"]  # fmt: skip
        done = run("anq sync (17th, QE)", argv, environ, REPO)
    if "FAILED" not in done.command:
        con = connect(db, read_only=True)
        try:
            row = con.execute(
                "SELECT requests, pages_changed FROM runs WHERE flow = 'sync' "
                "ORDER BY started_at DESC LIMIT 1"
            ).fetchone()
        finally:
            con.close()
        if row is not None:
            done.command += f": {row[0]} requests, {row[1]} pages changed"
    return done


def measure(db: Path, work: Path, environ: dict[str, str]) -> list[Measure]:
    common = ["--db", str(db)]
    out = [run("anq stats", [*ANQ, "stats", *common], environ, REPO)]
    out += views(db, environ)
    due = run("due selection", [sys.executable, "-c", DUE_QUERY, str(db)], environ, REPO)
    if "FAILED" not in due.command:
        seconds, count = due.output.strip().splitlines()[-1].strip("[]").split(",")
        due.command = f"due selection: query {float(seconds):.2f} s ({int(count)} due)"
    out.append(due)
    for name, args in (
        ("export", ["export", "--format", "parquet", "--out", str(work / "export")]),
        ("report", ["report", "--out", str(work / "report")]),
    ):
        out.append(run(f"anq {name}", [*ANQ, *args, *common], environ, REPO))
        out[-1].size_mb = size_mb(work / name)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, nargs="+", default=[20_000, 400_000])
    parser.add_argument("--skip-sync", action="store_true", help="only the readers")
    args = parser.parse_args()
    environ = {**os.environ, "DO_NOT_TRACK": "1"}
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for questions in args.questions:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            db = work / "anq.duckdb"
            built = run(
                "build",
                [sys.executable, __file__, "--build-only", str(db), str(questions)],
                environ,
                REPO,
            )
            if "FAILED" in built.command:
                raise SystemExit(f"the build of {questions:,} questions failed")
            print(
                f"\n{questions:,} questions: built in {built.seconds:.0f} s, "
                f"{size_mb(db):.0f} MB warehouse\n\n{HEADER}"
            )
            for row in measure(db, work, environ):
                print(row.row(), flush=True)
            if not args.skip_sync:  # last: it writes the warehouse
                print(sync(db, work, environ, questions).row(), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build-only"]:
        build(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
