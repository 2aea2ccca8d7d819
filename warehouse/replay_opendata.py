"""``anq reparse`` and the questions born from the open data.

A question the open data gave first has its record's states as its first versions
(``question_versions.source = 'opendata'``), and its pages' versions after them. A replay
reads pages only, so before it the fresh file gets, for each such uid, the versions the
records gave before its first page was read, and the ``questions`` row as it stood then:
replaying the pages then closes the last of them and numbers the pages' versions after
them, exactly as the nightly runs did. Where no page of the uid reads as a question
(only ever a record, or a page the extractor now refuses), the seeded rows are dropped
again after the replay and the old rows are kept as they were, as for any such uid.
"""

from __future__ import annotations

import duckdb

from warehouse.compact import SOURCE

#: The record-born versions that precede a uid's first page version (all, if none).
_SEEDED = f"""
CREATE OR REPLACE TEMP TABLE anq_seeded AS
SELECT v.* FROM {SOURCE}.question_versions AS v
WHERE v.source = 'opendata' AND ($1::VARCHAR IS NULL OR v.uid LIKE $1)
  AND v.valid_from < coalesce(
      (SELECT min(p.valid_from) FROM {SOURCE}.question_versions AS p
       WHERE p.uid = v.uid AND p.source = 'page'), 'infinity'::TIMESTAMP)
"""
_LAST = "version = (SELECT max(x.version) FROM anq_seeded AS x WHERE x.uid = s.uid)"
#: The last record-born version is the current one until a page is replayed.
_SEED_VERSIONS = f"""
INSERT INTO question_versions BY NAME
SELECT s.* REPLACE (CASE WHEN {_LAST} THEN NULL ELSE s.valid_to END AS valid_to)
FROM anq_seeded AS s
"""
#: The row as it stood before the first page: the record's state since its last version.
_SEED_QUESTIONS = f"""
INSERT INTO questions BY NAME
SELECT s.* EXCLUDE (version, valid_from, valid_to), q.first_seen_at,
       s.valid_from AS last_fetched_at, s.valid_from AS last_changed_at
FROM anq_seeded AS s JOIN {SOURCE}.questions AS q ON q.uid = s.uid
WHERE {_LAST}
"""
#: Seeded rows no replayed page touched (a page read sets ``source = 'page'``).
_UNREAD = (
    "SELECT uid FROM questions WHERE source = 'opendata' AND uid IN (SELECT uid FROM anq_seeded)"
)
_UNSEED = f"""
DELETE FROM question_versions WHERE uid IN ({_UNREAD});
DELETE FROM questions WHERE uid IN ({_UNREAD});
DROP TABLE anq_seeded;
"""


def seed_opendata_born(con: duckdb.DuckDBPyConnection, pattern: str | None) -> None:
    """Before the replay: the record-born versions of the uids matching ``pattern``."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(_SEEDED, [pattern])
        con.execute(_SEED_VERSIONS)
        con.execute(_SEED_QUESTIONS)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def unseed_unread(con: duckdb.DuckDBPyConnection) -> None:
    """After the replay: drop the seeded rows of uids no page was replayed into."""
    con.execute(_UNSEED)
