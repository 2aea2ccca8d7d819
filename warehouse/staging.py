"""Set-based writes: typed stage tables and the statements that read them.

:func:`warehouse.load.load_batch` builds plain row dicts, stages each kind as a
temporary table with explicit SQL types (``STAGE_*``) under a fixed name
(``stage_q``, ``stage_obs``, ``stage_raw``, ``stage_fs``, ``stage_fail``) and runs
the statements below against it: one statement per table and kind, no per-row
``executemany``. Each column goes to DuckDB as one list parameter, so no Arrow
library is loaded: pyarrow would add about 40 MB to every writing process
(docs/benchmarks.md, Reparse). The open-data load, the run's field statistics
and the replay's damage list are staged the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

import duckdb

from extractors.model import QUESTION_COLUMNS, Question

_INT_COLUMNS = frozenset({"legislature", "number", "question_jo_page", "answer_jo_page"})
_DATE_COLUMNS = frozenset(
    {"question_published_on", "answer_published_on", "closed_on", "signaled_on"}
)


#: SQL types of the ``questions`` content columns (``uid`` .. ``signaled_on``).
QUESTION_TYPES: dict[str, str] = {
    name: "INTEGER" if name in _INT_COLUMNS else "DATE" if name in _DATE_COLUMNS else "VARCHAR"
    for name in QUESTION_COLUMNS
}
_TS = "TIMESTAMP"
STAGE_QUESTION = {
    **QUESTION_TYPES,
    "kind": "VARCHAR",
    "fetched_at": _TS,
    "content_hash": "VARCHAR",
    "template": "VARCHAR",
}
STAGE_OBS = {"uid": "VARCHAR", "fetched_at": _TS, "outcome": "VARCHAR"}
STAGE_RAW = {
    "uid": "VARCHAR",
    "sha256": "VARCHAR",
    "url": "VARCHAR",
    "fetched_at": _TS,
    "http_status": "INTEGER",
    "size": "BIGINT",
    "warc_file": "VARCHAR",
    "warc_offset": "BIGINT",
    "warc_length": "BIGINT",
}
STAGE_FETCH_STATE = {
    "uid": "VARCHAR",
    "legislature": "INTEGER",
    "type": "VARCHAR",
    "number": "INTEGER",
    "url": "VARCHAR",
    "etag": "VARCHAR",
    "last_modified": "VARCHAR",
    "last_outcome": "VARCHAR",
    "last_http_status": "INTEGER",
    "last_attempt_at": _TS,
    "last_success_at": _TS,
    "consecutive_failures": "INTEGER",
    "next_due_at": _TS,
    "raw_sha256": "VARCHAR",
}
STAGE_FAILURE = {
    "uid": "VARCHAR",
    "url": "VARCHAR",
    "run_id": "VARCHAR",
    "stage": "VARCHAR",
    "error": "VARCHAR",
    "field": "VARCHAR",
    "sha256": "VARCHAR",
    "occurred_at": _TS,
}


@contextmanager
def staged(
    con: duckdb.DuckDBPyConnection, name: str, rows: Sequence[dict[str, Any]], types: dict[str, str]
) -> Iterator[None]:
    """``rows`` as the temporary table ``name`` for the statements of the block, with the
    columns and SQL types of ``types`` (an empty batch keeps them), dropped after it. After
    an error the caller's ROLLBACK undoes it (outside a transaction, the next one replaces it).
    """
    columns = ", ".join(
        f"unnest(${i}::{t}[]) AS {q(c)}" for i, (c, t) in enumerate(types.items(), 1)
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {q(name)} AS SELECT {columns}",
        [[row.get(c) for row in rows] for c in types],
    )
    yield
    con.execute(f"DROP TABLE IF EXISTS temp.main.{q(name)}")


def q(name: str) -> str:
    """Quote an identifier taken from this module's constants ("analyse" is reserved)."""
    return '"' + name.replace('"', '""') + '"'


def question_row(question: Question) -> dict[str, Any]:
    """The content columns of ``question`` plus its hash and template, ready to stage."""
    row = {name: getattr(question, name) for name in QUESTION_COLUMNS}
    row["content_hash"] = question.content_hash()
    row["template"] = question.template or None
    return row


_CONTENT = ", ".join(q(c) for c in QUESTION_COLUMNS)
_S_CONTENT = ", ".join("s." + q(c) for c in QUESTION_COLUMNS)
_SET_CONTENT = ", ".join(f"{q(c)} = s.{q(c)}" for c in QUESTION_COLUMNS if c != "uid")

INSERT_RAW = """
INSERT INTO raw_pages (uid, sha256, url, fetched_at, http_status, size,
    warc_file, warc_offset, warc_length)
SELECT uid, sha256, url, fetched_at, http_status, size, warc_file, warc_offset, warc_length
FROM stage_raw
ON CONFLICT DO NOTHING
"""
INSERT_QUESTIONS = f"""
INSERT INTO questions ({_CONTENT}, first_seen_at, last_fetched_at, last_changed_at,
    template, content_hash)
SELECT {_S_CONTENT}, s.fetched_at, s.fetched_at, s.fetched_at, s.template, s.content_hash
FROM stage_q AS s WHERE s.kind = 'new'
"""
UPDATE_CHANGED = f"""
UPDATE questions AS t SET {_SET_CONTENT},
    last_fetched_at = s.fetched_at, last_changed_at = s.fetched_at,
    template = s.template, content_hash = s.content_hash, source = 'page'
FROM stage_q AS s WHERE t.uid = s.uid AND s.kind = 'changed'
"""
UPDATE_TOUCHED = """
UPDATE questions AS t SET last_fetched_at = s.fetched_at, source = 'page'
FROM stage_q AS s WHERE t.uid = s.uid AND s.kind = 'touch' AND s.fetched_at > t.last_fetched_at
"""
CLOSE_VERSIONS = """
UPDATE question_versions AS v SET valid_to = s.fetched_at FROM stage_q AS s
WHERE v.uid = s.uid AND s.kind = 'changed' AND v.valid_to IS NULL
"""
INSERT_VERSIONS = f"""
INSERT INTO question_versions ({_CONTENT}, version, valid_from, valid_to, content_hash, template)
SELECT {_S_CONTENT},
    CASE WHEN s.kind = 'new' THEN 1
         ELSE (SELECT max(v.version) FROM question_versions AS v WHERE v.uid = s.uid) + 1 END,
    s.fetched_at, NULL, s.content_hash, s.template
FROM stage_q AS s WHERE s.kind IN ('new', 'changed')
"""
RESOLVE_FAILURES = """
UPDATE failures AS f SET resolved_at = s.fetched_at FROM stage_obs AS s
WHERE f.uid = s.uid AND s.outcome <> 'failed' AND f.resolved_at IS NULL
  AND f.occurred_at <= s.fetched_at
"""
INSERT_FAILURES = """
INSERT INTO failures (uid, url, run_id, stage, error, field, sha256, occurred_at)
SELECT s.uid, s.url, s.run_id, s.stage, s.error, s.field, s.sha256, s.occurred_at
FROM stage_fail AS s
WHERE NOT EXISTS (SELECT 1 FROM failures AS f WHERE f.uid = s.uid AND f.occurred_at = s.occurred_at)
"""
_FETCH_STATE_COLUMNS = ", ".join(STAGE_FETCH_STATE)
_SET_FETCH_STATE = ", ".join(f"{c} = s.{c}" for c in STAGE_FETCH_STATE if c != "uid")
UPSERT_FETCH_STATE = f"""
MERGE INTO fetch_state AS t USING stage_fs AS s ON t.uid = s.uid
WHEN MATCHED THEN UPDATE SET {_SET_FETCH_STATE}
WHEN NOT MATCHED THEN INSERT ({_FETCH_STATE_COLUMNS}) VALUES ({_FETCH_STATE_COLUMNS})
"""
BUMP_RUN = """
UPDATE runs SET requests = requests + ?, pages_new = pages_new + ?,
    pages_changed = pages_changed + ?, pages_unchanged = pages_unchanged + ?,
    not_found = not_found + ?, failures = failures + ?, not_modified = not_modified + ?,
    newly_answered = newly_answered + ?, newly_withdrawn = newly_withdrawn + ?
WHERE run_id = ?
"""


#: One write step: (wanted, statement, stage table name, rows, SQL types).
Step = tuple[bool, str, str, list[dict[str, Any]], dict[str, str]]


def run_steps(con: duckdb.DuckDBPyConnection, steps: Sequence[Step]) -> None:
    """Run the wanted steps, each stage table staged once for all the steps that read it."""
    with ExitStack() as stack:
        names: set[str] = set()
        for wanted, sql, name, rows, types in steps:
            if not wanted:
                continue
            if name not in names:
                stack.enter_context(staged(con, name, rows, types))
                names.add(name)
            con.execute(sql)
