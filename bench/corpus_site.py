"""The synthetic corpus served from 127.0.0.1, each page rendered when asked for.

``bench/loopback.py`` answers from a dict of responses rendered up front;
400,000 pages of ~30 KB would not fit, so this site hands its connections a
mapping that renders a page on a miss and keeps the last ``cache`` ones
(requests for one page come close together: a 304 revalidation, a retry).
ETag is a hash of the body and Last-Modified a fixed date, so a second pass
over the same corpus gets 304s as the nightly sync does on the real site.
Unknown paths and numbers past a legislature and type's last one answer 404.

Run alone (``uv run python bench/corpus_site.py --questions 400000``) it
prints its base URL and serves until interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from collections import OrderedDict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import Corpus
from bench.loopback import LoopbackSite, _Page

# Fixed, so that the validators of a page never change between runs or machines.
MODIFIED = "Mon, 30 Nov 2026 00:00:00 GMT"


class RenderedPages:
    """``get(path)``: the corpus page as a ready response, from a small LRU or rendered."""

    def __init__(self, corpus: Corpus, cache: int = 2048) -> None:
        self.corpus = corpus
        self.cache = cache
        self.lru: OrderedDict[str, _Page | None] = OrderedDict()
        self.lock = threading.Lock()
        self.rendered = 0
        self.bytes_served = 0

    def get(self, path: str) -> _Page | None:
        with self.lock:
            if path in self.lru:
                self.lru.move_to_end(path)
                return self.lru[path]
        body = self.corpus.page(path)
        page = None if body is None else _Page(body, MODIFIED)
        with self.lock:
            self.rendered += 1
            self.bytes_served += len(body or b"")
            self.lru[path] = page
            while len(self.lru) > self.cache:
                self.lru.popitem(last=False)
        return page


class CorpusSite(LoopbackSite):
    """``with CorpusSite(Corpus(20_000)) as site: site.base_url``."""

    def __init__(self, corpus: Corpus, cache: int = 2048) -> None:
        super().__init__({})
        self.rendering = RenderedPages(corpus, cache)
        self.pages = self.rendering  # type: ignore[assignment]

    def __enter__(self) -> CorpusSite:
        super().__enter__()
        return self


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=400_000)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    corpus = Corpus(args.questions, args.seed)
    with CorpusSite(corpus) as site:
        print(f"{corpus.total} questions at {site.base_url}/dyn/{{leg}}/questions/{{uid}}")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
