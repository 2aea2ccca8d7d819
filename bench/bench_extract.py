"""Extraction speed: selectolax/lexbor ``extract()`` against a BeautifulSoup version.

Run: ``uv run python bench/bench_extract.py`` (from the repository root).

Reads the real pages in ../shared/an-samples (as bytes, the way the fetcher
hands them over) and times, on one core, in one process:

* ``extract()`` on the current-site pages (``QANR5L16*``) and on all nine
  HTML samples (current, legacy, fiche);
* :func:`bench.bs4_extract.extract_bs4` (BeautifulSoup + html.parser, same
  fields and rules) on the current-site pages, after checking that it
  returns exactly the same :class:`Question` values as ``extract()``.

Each figure is pages per second of CPU time of this process
(``time.process_time``, pinned to one core), the best of several rounds of
at least ``--seconds`` each: CPU time rather than wall time because the
machine may be shared, and the best round because it is the least
disturbed. The load average is printed with the figures.

bs4 is timed twice: with extract()'s own pre-cut to ``<head>`` + ``<main>``
(like for like: only the library differs) and on the whole page (how a
plain bs4 scraper is written).
Targets (issue 2): ≥ 2,000 pages/s for the current pages and ≥ 25× bs4.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bs4_extract import extract_bs4  # noqa: E402
from extractors import extract  # noqa: E402
from extractors.model import ExtractionError, Question  # noqa: E402

SAMPLES = ROOT.parent / "shared" / "an-samples"


def load(pattern: str) -> list[tuple[bytes, str]]:
    """(body, url) for each sample page matching ``pattern``."""
    pages = []
    for path in sorted(SAMPLES.glob(pattern)):
        uid = path.stem
        pages.append(
            (path.read_bytes(), f"https://www.assemblee-nationale.fr/dyn/x/questions/{uid}")
        )
    return pages


def rate(
    fn: Callable[[bytes, str], object], pages: list[tuple[bytes, str]], seconds: float, rounds: int
) -> float:
    """Best pages/s over ``rounds`` rounds of at least ``seconds`` each."""
    best = 0.0
    for _ in range(rounds):
        done, start = 0, time.process_time()
        while True:
            for body, url in pages:
                fn(body, url)
            done += len(pages)
            elapsed = time.process_time() - start
            if elapsed >= seconds:
                break
        best = max(best, done / elapsed)
    return best


def failures(pages: list[tuple[bytes, str]]) -> list[str]:
    """Pages extract() refuses (they are still timed: the work was done)."""
    out = []
    for body, url in pages:
        try:
            extract(body, url)
        except ExtractionError as error:
            out.append(str(error))
    return out


def tolerant(body: bytes, url: str) -> object:
    """extract(), an ExtractionError counting as a page read (it is one, to its end)."""
    try:
        return extract(body, url)
    except ExtractionError as error:
        return error


def check_same(pages: list[tuple[bytes, str]]) -> list[str]:
    """Fields where bs4 and extract() disagree (must be none for a fair comparison)."""
    problems = []
    for body, url in pages:
        ours, theirs = extract(body, url), extract_bs4(body, url)
        assert isinstance(ours, Question)
        for field, value in ours.as_row().items():
            if getattr(theirs, field) != value:
                problems.append(
                    f"{ours.uid}.{field}: lexbor={value!r:.60} bs4={getattr(theirs, field)!r:.60}"
                )
    return problems


def bs4_whole(body: bytes, url: str) -> Question:
    """bs4 on the whole page (no pre-cut)."""
    return extract_bs4(body, url, cut=False)


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    loads = os.getloadavg() if hasattr(os, "getloadavg") else None
    load = f", load average {loads[0]:.1f} {loads[1]:.1f} {loads[2]:.1f}" if loads else ""
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs{load}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, selectolax {version('selectolax')}, "
        f"beautifulsoup4 {version('beautifulsoup4')}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="minimum length of a round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    current, everything = load("QANR5L16*.html"), load("*.html")
    if not current:
        print(f"no samples in {SAMPLES}", file=sys.stderr)
        return 1
    problems = check_same(current)
    for line in problems:
        print("MISMATCH", line)
    lexbor_current = rate(extract, current, args.seconds, args.rounds)
    bs4_current = rate(extract_bs4, current, args.seconds, args.rounds)
    bs4_full = rate(bs4_whole, current, args.seconds, args.rounds)
    refused = failures(everything)
    for line in refused:
        print("REFUSED", line)
    lexbor_all = rate(tolerant, everything, args.seconds, args.rounds)
    rows = [
        (f"current pages ({len(current)}), bs4 cut", lexbor_current, bs4_current),
        (f"current pages ({len(current)}), bs4 whole", lexbor_current, bs4_full),
        (f"all HTML samples ({len(everything)})", lexbor_all, None),
    ]
    print(f"machine: {machine()}")
    print(
        f"{'pages (CPU-time rates)':<32} {'extract() pages/s':>18} {'bs4 pages/s':>12} {'ratio':>7}"
    )
    for label, ours, theirs in rows:
        other = f"{theirs:12,.0f}" if theirs else f"{'n/a':>12}"
        ratio = f"{ours / theirs:6.1f}x" if theirs else f"{'':>7}"
        print(f"{label:<32} {ours:18,.0f} {other} {ratio}")
    print(
        f"per current page: extract() {1000 / lexbor_current:.3f} ms, bs4 {1000 / bs4_current:.3f}"
        f" ms (cut) / {1000 / bs4_full:.3f} ms (whole); bs4 gives the same fields: "
        f"{'yes' if not problems else 'NO'}"
    )
    ok = lexbor_current >= 2000 and lexbor_current >= 25 * bs4_current and not problems
    print("targets (>= 2,000 pages/s, >= 25x bs4):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
