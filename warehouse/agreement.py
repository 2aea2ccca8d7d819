"""The two sources reconciled: per-field agreement between the pages read and the open data.

The views ``opendata_comparisons``, ``discrepancies`` and ``opendata_agreement`` say which
fields are compared and how, one row per uid and field, for people to read. A run needs
only the counts, and counts them here: DuckDB materialises the view's ``pairs`` CTE for its
eighteen branches (both whole rows, texts included, for every uid read as a page), which
grows with the warehouse (docs/benchmarks.md, "Open data"). Here each side is reduced to the
md5 of its normalised values before the join, a slice of numbers at a time, so the memory
a run takes does not grow with the warehouse. :data:`COMPARED` follows the view; a test
holds the two to the same counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

#: A field agreeing on fewer than this share of compared uids raises the drift alarm.
AGREEMENT_FLOOR = 0.95
#: ... once at least this many uids are compared (a handful of disagreements is news, not drift).
AGREEMENT_MIN_COMPARED = 20

#: (field, normalising macro, the page may omit it) as in the view ``opendata_comparisons``:
#: a field some templates do not show is not compared where the page's value is NULL.
COMPARED: tuple[tuple[str, str, bool], ...] = (
    ("title", "anq_norm_short", False),
    ("author_id", "anq_norm_short", False),
    ("author_group", "anq_norm_short", True),
    ("rubrique", "anq_norm_short", False),
    ("tete_analyse", "anq_norm_short", True),
    ("analyse", "anq_norm_short", True),
    ("ministry_asked", "anq_norm_short", False),
    ("ministry_answering", "anq_norm_short", False),
    ("question_text", "anq_norm_text", False),
    ("answer_text", "anq_norm_text", False),
    ("question_published_on", "anq_norm_plain", False),
    ("question_jo_page", "anq_norm_plain", True),
    ("answer_published_on", "anq_norm_plain", False),
    ("answer_jo_page", "anq_norm_plain", True),
    ("status", "anq_norm_plain", False),
    ("closed_on", "anq_norm_plain", False),
    ("closure_reason", "anq_norm_short", False),
    ("signaled_on", "anq_norm_plain", False),
)


def _side(table: str, where: str) -> str:
    """One side's uid and normalised values, each as its md5 (equal iff the values are;
    NULL stays NULL): 16 bytes a value whatever its length."""
    values = [
        f'md5_number({macro}("{name}")) AS v{i}' for i, (name, macro, _) in enumerate(COMPARED)
    ]
    return f"SELECT uid, {', '.join(values)} FROM {table} {where}"


def _counts() -> str:
    counts = []
    for i, (_, _, may_omit) in enumerate(COMPARED):
        compared = f"p.v{i} IS NOT NULL" if may_omit else "true"
        counts.append(f"count(*) FILTER (WHERE {compared})")
        counts.append(f"count(*) FILTER (WHERE {compared} AND p.v{i} IS NOT DISTINCT FROM o.v{i})")
    return ", ".join(counts)


_SLICE = "WHERE legislature = $leg AND type = $type AND number >= $lo AND number < $lo + $span"
_READ = " AND template IS DISTINCT FROM 'opendata'"
_PAIRED = " AND uid IN (SELECT uid FROM questions " + _SLICE + _READ + ")"
#: One row for one slice of uids: compared then agreeing, for each field of :data:`COMPARED`
#: (each side materialised, else DuckDB joins the whole rows and normalises after the join;
#: a record is normalised only when its page was read).
AGREEMENT_COUNTS = f"""
WITH p AS MATERIALIZED ({_side("questions", _SLICE + _READ)}),
     o AS MATERIALIZED ({_side("opendata_records", _SLICE + _PAIRED)})
SELECT {_counts()}
FROM p JOIN o ON o.uid = p.uid
"""
#: Numbers per slice: the memory a slice takes is bounded, whatever the warehouse holds.
SLICE = 10_000
SLICES = (
    "SELECT DISTINCT legislature, type, number // $span * $span FROM opendata_records ORDER BY ALL"
)

#: Rows read from a page's template generation but still marked 'opendata' (a load path
#: that does not set ``source``): the template says the page was read.
HEAL_SOURCE = (
    "UPDATE questions SET source = 'page' WHERE source = 'opendata' AND template <> 'opendata'"
)


@dataclass(frozen=True)
class Agreement:
    """One field: uids whose page and record both hold it, and how many agree."""

    field: str
    compared: int
    agreeing: int

    @property
    def share(self) -> float:
        return self.agreeing / self.compared if self.compared else 1.0

    @property
    def alarming(self) -> bool:
        return self.compared >= AGREEMENT_MIN_COMPARED and self.share < AGREEMENT_FLOOR


def agreement(con: duckdb.DuckDBPyConnection) -> list[Agreement]:
    """Per-field agreement, by field name; a field nothing compares is left out
    (as ``opendata_agreement`` leaves it out)."""
    counts = [0] * (2 * len(COMPARED))
    for leg, type_, lo in con.execute(SLICES, {"span": SLICE}).fetchall():
        params = {"leg": leg, "type": type_, "lo": lo, "span": SLICE}
        row = con.execute(AGREEMENT_COUNTS, params).fetchone()
        if row is not None:
            counts = [a + int(b) for a, b in zip(counts, row, strict=True)]
    found = [
        Agreement(name, counts[2 * i], counts[2 * i + 1]) for i, (name, _, _) in enumerate(COMPARED)
    ]
    return sorted((a for a in found if a.compared), key=lambda a: a.field)


def reconcile(con: duckdb.DuckDBPyConnection, run_id: str) -> list[Agreement]:
    """Heal ``source``, compute the per-field agreement and keep it for the run."""
    con.execute(HEAL_SOURCE)
    found = agreement(con)
    if found:
        con.executemany(
            "INSERT OR REPLACE INTO opendata_agreement_runs VALUES (?, ?, ?, ?)",
            [[run_id, a.field, a.compared, a.agreeing] for a in found],
        )
    return found


def discrepancies(found: list[Agreement]) -> int:
    """Rows of the view ``discrepancies``: the compared values that disagree."""
    return sum(a.compared - a.agreeing for a in found)
