-- 0001: the core tables of docs/contract.md (questions, question_versions, runs) and the pipeline's bookkeeping.
-- Timestamps are naive UTC. Forward-only: never edit a migration that has shipped; add a new one.

CREATE TABLE questions (
    uid                    VARCHAR PRIMARY KEY,
    legislature            INTEGER NOT NULL,
    type                   VARCHAR NOT NULL,
    number                 INTEGER NOT NULL,
    url                    VARCHAR NOT NULL,
    title                  VARCHAR,
    author_name            VARCHAR,
    author_id              VARCHAR,
    author_group           VARCHAR,
    constituency           VARCHAR,
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
    status                 VARCHAR NOT NULL,
    closed_on              DATE,
    closure_reason         VARCHAR,
    signaled_on            DATE,
    first_seen_at          TIMESTAMP NOT NULL,
    last_fetched_at        TIMESTAMP NOT NULL,
    last_changed_at        TIMESTAMP NOT NULL,
    -- beyond docs/contract.md: which template generation the current state was read from, and its hash
    template               VARCHAR,
    content_hash           VARCHAR NOT NULL
);

CREATE TABLE question_versions (
    uid                    VARCHAR NOT NULL,
    legislature            INTEGER NOT NULL,
    type                   VARCHAR NOT NULL,
    number                 INTEGER NOT NULL,
    url                    VARCHAR NOT NULL,
    title                  VARCHAR,
    author_name            VARCHAR,
    author_id              VARCHAR,
    author_group           VARCHAR,
    constituency           VARCHAR,
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
    status                 VARCHAR NOT NULL,
    closed_on              DATE,
    closure_reason         VARCHAR,
    signaled_on            DATE,
    version                INTEGER NOT NULL,
    valid_from             TIMESTAMP NOT NULL,
    valid_to               TIMESTAMP,
    content_hash           VARCHAR NOT NULL,
    template               VARCHAR,
    PRIMARY KEY (uid, version)
);

CREATE TABLE runs (
    run_id           VARCHAR PRIMARY KEY,
    flow             VARCHAR NOT NULL,
    started_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP,
    state            VARCHAR NOT NULL,          -- running, completed, failed, crashed
    requests         INTEGER NOT NULL DEFAULT 0,
    pages_new        INTEGER NOT NULL DEFAULT 0,
    pages_changed    INTEGER NOT NULL DEFAULT 0,
    pages_unchanged  INTEGER NOT NULL DEFAULT 0,
    not_found        INTEGER NOT NULL DEFAULT 0,
    failures         INTEGER NOT NULL DEFAULT 0,
    -- beyond docs/contract.md
    not_modified     INTEGER NOT NULL DEFAULT 0,  -- 304 answers (also counted in pages_unchanged)
    newly_answered   INTEGER NOT NULL DEFAULT 0,
    newly_withdrawn  INTEGER NOT NULL DEFAULT 0,
    parameters       VARCHAR,                     -- JSON of the options the run was started with
    pid              INTEGER,
    prefect_flow_run_id VARCHAR,
    message          VARCHAR,                     -- why a run failed, or drift alarms
    report           VARCHAR                      -- the markdown run report
);

-- One row per question number the pipeline has asked about: conditional-request
-- validators, what the last answer was, and when the page is due again.
CREATE TABLE fetch_state (
    uid                  VARCHAR PRIMARY KEY,
    legislature          INTEGER NOT NULL,
    type                 VARCHAR NOT NULL,
    number               INTEGER NOT NULL,
    url                  VARCHAR NOT NULL,        -- final URL of the last answer
    etag                 VARCHAR,
    last_modified        VARCHAR,
    last_outcome         VARCHAR NOT NULL,        -- question, not_modified, not_found, failed
    last_http_status     INTEGER,
    last_attempt_at      TIMESTAMP NOT NULL,
    last_success_at      TIMESTAMP,               -- last answer that was not a failure
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_due_at          TIMESTAMP,               -- NULL: never refreshed unless asked (closed questions, gaps)
    raw_sha256           VARCHAR                  -- sha256 of the last body logged in raw_pages for this uid
);

-- The raw archive's index: one row each time a uid answered a page whose bytes
-- differ from the previous one archived for it. Blobs live on disk, content-addressed.
CREATE TABLE raw_pages (
    uid          VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    fetched_at   TIMESTAMP NOT NULL,
    http_status  INTEGER NOT NULL,
    size         INTEGER NOT NULL,
    PRIMARY KEY (uid, fetched_at)
);

-- Pages that failed to fetch, extract or load: kept until a later run succeeds.
CREATE TABLE failures (
    uid          VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    run_id       VARCHAR NOT NULL,
    stage        VARCHAR NOT NULL,                -- fetch, extract, refused
    error        VARCHAR NOT NULL,
    field        VARCHAR,                         -- for extraction errors: the field that could not be read
    sha256       VARCHAR,                         -- archived body, when one was received
    occurred_at  TIMESTAMP NOT NULL,
    resolved_at  TIMESTAMP
);

-- Per run and template generation: how many pages filled each field (drift alarms).
CREATE TABLE run_field_stats (
    run_id    VARCHAR NOT NULL,
    template  VARCHAR NOT NULL,
    field     VARCHAR NOT NULL,
    pages     INTEGER NOT NULL,
    filled    INTEGER NOT NULL,
    PRIMARY KEY (run_id, template, field)
);
