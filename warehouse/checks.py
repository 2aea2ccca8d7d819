"""Post-run checks on the warehouse: the question invariants, counted in SQL.

The same rows as the per-page check (:data:`extractors.invariants.INVARIANTS`),
each as a condition on ``questions``, so a wrong value already stored (or
loaded by a run whose pages passed one by one) is counted after every run.
"""

from __future__ import annotations

import duckdb

from extractors.invariants import INVARIANTS


def invariant_counts(con: duckdb.DuckDBPyConnection) -> tuple[int, dict[str, int]]:
    """The number of questions, and of those breaking each invariant (zeros included)."""
    counts = ", ".join(f"count(*) FILTER (WHERE {row.violated_sql})" for row in INVARIANTS)
    found = con.execute(f"SELECT count(*), {counts} FROM questions").fetchone()
    if found is None:  # an aggregate always answers one row
        return 0, {row.name: 0 for row in INVARIANTS}
    return int(found[0]), {row.name: int(n) for row, n in zip(INVARIANTS, found[1:], strict=True)}
