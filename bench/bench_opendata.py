"""The open-data path: a whole dump to a queryable warehouse, then a simulated week.

1. **First load.** A synthetic dump of RECORDS written questions (legislature 17, QE,
   one JSON file per question, texts of realistic length) is served on 127.0.0.1;
   ``anq opendata`` turns it into a warehouse. Printed: wall time, the peak RSS of
   the ``anq`` process (``ru_maxrss`` of the child), and the questions queryable.
2. **A week.** PAGES questions are served both as pages and as a dump; ``anq opendata``
   then ``anq sync`` read them all once. Then, for seven simulated nights
   (``ANQ_NOW`` a day later each time; the dump's Last-Modified follows), a share of
   the open questions is answered and new ones are published, on the pages and in
   the dump alike, and ``anq opendata`` then ``anq sync`` run. Printed per night:
   the pages that changed, the page requests the site saw (refreshes and discovery
   probes apart), and the dump requests.

    uv run python bench/bench_opendata.py [--records 15000] [--pages 2000] [--only first|week]

Each command is a real ``anq`` subprocess (Prefect's temporary API included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from extractors.opendata import Archive, archive_for  # noqa: E402
from tests.opendata.dump import record_for, zip_files  # noqa: E402
from tests.support.pages import expected_question, render_question  # noqa: E402
from tests.support.siteserver import RequestRecord, SiteServer  # noqa: E402

_FOUND = archive_for(17, "QE")
assert _FOUND is not None
ARCHIVE: Archive = _FOUND
WORDS = [
    "la",
    "question",
    "porte",
    "sur",
    "les",
    "moyens",
    "alloués",
    "au",
    "ministère",
    "pour",
    "l'année",
    "en",
    "cours",
]


def _text(n: int, words: int) -> list[str]:
    body = " ".join(WORDS[(n + i) % len(WORDS)] for i in range(words))
    return [f"Paragraphe {n}. {body}."] * 3


def spec(n: int, day0: dt.date, answered: bool) -> dict[str, Any]:
    """Question ``n``: published before ``day0``, answered or not."""
    fields: dict[str, Any] = {
        "uid": f"QANR5L17QE{n}",
        "title": f"Question synthétique {n}",
        "question_published_on": day0 - dt.timedelta(days=1 + n % 700),
        "question_jo_page": 100 + n % 900,
        "question_paragraphs": _text(n, 110),
    }
    if answered:
        fields.update(
            answer_paragraphs=_text(n + 1, 160),
            answer_published_on=day0 - dt.timedelta(days=n % 7),
            answer_jo_page=500 + n % 900,
        )
    return fields


def dump(specs: dict[int, dict[str, Any]]) -> bytes:
    return zip_files(record_for(expected_question(**s)) for s in specs.values())


def anq(args: list[str], env: dict[str, str] | None = None) -> tuple[float, dict[str, int]]:
    """Run ``anq``; its wall time and the peak RSS (MB) of its process and of the largest
    process it started (Prefect's temporary API), sampled from /proc (Linux)."""
    start = time.monotonic()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "anq"), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=REPO,
    )
    peaks: dict[str, int] = {"anq": 0, "started by anq": 0}
    sampler = threading.Thread(target=_sample, args=(proc, peaks), daemon=True)
    sampler.start()
    _, err = proc.communicate()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"anq {args[0]} failed ({proc.returncode}): {err[-2000:]}")
    return time.monotonic() - start, peaks


def _sample(proc: subprocess.Popen[str], peaks: dict[str, int]) -> None:
    while proc.poll() is None:
        for pid in _tree(proc.pid):
            key = "anq" if pid == proc.pid else "started by anq"
            peaks[key] = max(peaks[key], _hwm_mb(pid))
        time.sleep(0.05)


def _tree(root: int) -> list[int]:
    """``root`` and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _hwm_mb(pid: int) -> int:
    """The process's own peak RSS so far (VmHWM), 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def first_load(records: int, tmp: Path) -> None:
    day0 = dt.date.today()
    specs = {n: spec(n, day0, n % 5 >= 2) for n in range(1, records + 1)}
    body = dump(specs)
    del specs
    load_before = _load()
    with SiteServer(pages={ARCHIVE.path: body}) as site:
        db = tmp / "first.duckdb"
        common = ["--db", str(db), "--base-url", site.base_url, "--rate", "0"]
        seconds, peaks = anq(["opendata", *common, "--opendata-url", site.base_url,
                              "--legislature", "17", "--type", "QE"])  # fmt: skip
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM questions").fetchone()
        took = con.execute(
            "SELECT epoch(finished_at - started_at) FROM runs WHERE flow = 'opendata'"
        ).fetchone()
    assert row is not None and took is not None
    print(f"first load: {records} records, zip {len(body) / 1e6:.1f} MB -> {row[0]} questions; "
          f"the flow run {took[0]:.1f} s, the command (Prefect start-up included) "
          f"{seconds:.1f} s; peak RSS: the anq process {peaks['anq']} MB, the largest "
          f"process it started {peaks['started by anq']} MB; load average before and after "
          f"{load_before}, {_load()}")  # fmt: skip


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def week(pages: int, tmp: Path) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    specs = {n: spec(n, now.date(), n % 5 >= 2) for n in range(1, pages + 1)}
    with SiteServer() as site:
        _publish(site, specs, specs, now)
        common = ["--db", str(tmp / "week.duckdb"), "--base-url", site.base_url, "--rate", "0",
                  "--legislature", "17", "--type", "QE"]  # fmt: skip
        od = [*common, "--opendata-url", site.base_url]
        anq(["opendata", *od])
        anq(["sync", *common])
        print("| night | pages changed | page requests | of which refreshes | probes (404) "
              "| dump requests | bound 1.1 x changed + files |")  # fmt: skip
        print("|---|---:|---:|---:|---:|---:|---:|")
        for night in range(1, 8):
            at = now + dt.timedelta(days=night)
            changed = _night(specs, night, at.date())
            _publish(site, specs, changed, at)
            site.clear_log()
            env = {"ANQ_NOW": at.isoformat()}
            anq(["opendata", *od], env)
            anq(["sync", *common], env)
            _row(night, len(changed), site.requests)


def _night(specs: dict[int, dict[str, Any]], night: int, day: dt.date) -> dict[int, Any]:
    """Answer 2% of the open questions and publish 0.5% new ones; the changed specs."""
    open_ = [n for n, s in specs.items() if "answer_paragraphs" not in s]
    changed = {}
    for n in open_[night::50]:
        specs[n] = {**specs[n], "answer_paragraphs": ["Réponse publiée cette nuit."],
                    "answer_published_on": day, "answer_jo_page": 42}  # fmt: skip
        changed[n] = specs[n]
    top = max(specs)
    for n in range(top + 1, top + 1 + max(1, len(specs) // 200)):
        specs[n] = changed[n] = spec(n, day + dt.timedelta(days=2), False)
        specs[n]["question_published_on"] = day
    return changed


def _publish(
    site: SiteServer, specs: dict[int, Any], changed: dict[int, Any], at: dt.datetime
) -> None:
    """Serve the changed pages and the whole dump, Last-Modified the simulated night."""
    stamp = at.replace(tzinfo=dt.UTC)
    for s in changed.values():
        site.set_page(f"/dyn/17/questions/{s['uid']}", render_question(**s).encode(),
                      last_modified=stamp)  # fmt: skip
    site.set_page(ARCHIVE.path, dump(specs), last_modified=stamp)


def _row(night: int, changed: int, log: list[RequestRecord]) -> None:
    pages = [r for r in log if r.path.startswith("/dyn/")]
    probes = sum(1 for r in pages if r.status == 404)
    files = sum(1 for r in log if r.path.startswith("/static/"))
    cells = [night, changed, len(pages), len(pages) - probes, probes, files,
             f"{1.1 * changed + files:.0f}"]  # fmt: skip
    print("| " + " | ".join(str(c) for c in cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=15000)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--only", choices=("first", "week"), help="run one part only")
    opts = parser.parse_args()
    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="anq-bench-prefect-"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    with tempfile.TemporaryDirectory(prefix="anq-bench-opendata-") as tmp:
        if opts.only != "week":
            first_load(opts.records, Path(tmp))
        if opts.only != "first":
            week(opts.pages, Path(tmp))


if __name__ == "__main__":
    main()
