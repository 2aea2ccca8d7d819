"""``anq reparse``: archived pages unzipped and extracted in worker processes.

The extractor is most of a replay's CPU, so it runs in ``workers`` processes
(measured in ``bench/bench_reparse.py``). The main process reads each page's
WARC record at the place ``raw_pages`` gives (the gzip member, a few KB) and
ships those bytes; a worker unzips the record, checks that it is whole and the
record of the page asked for, runs the extractor on its body and sends the
question back. Anything off (no place, no file, a record that is cut short,
does not unzip or is another page's) comes back :data:`REREAD`: the main process
then reads the page as any reader does (:meth:`RawArchive.get`), which looks for
the record elsewhere and names the damage. ``workers=0`` runs the same code in
this process.

The page's sha256 is not recomputed on this way: the record's gzip CRC-32,
which zlib checks on every inflate, already catches bytes damaged on disk,
and the digest the record names is compared with the one ``raw_pages`` asks
for. Only a record rewritten on purpose, CRC and all, could hold another
body; ``anq verify-archive`` recomputes both digests of every record.

Workers are spawned fresh and import this module, the extractors and the WARC
format: no Prefect, no DuckDB. As with any spawned process they also import
the script that started the run (the ``anq`` command's is guarded): a script
that runs a replay keeps its work under ``if __name__ == "__main__":``. At
most ``ahead`` chunks of ``chunk`` pages are in flight, so memory does not
grow with the archive.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Literal, TypeVar

from extractors import ExtractionError, Question, extract
from warehouse import warc

#: Reads a page body (bytes, url) as a question, None when it holds none; may raise.
Extractor = Callable[[bytes, str], Question | None]

#: What became of one page: its question, none, the extractor's error, or "read it again".
Outcome = tuple[Literal["question", "none", "error", "reread"], Question | str | None]
REREAD: Outcome = ("reread", None)

#: Pages per task sent to a worker, and tasks in flight per worker.
CHUNK, AHEAD = 32, 4
#: WARC files kept open while their records are read.
OPEN_FILES = 16
#: Seconds between a worker's checks that the process that started it is still there.
ORPHAN_CHECK = 1.0

T = TypeVar("T")


def read_question(body: bytes, url: str) -> Question | None:
    """The current extractor on an archived page; None when the page holds no question."""
    try:
        found = extract(body, url)
    except ExtractionError as err:
        raise ValueError(f"{err.field}: {err.reason}") from err
    return found if isinstance(found, Question) else None


#: One page for a worker: uid, sha256, url, and its record as read at its place (None:
#: none could be read). A plain tuple: it pickles far faster than a dataclass.
Job = tuple[str, str, str, bytes | None]


def outcome(extractor: Extractor, body: bytes, url: str) -> Outcome:
    """The extractor's reading of ``body``; its error, as text, if it raises."""
    try:
        question = extractor(body, url)
    except Exception as err:
        return ("error", str(err))
    return ("none", None) if question is None else ("question", question)


def read_job(extractor: Extractor, job: Job) -> Outcome:
    """The body of ``job``'s record, extracted; :data:`REREAD` if the record is not sound."""
    uid, sha256, url, record = job
    body = None if record is None else record_body(record, uid, sha256)
    return REREAD if body is None else outcome(extractor, body, url)


def record_body(member: bytes, uid: str, sha256: str) -> bytes | None:
    """The page a whole, sound record of ``(uid, sha256)`` holds; None for anything else."""
    if warc.member_length(member) != len(member):
        return None
    try:
        record = warc.read_record(member)  # the gzip trailer's CRC-32 is checked here
    except warc.BadRecord:
        return None
    return record.body() if record.key == (uid, sha256) else None


_extractor: Extractor | None = None


def _start_worker(extractor: Extractor, parent: int) -> None:
    global _extractor
    _extractor = extractor
    for signum in (signal.SIGINT, signal.SIGTERM):  # sent to the group: the parent decides
        signal.signal(signum, signal.SIG_IGN)
    threading.Thread(target=_end_with, args=(parent,), daemon=True).start()


def _end_with(parent: int) -> None:
    """End this worker once the process that started it is gone (killed, say).

    A worker waits on its task queue, which nothing closes when its parent is
    killed: without this it would wait, and hold its memory, for ever.
    """
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK)
    os._exit(1)


def _read_chunk(jobs: list[Job]) -> list[Outcome]:
    """A worker's task (its extractor was given once, at its start)."""
    assert _extractor is not None, "worker started without an extractor"
    return [read_job(_extractor, job) for job in jobs]


class ExtractionDied(RuntimeError):
    """A worker process ended mid-task (killed, or crashed in native code)."""


class Extraction:
    """Pages in, outcomes out in the same order: in ``workers`` processes, or here if 0."""

    def __init__(
        self, extractor: Extractor, workers: int, *, chunk: int = CHUNK, ahead: int = AHEAD
    ) -> None:
        self.extractor = extractor
        self.workers = workers
        self.chunk = chunk
        self.ahead = max(1, ahead * workers)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Extraction:
        if self.workers > 0:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self.extractor, os.getpid()),
            )
            for _ in range(self.workers):  # each starts now, while the caller sets up
                self._pool.submit(int)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """End the worker processes (idempotent); pages are then extracted here."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def read(self, items: Iterable[T], job: Callable[[T], Job]) -> Iterator[tuple[T, Outcome]]:
        """Each item with its outcome, in order; ``job`` is called a few chunks ahead."""
        if self._pool is None:
            for item in items:
                yield item, read_job(self.extractor, job(item))
            return
        window: deque[tuple[list[T], Future[list[Outcome]]]] = deque()
        for chunk in _chunks(items, self.chunk):
            window.append((chunk, self._pool.submit(_read_chunk, [job(i) for i in chunk])))
            if len(window) >= self.ahead:
                yield from _done(*window.popleft())
        while window:
            yield from _done(*window.popleft())


def _done(chunk: list[T], task: Future[list[Outcome]]) -> Iterator[tuple[T, Outcome]]:
    try:
        outcomes = task.result()
    except Exception as err:  # BrokenProcessPool; a pickling error
        raise ExtractionDied(f"an extraction process failed: {type(err).__name__}: {err}") from err
    return zip(chunk, outcomes, strict=True)


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Records:
    """Reads records at given places, keeping the last few files open."""

    def __init__(self, size: int = OPEN_FILES) -> None:
        self.size = size
        self._open: OrderedDict[Path, int] = OrderedDict()

    def read(self, path: Path, offset: int, length: int) -> bytes | None:
        """The ``length`` bytes at ``offset``; None if the file is missing or ends before."""
        try:
            data = os.pread(self._fd(path), length, offset)
        except OSError:
            return None
        return data if len(data) == length else None

    def _fd(self, path: Path) -> int:
        fd = self._open.get(path)
        if fd is not None:
            self._open.move_to_end(path)
            return fd
        fd = self._open[path] = os.open(path, os.O_RDONLY)
        if len(self._open) > self.size:
            os.close(self._open.popitem(last=False)[1])
        return fd

    def close(self) -> None:
        while self._open:
            os.close(self._open.popitem()[1])
