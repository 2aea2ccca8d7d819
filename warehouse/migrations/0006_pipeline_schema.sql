-- 0006: the pipeline's bookkeeping moves out of the analysts' way, into the `pipeline` schema.
-- `main` keeps what people query (questions, question_versions, runs, opendata_records
-- and the views); anq's own connections put `pipeline` on their search path.
-- DuckDB cannot move a table between schemas, so each is recreated there and copied.

CREATE SCHEMA IF NOT EXISTS pipeline;

CREATE TABLE pipeline.fetch_state (
    uid                  VARCHAR PRIMARY KEY,
    legislature          INTEGER NOT NULL CHECK (legislature >= 1),
    type                 VARCHAR NOT NULL CHECK (type IN ('QE', 'QG', 'QOSD')),
    number               INTEGER NOT NULL CHECK (number >= 1),
    url                  VARCHAR NOT NULL,
    etag                 VARCHAR,
    last_modified        VARCHAR,
    last_outcome         VARCHAR NOT NULL
        CHECK (last_outcome IN ('question', 'not_modified', 'not_found', 'failed')),
    last_http_status     INTEGER,
    last_attempt_at      TIMESTAMP NOT NULL,
    last_success_at      TIMESTAMP,
    consecutive_failures INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    next_due_at          TIMESTAMP,
    raw_sha256           VARCHAR
);
INSERT INTO pipeline.fetch_state SELECT * FROM main.fetch_state;
DROP TABLE main.fetch_state;

CREATE TABLE pipeline.raw_pages (
    uid          VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL CHECK (length(sha256) = 64),
    url          VARCHAR NOT NULL,
    fetched_at   TIMESTAMP NOT NULL,
    http_status  INTEGER NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0),
    PRIMARY KEY (uid, fetched_at)
);
INSERT INTO pipeline.raw_pages SELECT * FROM main.raw_pages;
DROP TABLE main.raw_pages;

CREATE TABLE pipeline.failures (
    uid          VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    run_id       VARCHAR NOT NULL,
    stage        VARCHAR NOT NULL CHECK (stage IN ('fetch', 'extract', 'refused')),
    error        VARCHAR NOT NULL,
    field        VARCHAR,
    sha256       VARCHAR,
    occurred_at  TIMESTAMP NOT NULL,
    resolved_at  TIMESTAMP
);
INSERT INTO pipeline.failures SELECT * FROM main.failures;
DROP TABLE main.failures;

CREATE TABLE pipeline.run_field_stats (
    run_id    VARCHAR NOT NULL,
    template  VARCHAR NOT NULL,
    field     VARCHAR NOT NULL,
    pages     INTEGER NOT NULL CHECK (pages >= 0),
    filled    INTEGER NOT NULL CHECK (filled BETWEEN 0 AND pages),
    PRIMARY KEY (run_id, template, field)
);
INSERT INTO pipeline.run_field_stats SELECT * FROM main.run_field_stats;
DROP TABLE main.run_field_stats;

CREATE TABLE pipeline.archive_damage (
    uid          VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL,
    path         VARCHAR NOT NULL,
    file_offset  BIGINT,
    problem      VARCHAR NOT NULL,
    found_at     TIMESTAMP NOT NULL,
    run_id       VARCHAR NOT NULL
);
INSERT INTO pipeline.archive_damage SELECT * FROM main.archive_damage;
DROP TABLE main.archive_damage;

CREATE TABLE pipeline.opendata_archives (
    legislature    INTEGER NOT NULL,
    type           VARCHAR NOT NULL CHECK (type IN ('QE', 'QG', 'QOSD')),
    path           VARCHAR NOT NULL,
    file           VARCHAR,
    etag           VARCHAR,
    last_modified  VARCHAR,
    archive_date   TIMESTAMP,
    sha256         VARCHAR,
    size           BIGINT,
    fetched_at     TIMESTAMP NOT NULL,
    loaded_at      TIMESTAMP,
    records        INTEGER NOT NULL DEFAULT 0 CHECK (records >= 0),
    failed         INTEGER NOT NULL DEFAULT 0 CHECK (failed >= 0),
    error          VARCHAR,
    PRIMARY KEY (legislature, type)
);
INSERT INTO pipeline.opendata_archives SELECT * FROM main.opendata_archives;
DROP TABLE main.opendata_archives;

CREATE TABLE pipeline.opendata_failures (
    run_id        VARCHAR NOT NULL,
    legislature   INTEGER NOT NULL,
    type          VARCHAR NOT NULL,
    member        VARCHAR NOT NULL,
    record_index  INTEGER NOT NULL,
    uid           VARCHAR,
    field         VARCHAR,
    error         VARCHAR NOT NULL,
    occurred_at   TIMESTAMP NOT NULL
);
INSERT INTO pipeline.opendata_failures SELECT * FROM main.opendata_failures;
DROP TABLE main.opendata_failures;

CREATE TABLE pipeline.opendata_agreement_runs (
    run_id    VARCHAR NOT NULL,
    field     VARCHAR NOT NULL,
    compared  INTEGER NOT NULL CHECK (compared >= 0),
    agreeing  INTEGER NOT NULL CHECK (agreeing BETWEEN 0 AND compared),
    PRIMARY KEY (run_id, field)
);
INSERT INTO pipeline.opendata_agreement_runs SELECT * FROM main.opendata_agreement_runs;
DROP TABLE main.opendata_agreement_runs;

COMMENT ON TABLE pipeline.fetch_state IS 'One row per question number asked about: validators, last answer, when it is due again';
COMMENT ON TABLE pipeline.raw_pages IS 'Each time a uid answered bytes that differ from the previous archived ones';
COMMENT ON TABLE pipeline.failures IS 'Pages that failed to fetch, extract or load; resolved_at set once a later run succeeds';
COMMENT ON TABLE pipeline.run_field_stats IS 'Per run and template: pages seen and pages with each field filled (drift alarms)';
COMMENT ON TABLE pipeline.archive_damage IS 'Archived pages the last reparse could not read back as stored';
COMMENT ON TABLE pipeline.opendata_archives IS 'One row per open-data archive: validators and how its last load went';
COMMENT ON TABLE pipeline.opendata_failures IS 'Open-data records that could not be read (the rest of their archive is loaded)';
COMMENT ON TABLE pipeline.opendata_agreement_runs IS 'Per run and field: uids both sources hold and how many agree';
