-- 0003: archived pages that could not be read back as they were stored, as the last reparse found them.
-- A question with such a page keeps its rows as they were; the list empties once a reparse reads them all.

CREATE TABLE archive_damage (
    uid          VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL,
    path         VARCHAR NOT NULL,     -- the archive file that should hold the page (a pack, or its own file)
    file_offset  BIGINT,               -- where the record's data starts in that file; NULL when it cannot be found
    problem      VARCHAR NOT NULL,     -- e.g. "content does not match its sha256", "not in the archive"
    found_at     TIMESTAMP NOT NULL,
    run_id       VARCHAR NOT NULL
);
