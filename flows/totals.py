"""What a run adds up over its batches (pages, requests, field fill, load counts)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from flows.pipeline import BatchResult, FieldFill
from warehouse.load_plan import BatchCounts


@dataclass(slots=True)
class Totals:
    """Sums of every batch of a run."""

    counts: dict[str, int] = field(default_factory=dict)
    fill: FieldFill = field(default_factory=FieldFill)
    requests: int = 0
    extracted: int = 0
    pages_asked: int = 0

    def add(self, result: BatchResult, asked: int) -> None:
        self.fill.merge(result.fill)
        self.requests += result.requests
        self.extracted += result.extracted
        self.pages_asked += asked

    def add_counts(self, counts: BatchCounts | None) -> None:
        if counts is None:
            return
        for f in fields(BatchCounts):
            self.counts[f.name] = self.counts.get(f.name, 0) + int(getattr(counts, f.name))
