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
(``time.process_time``, pinned to one core): CPU time rather than wall time
because the machine may be shared. Work is timed in passes of about 20 ms
(every page, repeated) for ``--rounds`` × ``--seconds`` of CPU; the best
pass is the code's speed when nothing else disturbs it (``timeit``'s
advice), the median pass what this machine gave at that moment. Both are
printed, with the load average.

bs4 is timed twice: with extract()'s own pre-cut to ``<head>`` + ``<main>``
(like for like: only the library differs) and on the whole page (how a
plain bs4 scraper is written).
Targets (issue 2): ≥ 2,000 pages/s for the current pages and ≥ 25× bs4.

``--synthetic N`` times ``extract()`` alone on the real current pages and on N
of the ~50 KB invented current-template pages ``bench/bench_reparse.py``
archives (half of them answered), printing CPU milliseconds per page (issue
16: ``anq reparse`` needs the extractor near 0.5 ms on such pages).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bs4_extract import extract_bs4  # noqa: E402
from extractors import extract  # noqa: E402
from extractors.model import ExtractionError, Question  # noqa: E402

SAMPLES = ROOT.parent / "shared" / "an-samples"
#: CPU time of one timed pass: long enough to hold several pages, short enough
#: that some passes run undisturbed on a shared machine.
PASS_SECONDS = 0.02


def load(pattern: str) -> list[tuple[bytes, str]]:
    """(body, url) for each sample page matching ``pattern``."""
    pages = []
    for path in sorted(SAMPLES.glob(pattern)):
        uid = path.stem
        pages.append(
            (path.read_bytes(), f"https://www.assemblee-nationale.fr/dyn/x/questions/{uid}")
        )
    return pages


@dataclass(frozen=True)
class Rate:
    """Pages per second of CPU time: the least disturbed pass, and the median pass."""

    best: float
    median: float


def rate(
    fn: Callable[[bytes, str], object], pages: list[tuple[bytes, str]], seconds: float, rounds: int
) -> Rate:
    """Time passes over ``pages`` (of >= 20 ms each) for ``rounds`` × ``seconds`` of CPU.

    Each pass is timed on its own, so a pass that another process disturbed
    (cache, the sibling hyper-thread) can be told from the others: ``best``
    is the fastest pass, as ``timeit`` recommends for code timings, and
    ``median`` the typical one on this machine at this moment.
    """
    start = time.process_time()
    for body, url in pages:
        fn(body, url)
    repeat = max(1, math.ceil(PASS_SECONDS / max(time.process_time() - start, 1e-6)))
    work = pages * repeat  # a pass: every page, ``repeat`` times (>= PASS_SECONDS)
    passes: list[float] = []
    while sum(passes) < seconds * rounds or len(passes) < 5:
        start = time.process_time()
        for body, url in work:
            fn(body, url)
        passes.append(time.process_time() - start)
    return Rate(len(work) / min(passes), len(work) / statistics.median(passes))


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


SYNTHETIC_HELP = "only extract(), in ms per page, on the real pages and N synthetic 50 KB pages"


def synthetic(count: int) -> list[tuple[bytes, str]]:
    """``count`` pages as ``bench/bench_pipeline.py`` serves them (and ``bench_reparse``
    archives them): ~50 KB of the current template, every other one answered."""
    from bench.bench_pipeline import SITE, padding, page

    pad = padding()
    return [(page(n, pad), f"{SITE}/dyn/17/questions/QANR5L17QE{n}") for n in range(1, count + 1)]


def per_page(
    current: list[tuple[bytes, str]], invented: list[tuple[bytes, str]], seconds: float, rounds: int
) -> int:
    """``--synthetic``: CPU ms per page of extract(), best and median pass."""
    print(f"machine: {machine()}")
    size = sum(len(body) for body, _ in invented) // len(invented)
    print(f"{'CPU ms per page':<40} {'best pass':>10} {'median pass':>12}")
    for label, pages in (
        (f"real current pages ({len(current)})", current),
        (f"synthetic pages ({len(invented)}, {size:,} bytes)", invented),
    ):
        r = rate(extract, pages, seconds, rounds)
        print(f"{label:<40} {1000 / r.best:10.3f} {1000 / r.median:12.3f}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="CPU seconds per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (time = rounds x seconds)")
    parser.add_argument("--synthetic", type=int, default=0, metavar="N", help=SYNTHETIC_HELP)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    current, everything = load("QANR5L16*.html"), load("*.html")
    if not current:
        print(f"no samples in {SAMPLES}", file=sys.stderr)
        return 1
    if args.synthetic:
        return per_page(current, synthetic(args.synthetic), args.seconds, args.rounds)
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
    print(f"machine: {machine()}")
    print(f"{'pages/s of CPU time':<34} {'best pass':>10} {'median pass':>12}")
    for label, r in (
        (f"extract(), current pages ({len(current)})", lexbor_current),
        (f"extract(), all HTML samples ({len(everything)})", lexbor_all),
        ("bs4 given extract()'s cut", bs4_current),
        ("bs4 on the whole page", bs4_full),
    ):
        print(f"{label:<34} {r.best:10,.0f} {r.median:12,.0f}")
    best = lexbor_current.best
    print(
        f"per current page (best pass): extract() {1000 / best:.3f} ms, bs4 "
        f"{1000 / bs4_current.best:.3f} ms (cut) / {1000 / bs4_full.best:.3f} ms (whole); "
        f"bs4 gives the same fields: {'yes' if not problems else 'NO'}"
    )
    whole, cut = best / bs4_full.best, best / bs4_current.best
    print(f"ratios (best passes): {whole:.1f}x bs4 on the whole page, {cut:.1f}x bs4 given our cut")
    print(
        "targets: >= 2,000 pages/s:",
        "met" if best >= 2000 and not problems else "NOT met",
        "| >= 25x a bs4 scraper (whole page):",
        "met" if whole >= 25 else "NOT met",
        "| >= 25x bs4 given our cut:",
        "met" if cut >= 25 else "NOT met",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
