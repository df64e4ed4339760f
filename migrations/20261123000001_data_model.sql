-- Freshboard's data model. Every timestamp is INTEGER milliseconds since the Unix epoch, UTC.
-- Applied migrations are never edited: add a new file instead.

CREATE TABLE clients (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    -- Normalised name (trimmed, Unicode-lowercased) that enforces uniqueness among active
    -- clients; SQLite's NOCASE folds ASCII only.
    name_key      TEXT    NOT NULL,
    jobs_active   INTEGER NOT NULL DEFAULT 0 CHECK (jobs_active IN (0, 1)),
    last_seen_at  INTEGER,
    archived_at   INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX clients_active_name ON clients (name_key) WHERE archived_at IS NULL;

-- One grant or key. The secret itself lives in the OS keyring under keyring_ref.
CREATE TABLE connections (
    id             INTEGER PRIMARY KEY,
    provider       TEXT    NOT NULL CHECK (provider IN ('stripe', 'github', 'google', 'meta')),
    account_label  TEXT    NOT NULL,
    auth_kind      TEXT    NOT NULL CHECK (auth_kind IN ('oauth', 'api_key', 'token')),
    keyring_ref    TEXT    NOT NULL UNIQUE,
    status         TEXT    NOT NULL DEFAULT 'ok'
                           CHECK (status IN ('ok', 'expiring', 'needs_reauth', 'revoked')),
    expires_at     INTEGER,
    scopes         TEXT    NOT NULL DEFAULT '',
    -- Where the provider's API lives when not its public default (GitHub Enterprise, the simulator).
    api_base_url   TEXT,
    -- The demo's connections to the bundled simulator, re-pointed at it on every start.
    demo           INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

-- A client's account at a provider.
CREATE TABLE sources (
    id                 INTEGER PRIMARY KEY,
    client_id          INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    -- NULL once the connection is removed while the user chose to keep the synced data.
    connection_id      INTEGER REFERENCES connections (id) ON DELETE SET NULL,
    provider           TEXT    NOT NULL CHECK (provider IN
                           ('stripe', 'github', 'ga4', 'search_console', 'google_ads', 'meta_ads')),
    external_id        TEXT    NOT NULL,
    label              TEXT    NOT NULL,
    lookback_days      INTEGER,             -- NULL: the provider's default
    staleness_minutes  INTEGER NOT NULL DEFAULT 15 CHECK (staleness_minutes > 0),
    enabled            INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    UNIQUE (client_id, provider, external_id)
);
CREATE INDEX sources_connection ON sources (connection_id);

CREATE TABLE schedules (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    cron         TEXT    NOT NULL,          -- standard 5-field expression
    time_zone    TEXT    NOT NULL,          -- IANA name
    preset       TEXT,                      -- JSON of the preset the editor shows, if any
    enabled      INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    next_run_at  INTEGER,
    last_run_at  INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE enabled = 1;
CREATE INDEX schedules_source ON schedules (source_id);

CREATE TABLE stream_state (
    source_id        INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    stream           TEXT    NOT NULL,
    cursor           TEXT,                  -- JSON, advanced in the same transaction as the rows
    last_synced_at   INTEGER,
    last_attempt_at  INTEGER,
    refresh_status   TEXT    NOT NULL DEFAULT 'idle'
                             CHECK (refresh_status IN ('idle', 'queued', 'refreshing', 'failed')),
    last_error_kind  TEXT,
    last_error       TEXT,
    PRIMARY KEY (source_id, stream)
) WITHOUT ROWID;

CREATE TABLE jobs (
    id             INTEGER PRIMARY KEY,
    source_id      INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    streams        TEXT,                    -- JSON array; NULL means every stream
    reason         TEXT    NOT NULL CHECK (reason IN ('schedule', 'stale', 'manual', 'catch_up', 'retry')),
    state          TEXT    NOT NULL DEFAULT 'queued' CHECK (state IN
                           ('queued', 'running', 'succeeded', 'failed', 'skipped', 'cancelled')),
    attempt        INTEGER NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    run_after      INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    started_at     INTEGER,
    heartbeat_at   INTEGER,                 -- advanced with every committed page while running
    finished_at    INTEGER,
    records        INTEGER NOT NULL DEFAULT 0,
    pages          INTEGER NOT NULL DEFAULT 0,
    error_kind     TEXT,
    error_message  TEXT,
    retry_at       INTEGER                  -- a rate limit's "come back at"
);
-- The database itself forbids a second live job for a source, whatever races in code.
CREATE UNIQUE INDEX jobs_one_live_per_source ON jobs (source_id) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_queue ON jobs (run_after) WHERE state = 'queued';
CREATE INDEX jobs_source_history ON jobs (source_id, id);

CREATE TABLE dashboards (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (client_id, name)
);

CREATE TABLE widgets (
    id            INTEGER PRIMARY KEY,
    dashboard_id  INTEGER NOT NULL REFERENCES dashboards (id) ON DELETE CASCADE,
    metric        TEXT    NOT NULL,
    date_range    TEXT    NOT NULL,         -- JSON, e.g. {"kind":"last_days","days":30}
    comparison    TEXT    NOT NULL DEFAULT 'previous_period' CHECK (comparison IN ('none', 'previous_period')),
    visual        TEXT    NOT NULL CHECK (visual IN ('number', 'timeseries', 'table')),
    position      INTEGER NOT NULL,
    width         INTEGER NOT NULL DEFAULT 1 CHECK (width BETWEEN 1 AND 4),
    height        INTEGER NOT NULL DEFAULT 1 CHECK (height BETWEEN 1 AND 4),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX widgets_dashboard ON widgets (dashboard_id, position);

-- Daily rollups, recomputed for the days a sync touched. `dim` splits a metric where one
-- number would mislead (money per currency); '' when it does not apply.
CREATE TABLE metric_daily (
    source_id   INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    metric      TEXT    NOT NULL,
    day         TEXT    NOT NULL,           -- YYYY-MM-DD in the source's reporting time zone
    dim         TEXT    NOT NULL DEFAULT '',
    value       REAL    NOT NULL,
    weight      REAL    NOT NULL DEFAULT 0, -- denominator for ratio-of-sums metrics
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (source_id, metric, day, dim)
) WITHOUT ROWID;

-- Health of the sync work itself, counted into time buckets under several keys
-- ('global', 'client:1', 'source:7', 'stream:7:charges').
CREATE TABLE job_stats (
    key              TEXT    NOT NULL,
    granularity      TEXT    NOT NULL CHECK (granularity IN ('minute', 'hour', 'day')),
    bucket_start     INTEGER NOT NULL,
    succeeded        INTEGER NOT NULL DEFAULT 0,
    failed           INTEGER NOT NULL DEFAULT 0,
    skipped          INTEGER NOT NULL DEFAULT 0,
    rate_limited     INTEGER NOT NULL DEFAULT 0,
    cancelled        INTEGER NOT NULL DEFAULT 0,
    duration_count   INTEGER NOT NULL DEFAULT 0,
    duration_sum_ms  REAL    NOT NULL DEFAULT 0,
    duration_sum_sq  REAL    NOT NULL DEFAULT 0,
    records          INTEGER NOT NULL DEFAULT 0,
    pages            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (key, granularity, bucket_start)
) WITHOUT ROWID;

-- User settings that are not secrets (secrets live in the OS keyring).
CREATE TABLE app_settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
