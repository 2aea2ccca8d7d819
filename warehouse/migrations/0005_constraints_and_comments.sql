-- 0005: the schema states what it guarantees (CHECK constraints) and describes itself (COMMENT ON).
-- DuckDB cannot add a CHECK to an existing table, so the three public tables are rebuilt with
-- theirs, rows kept as they are; views bind by name and need no change.

CREATE TABLE questions_checked (
    uid                    VARCHAR PRIMARY KEY,
    legislature            INTEGER NOT NULL CHECK (legislature BETWEEN 1 AND 99),
    type                   VARCHAR NOT NULL CHECK (type IN ('QE', 'QG', 'QOSD')),
    number                 INTEGER NOT NULL CHECK (number >= 1),
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
    status                 VARCHAR NOT NULL CHECK (status IN ('open', 'answered', 'withdrawn')),
    closed_on              DATE,
    closure_reason         VARCHAR,
    signaled_on            DATE,
    first_seen_at          TIMESTAMP NOT NULL,
    last_fetched_at        TIMESTAMP NOT NULL,
    last_changed_at        TIMESTAMP NOT NULL,
    template               VARCHAR,
    content_hash           VARCHAR NOT NULL,
    source                 VARCHAR NOT NULL DEFAULT 'page' CHECK (source IN ('page', 'opendata'))
);
INSERT INTO questions_checked BY NAME SELECT * FROM questions;
DROP TABLE questions;
ALTER TABLE questions_checked RENAME TO questions;

CREATE TABLE question_versions_checked (
    uid                    VARCHAR NOT NULL,
    legislature            INTEGER NOT NULL CHECK (legislature BETWEEN 1 AND 99),
    type                   VARCHAR NOT NULL CHECK (type IN ('QE', 'QG', 'QOSD')),
    number                 INTEGER NOT NULL CHECK (number >= 1),
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
    status                 VARCHAR NOT NULL CHECK (status IN ('open', 'answered', 'withdrawn')),
    closed_on              DATE,
    closure_reason         VARCHAR,
    signaled_on            DATE,
    version                INTEGER NOT NULL CHECK (version >= 1),
    valid_from             TIMESTAMP NOT NULL,
    valid_to               TIMESTAMP CHECK (valid_to IS NULL OR valid_to >= valid_from),
    content_hash           VARCHAR NOT NULL,
    template               VARCHAR,
    source                 VARCHAR NOT NULL DEFAULT 'page' CHECK (source IN ('page', 'opendata')),
    PRIMARY KEY (uid, version)
);
INSERT INTO question_versions_checked BY NAME SELECT * FROM question_versions;
DROP TABLE question_versions;
ALTER TABLE question_versions_checked RENAME TO question_versions;

CREATE TABLE runs_checked (
    run_id           VARCHAR PRIMARY KEY,
    flow             VARCHAR NOT NULL,
    started_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP,
    state            VARCHAR NOT NULL CHECK (state IN ('running', 'completed', 'failed', 'crashed')),
    requests         INTEGER NOT NULL DEFAULT 0,
    pages_new        INTEGER NOT NULL DEFAULT 0,
    pages_changed    INTEGER NOT NULL DEFAULT 0,
    pages_unchanged  INTEGER NOT NULL DEFAULT 0,
    not_found        INTEGER NOT NULL DEFAULT 0,
    failures         INTEGER NOT NULL DEFAULT 0,
    not_modified     INTEGER NOT NULL DEFAULT 0,
    newly_answered   INTEGER NOT NULL DEFAULT 0,
    newly_withdrawn  INTEGER NOT NULL DEFAULT 0,
    parameters       VARCHAR,
    pid              INTEGER,
    prefect_flow_run_id VARCHAR,
    message          VARCHAR,
    report           VARCHAR
);
INSERT INTO runs_checked BY NAME SELECT * FROM runs;
DROP TABLE runs;
ALTER TABLE runs_checked RENAME TO runs;

COMMENT ON TABLE questions IS 'One row per question: its current state, as last read from its page (or from the open data until then).';
COMMENT ON COLUMN questions.uid IS 'QANR5L{legislature}{type}{number}, e.g. QANR5L16QE200';
COMMENT ON COLUMN questions.legislature IS 'Legislature number (17 is the current one)';
COMMENT ON COLUMN questions.type IS 'QE (question écrite), QG (au Gouvernement) or QOSD (orale sans débat)';
COMMENT ON COLUMN questions.number IS 'The question''s number within its legislature and type';
COMMENT ON COLUMN questions.url IS 'The page it was read from (after redirects)';
COMMENT ON COLUMN questions.title IS 'The heading after "n°N :" (legacy pages: the analysis line)';
COMMENT ON COLUMN questions.author_name IS 'The deputy, civility kept (Mme Marie-Pierre Rixain)';
COMMENT ON COLUMN questions.author_id IS 'The deputy''s acteur id (PA722252), as in the Assembly''s open data';
COMMENT ON COLUMN questions.author_group IS 'Political group as displayed; NULL where the page shows none';
COMMENT ON COLUMN questions.constituency IS 'The place shown with the author';
COMMENT ON COLUMN questions.rubrique IS 'Subject heading (Agriculture, Santé, ...)';
COMMENT ON COLUMN questions.tete_analyse IS 'Tête d''analyse, where the page shows one (legacy pages)';
COMMENT ON COLUMN questions."analyse" IS 'Analyse, where the page shows one (legacy pages)';
COMMENT ON COLUMN questions.ministry_asked IS 'Ministère interrogé';
COMMENT ON COLUMN questions.ministry_answering IS 'Ministère attributaire / répondant';
COMMENT ON COLUMN questions.question_text IS 'Plain text, paragraphs separated by a blank line; NULL for QG';
COMMENT ON COLUMN questions.answer_text IS 'Plain text; NULL while unanswered; for QG the sitting''s transcript';
COMMENT ON COLUMN questions.question_published_on IS 'Publication in the JO (for QG: the sitting)';
COMMENT ON COLUMN questions.question_jo_page IS 'JO page of the question; NULL where not shown';
COMMENT ON COLUMN questions.answer_published_on IS 'Publication of the answer; NULL while unanswered';
COMMENT ON COLUMN questions.answer_jo_page IS 'JO page of the answer; NULL where not shown';
COMMENT ON COLUMN questions.status IS 'open, answered or withdrawn';
COMMENT ON COLUMN questions.closed_on IS 'Answer, withdrawal or end-of-mandate date; NULL while open';
COMMENT ON COLUMN questions.closure_reason IS 'As displayed: Réponse publiée, Fin de mandat, Retrait, ...; NULL while open';
COMMENT ON COLUMN questions.signaled_on IS 'When the question was "signalée"; NULL if never';
COMMENT ON COLUMN questions.first_seen_at IS 'When anq first loaded it (UTC)';
COMMENT ON COLUMN questions.last_fetched_at IS 'Last successful fetch of its page (UTC)';
COMMENT ON COLUMN questions.last_changed_at IS 'Last time any extracted field changed (UTC)';
COMMENT ON COLUMN questions.template IS 'Which generation of the site''s pages it was read from';
COMMENT ON COLUMN questions.content_hash IS 'Hash of every extracted field but the url';
COMMENT ON COLUMN questions.source IS 'page once its page has been read; opendata while it comes from the open-data record alone';

COMMENT ON TABLE question_versions IS 'Full history: one row per distinct extracted state of a question, valid from valid_from to valid_to.';
COMMENT ON COLUMN question_versions.version IS '1, 2, ... per question';
COMMENT ON COLUMN question_versions.valid_from IS 'When anq first saw this state (UTC)';
COMMENT ON COLUMN question_versions.valid_to IS 'When the next state was seen; NULL for the current one';
COMMENT ON COLUMN question_versions.content_hash IS 'Hash of every extracted field but the url';
COMMENT ON COLUMN question_versions.status IS 'open, answered or withdrawn';
COMMENT ON COLUMN question_versions.source IS 'page, or opendata for a state read from the open data';

COMMENT ON TABLE runs IS 'One row per flow run (sync, backfill, fetch, reparse, opendata) and how it went.';
COMMENT ON COLUMN runs.state IS 'running, completed, failed or crashed';
COMMENT ON COLUMN runs.requests IS 'HTTP requests made, retries included';
COMMENT ON COLUMN runs.pages_new IS 'Questions loaded for the first time';
COMMENT ON COLUMN runs.pages_changed IS 'Questions whose extracted content changed (a new version)';
COMMENT ON COLUMN runs.pages_unchanged IS 'Pages read again with nothing changed (304s included)';
COMMENT ON COLUMN runs.not_found IS 'Numbers that hold no question (404 or an error page)';
COMMENT ON COLUMN runs.failures IS 'Pages that failed to fetch or parse (recorded, retried next run)';
COMMENT ON COLUMN runs.report IS 'The run report (markdown)';

COMMENT ON TABLE opendata_records IS 'One row per uid of the Assembly''s open-data archives, as last loaded.';
COMMENT ON VIEW open_questions IS 'Questions still waiting for an answer, and for how long (days_waiting).';
COMMENT ON VIEW overdue_questions IS 'Open QE and QOSD past the two-month answer deadline.';
COMMENT ON VIEW answer_delays IS 'Per legislature and answering ministry: how many QE/QOSD were answered, and how fast.';
COMMENT ON VIEW daily_activity IS 'Per day: questions published, answered and withdrawn.';
COMMENT ON VIEW status_changes IS 'Every status transition in question_versions.';
COMMENT ON VIEW discrepancies IS 'Where a page and its open-data record disagree, field by field.';
