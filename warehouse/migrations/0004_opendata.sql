-- 0004: the open-data archives as a second source: their records, where they disagree with the pages, questions.source.
-- Timestamps are naive UTC. The normalisation of compared values is documented in README.md ("Open data").

-- Where a row comes from: 'page' once its page has been read, 'opendata' while only its record is held.
ALTER TABLE questions ADD COLUMN source VARCHAR DEFAULT 'page';
-- The same for each version, so the history says where each state was read.
ALTER TABLE question_versions ADD COLUMN source VARCHAR DEFAULT 'page';

-- One row per uid of the open-data archives: the questions columns a record holds (no author
-- name, no constituency), its closure as published, and bookkeeping for the schedule.
CREATE TABLE opendata_records (
    uid                    VARCHAR PRIMARY KEY,
    legislature            INTEGER NOT NULL,
    type                   VARCHAR NOT NULL,
    number                 INTEGER NOT NULL,
    url                    VARCHAR NOT NULL,        -- the page the record's question is read from
    title                  VARCHAR,
    author_id              VARCHAR,
    author_group           VARCHAR,
    rubrique               VARCHAR,
    tete_analyse           VARCHAR,
    "analyse"              VARCHAR,
    ministry_asked         VARCHAR,
    ministry_answering     VARCHAR,
    question_text          VARCHAR,
    answer_text            VARCHAR,
    question_published_on  DATE,
    question_jo_page       INTEGER,
    answer_published_on    DATE,
    answer_jo_page         INTEGER,
    status                 VARCHAR,                 -- NULL when the closure maps to no rule (see drift)
    closed_on              DATE,
    closure_reason         VARCHAR,
    signaled_on            DATE,
    closure_code           VARCHAR,
    closure_label          VARCHAR,
    record_hash            VARCHAR NOT NULL,        -- sha256 of the record as published
    archive_date           TIMESTAMP NOT NULL,      -- the archive's Last-Modified (else its download time)
    loaded_at              TIMESTAMP NOT NULL,      -- the last load whose archive held the record
    -- beyond docs/contract.md
    content_hash           VARCHAR,                 -- as questions.content_hash, for a bootstrap row
    state_hash             VARCHAR NOT NULL,        -- status, closure, signalement, attribution, answer date
    state_changed_at       TIMESTAMP NOT NULL,      -- when state_hash last changed
    page_due_at            TIMESTAMP,               -- the page is due while this is after its last attempt
    drift                  VARCHAR                  -- why the record could not be mapped whole
);

-- One row per archive (legislature and type): its validators and how its last load went.
CREATE TABLE opendata_archives (
    legislature    INTEGER NOT NULL,
    type           VARCHAR NOT NULL,
    path           VARCHAR NOT NULL,                -- relative to the open-data URL
    file           VARCHAR,                         -- the raw zip kept on disk
    etag           VARCHAR,
    last_modified  VARCHAR,
    archive_date   TIMESTAMP,
    sha256         VARCHAR,
    size           BIGINT,
    fetched_at     TIMESTAMP NOT NULL,              -- last answer (200 or 304)
    loaded_at      TIMESTAMP,                       -- last load of its records
    records        INTEGER NOT NULL DEFAULT 0,
    failed         INTEGER NOT NULL DEFAULT 0,
    error          VARCHAR,                         -- why the last attempt failed; NULL when it did not
    PRIMARY KEY (legislature, type)
);

-- Records that could not be read (the rest of their archive is loaded).
CREATE TABLE opendata_failures (
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

-- Per run and field: how many uids both sources hold and how many agree (the drift alarm's history).
CREATE TABLE opendata_agreement_runs (
    run_id    VARCHAR NOT NULL,
    field     VARCHAR NOT NULL,
    compared  INTEGER NOT NULL,
    agreeing  INTEGER NOT NULL,
    PRIMARY KEY (run_id, field)
);

-- Short values: case, accents, typographic apostrophes and whitespace do not count.
CREATE MACRO anq_norm_short(s) AS
    nullif(trim(regexp_replace(lower(strip_accents(replace(replace(CAST(s AS VARCHAR), '’', ''''),
        'œ', 'oe'))), '\s+', ' ', 'g')), '');
-- Texts (already plain on both sides): paragraph breaks and whitespace runs are one space.
CREATE MACRO anq_norm_text(s) AS
    nullif(trim(regexp_replace(replace(CAST(s AS VARCHAR), '’', ''''), '\s+', ' ', 'g')), '');
-- Dates (ISO), page numbers and statuses: as text.
CREATE MACRO anq_norm_plain(s) AS CAST(s AS VARCHAR);

-- Every field compared for every uid whose page has been read and which an archive holds.
-- page_may_omit: a field some templates do not show (a NULL page value is then not compared).
CREATE VIEW opendata_comparisons AS
WITH pairs AS (
    SELECT q.uid, q, o, greatest(q.last_fetched_at, o.loaded_at) AS seen_at
    FROM questions AS q JOIN opendata_records AS o ON o.uid = q.uid
    WHERE q.template IS DISTINCT FROM 'opendata'
), compared (uid, field, page_value, opendata_value, seen_at, page_may_omit) AS (
    SELECT uid, 'title', anq_norm_short(q.title), anq_norm_short(o.title), seen_at, false FROM pairs
    UNION ALL SELECT uid, 'author_id', anq_norm_short(q.author_id), anq_norm_short(o.author_id), seen_at, false FROM pairs
    UNION ALL SELECT uid, 'author_group', anq_norm_short(q.author_group), anq_norm_short(o.author_group), seen_at, true FROM pairs
    UNION ALL SELECT uid, 'rubrique', anq_norm_short(q.rubrique), anq_norm_short(o.rubrique), seen_at, false FROM pairs
    UNION ALL SELECT uid, 'tete_analyse', anq_norm_short(q.tete_analyse), anq_norm_short(o.tete_analyse), seen_at, true FROM pairs
    UNION ALL SELECT uid, 'analyse', anq_norm_short(q."analyse"), anq_norm_short(o."analyse"), seen_at, true FROM pairs
    UNION ALL SELECT uid, 'ministry_asked', anq_norm_short(q.ministry_asked), anq_norm_short(o.ministry_asked), seen_at, false FROM pairs
    UNION ALL SELECT uid, 'ministry_answering', anq_norm_short(q.ministry_answering), anq_norm_short(o.ministry_answering), seen_at, false FROM pairs
    UNION ALL SELECT uid, 'question_text', anq_norm_text(q.question_text), anq_norm_text(o.question_text), seen_at, false FROM pairs
    UNION ALL SELECT uid, 'answer_text', anq_norm_text(q.answer_text), anq_norm_text(o.answer_text), seen_at, false FROM pairs
    UNION ALL SELECT uid, 'question_published_on', anq_norm_plain(q.question_published_on), anq_norm_plain(o.question_published_on), seen_at, false FROM pairs
    UNION ALL SELECT uid, 'question_jo_page', anq_norm_plain(q.question_jo_page), anq_norm_plain(o.question_jo_page), seen_at, true FROM pairs
    UNION ALL SELECT uid, 'answer_published_on', anq_norm_plain(q.answer_published_on), anq_norm_plain(o.answer_published_on), seen_at, false FROM pairs
    UNION ALL SELECT uid, 'answer_jo_page', anq_norm_plain(q.answer_jo_page), anq_norm_plain(o.answer_jo_page), seen_at, true FROM pairs
    UNION ALL SELECT uid, 'status', anq_norm_plain(q.status), anq_norm_plain(o.status), seen_at, false FROM pairs
    UNION ALL SELECT uid, 'closed_on', anq_norm_plain(q.closed_on), anq_norm_plain(o.closed_on), seen_at, false FROM pairs
    UNION ALL SELECT uid, 'closure_reason', anq_norm_short(q.closure_reason), anq_norm_short(o.closure_reason), seen_at, false FROM pairs
    UNION ALL SELECT uid, 'signaled_on', anq_norm_plain(q.signaled_on), anq_norm_plain(o.signaled_on), seen_at, false FROM pairs
)
SELECT uid, field, page_value, opendata_value, seen_at FROM compared
WHERE NOT (page_may_omit AND page_value IS NULL);

-- Where the page and the open data disagree, after the normalisation above.
CREATE VIEW discrepancies AS
SELECT uid, field, page_value, opendata_value, seen_at FROM opendata_comparisons
WHERE page_value IS DISTINCT FROM opendata_value;

-- Per field: uids compared, how many agree, and the share.
CREATE VIEW opendata_agreement AS
SELECT field, count(*) AS compared,
       count(*) FILTER (WHERE page_value IS NOT DISTINCT FROM opendata_value) AS agreeing,
       round(agreeing / count(*), 4) AS agreement
FROM opendata_comparisons GROUP BY field;
