-- Job health: every sync's outcome counted into UTC time buckets (hour, day, ISO week, month)
-- per source and stream (stream '' is the job as a whole), in the transaction that ends the
-- job or the stream. Rows are the leaves; a client's or everyone's health is a GROUP BY at
-- read time, and the moments (count, sum, sum of squares) pool exactly. No foreign key: the
-- history of work done outlives a source removed later. Replaces the never-written job_stats.
DROP TABLE job_stats;

CREATE TABLE job_health (
    source_id       INTEGER NOT NULL,
    client_id       INTEGER NOT NULL,
    stream          TEXT    NOT NULL,
    granularity     TEXT    NOT NULL CHECK (granularity IN ('hour', 'day', 'week', 'month')),
    bucket          INTEGER NOT NULL,          -- the bucket's start, UTC ms
    succeeded       INTEGER NOT NULL DEFAULT 0,
    failed          INTEGER NOT NULL DEFAULT 0,
    skipped         INTEGER NOT NULL DEFAULT 0,
    rate_limited    INTEGER NOT NULL DEFAULT 0,
    cancelled       INTEGER NOT NULL DEFAULT 0,
    by_schedule     INTEGER NOT NULL DEFAULT 0,
    by_stale        INTEGER NOT NULL DEFAULT 0,
    by_manual       INTEGER NOT NULL DEFAULT 0,
    by_catch_up     INTEGER NOT NULL DEFAULT 0,
    by_retry        INTEGER NOT NULL DEFAULT 0,
    -- Durations (ms) of succeeded runs.
    duration_count  INTEGER NOT NULL DEFAULT 0,
    duration_sum    REAL    NOT NULL DEFAULT 0,
    duration_sq     REAL    NOT NULL DEFAULT 0,
    duration_min    REAL,
    duration_max    REAL,
    records         INTEGER NOT NULL DEFAULT 0,
    pages           INTEGER NOT NULL DEFAULT 0,
    requests        INTEGER NOT NULL DEFAULT 0,
    retries         INTEGER NOT NULL DEFAULT 0,
    wait_ms         INTEGER NOT NULL DEFAULT 0,   -- waiting on rate limits
    -- Reads are one granularity, one stream ('' for jobs), a window of buckets: everyone's
    -- are then one contiguous range of the key; a source's and a client's have an index each.
    PRIMARY KEY (granularity, stream, bucket, source_id)
) WITHOUT ROWID;
CREATE INDEX job_health_source ON job_health (source_id, granularity, stream, bucket);
CREATE INDEX job_health_client ON job_health (client_id, granularity, stream, bucket);

-- Error kinds as counted codes, in the same buckets.
CREATE TABLE job_health_errors (
    source_id    INTEGER NOT NULL,
    client_id    INTEGER NOT NULL,
    stream       TEXT    NOT NULL,
    granularity  TEXT    NOT NULL,
    bucket       INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    count        INTEGER NOT NULL,
    PRIMARY KEY (granularity, stream, bucket, source_id, kind)
) WITHOUT ROWID;
CREATE INDEX job_health_errors_source ON job_health_errors (source_id, granularity, stream, bucket);

-- Per source: the last success and the failures since, kept as jobs end (the job history is
-- pruned to 100 per source; these are not).
CREATE TABLE source_health (
    source_id         INTEGER PRIMARY KEY REFERENCES sources (id) ON DELETE CASCADE,
    last_success_at   INTEGER,
    failure_streak    INTEGER NOT NULL DEFAULT 0,
    last_error_kind   TEXT,
    last_error        TEXT,
    last_error_at     INTEGER,
    last_finished_at  INTEGER
);

-- Alerts: open until their condition clears. One open alert per kind and source.
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    source_id   INTEGER,
    opened_at   INTEGER NOT NULL,
    cleared_at  INTEGER,
    message     TEXT    NOT NULL,
    notified    INTEGER NOT NULL DEFAULT 0 CHECK (notified IN (0, 1))
);
CREATE UNIQUE INDEX alerts_open ON alerts (kind, COALESCE(source_id, 0)) WHERE cleared_at IS NULL;
