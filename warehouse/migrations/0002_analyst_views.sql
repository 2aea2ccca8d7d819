-- 0002: analyst views over the core tables (open backlog, deadlines, delays, activity, status history).
-- "Now" is current_date (the date in the session's TimeZone); docs/recipes.md documents every column.
-- Kept to SQL that DuckDB 1.4 also binds, so a file created with storage_compatibility_version
-- 'v1.4.0' stays usable, views included, from a DuckDB 1.x CLI.

-- Open questions and how long each has waited. QG never appear: they are loaded as answered.
CREATE VIEW open_questions AS
SELECT
    uid,
    legislature,
    type,
    number,
    title,
    author_name,
    author_id,
    author_group,
    rubrique,
    ministry_asked,
    ministry_answering,
    question_published_on,
    signaled_on,
    CAST(current_date - question_published_on AS INTEGER) AS days_waiting,
    url
FROM questions
WHERE status = 'open';

-- Open QE/QOSD past the two-month deadline of art. 135 of the Règlement (the extra month a
-- minister may ask for is shown as extended_deadline but does not postpone "overdue").
CREATE VIEW overdue_questions AS
SELECT
    *,
    CAST(question_published_on + INTERVAL 2 MONTH AS DATE) AS answer_deadline,
    CAST(question_published_on + INTERVAL 3 MONTH AS DATE) AS extended_deadline,
    CAST(current_date - CAST(question_published_on + INTERVAL 2 MONTH AS DATE) AS INTEGER)
        AS days_overdue
FROM open_questions
WHERE type IN ('QE', 'QOSD')
  AND current_date > CAST(question_published_on + INTERVAL 2 MONTH AS DATE);

-- Per answering ministry and legislature: how many QE/QOSD were answered, and how fast.
-- QG are left out (question and answer share the sitting date, so their delay is 0 by construction).
-- Delays are quantile_cont (linear interpolation, as numpy/polars' default quantile).
CREATE VIEW answer_delays AS
WITH delays AS (
    SELECT
        legislature,
        ministry_answering,
        status,
        CASE WHEN status = 'answered'
            THEN CAST(answer_published_on - question_published_on AS INTEGER) END AS days_to_answer
    FROM questions
    WHERE type IN ('QE', 'QOSD')
)
SELECT
    legislature,
    ministry_answering,
    CAST(count(*) AS INTEGER) AS questions,
    CAST(count(*) FILTER (WHERE status = 'answered') AS INTEGER) AS answered,
    CAST(count(*) FILTER (WHERE status = 'open') AS INTEGER) AS still_open,
    CAST(count(*) FILTER (WHERE status = 'withdrawn') AS INTEGER) AS withdrawn,
    count(*) FILTER (WHERE status = 'answered') / count(*) AS share_answered,
    quantile_cont(days_to_answer, 0.5) AS median_days_to_answer,
    quantile_cont(days_to_answer, 0.9) AS p90_days_to_answer,
    avg(days_to_answer) AS mean_days_to_answer
FROM delays
GROUP BY legislature, ministry_answering;

-- Per calendar day (all types, QG included): questions published, answered, withdrawn.
-- Days with no activity have no row.
CREATE VIEW daily_activity AS
WITH events AS (
    SELECT question_published_on AS day, 1 AS published, 0 AS answered, 0 AS withdrawn
    FROM questions WHERE question_published_on IS NOT NULL
    UNION ALL
    SELECT answer_published_on, 0, 1, 0
    FROM questions WHERE status = 'answered' AND answer_published_on IS NOT NULL
    UNION ALL
    SELECT closed_on, 0, 0, 1
    FROM questions WHERE status = 'withdrawn' AND closed_on IS NOT NULL
)
SELECT
    day,
    CAST(sum(published) AS INTEGER) AS published,
    CAST(sum(answered) AS INTEGER) AS answered,
    CAST(sum(withdrawn) AS INTEGER) AS withdrawn
FROM events
GROUP BY day;

-- One row per status transition in question_versions. A question's first version is a transition
-- from NULL (so "first seen as answered" is visible); versions that keep the status add no row.
-- changed_at is when the pipeline saw the change (valid_from); closed_on is the date the page gives.
CREATE VIEW status_changes AS
WITH ordered AS (
    SELECT
        uid,
        legislature,
        type,
        version,
        lag(status) OVER (PARTITION BY uid ORDER BY version) AS from_status,
        status AS to_status,
        valid_from AS changed_at,
        closed_on,
        closure_reason
    FROM question_versions
)
SELECT uid, legislature, type, version, from_status, to_status, changed_at, closed_on, closure_reason
FROM ordered
WHERE from_status IS DISTINCT FROM to_status;
