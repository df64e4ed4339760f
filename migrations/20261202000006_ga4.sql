-- Google Analytics 4: one row per property and day (its own calendar date, YYYY-MM-DD), and
-- per channel or landing page. Revenue in the currency's minor unit; `quality` holds GA4's
-- flags for the day (1 sampled, 2 thresholded, 4 rows folded into "(other)").
CREATE TABLE ga4_daily (
    source_id         INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    date              TEXT    NOT NULL,
    sessions          INTEGER NOT NULL,
    total_users       INTEGER NOT NULL,
    new_users         INTEGER NOT NULL,
    engaged_sessions  INTEGER NOT NULL,
    key_events        REAL    NOT NULL,
    revenue           INTEGER NOT NULL,
    currency          TEXT    NOT NULL,
    quality           INTEGER NOT NULL DEFAULT 0,
    synced_at         INTEGER NOT NULL,
    PRIMARY KEY (source_id, date)
);

CREATE TABLE ga4_channels_daily (
    source_id         INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    date              TEXT    NOT NULL,
    channel           TEXT    NOT NULL,
    sessions          INTEGER NOT NULL,
    engaged_sessions  INTEGER NOT NULL,
    key_events        REAL    NOT NULL,
    quality           INTEGER NOT NULL DEFAULT 0,
    synced_at         INTEGER NOT NULL,
    PRIMARY KEY (source_id, date, channel)
);

CREATE TABLE ga4_landing_pages_daily (
    source_id     INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    date          TEXT    NOT NULL,
    landing_page  TEXT    NOT NULL,
    sessions      INTEGER NOT NULL,
    key_events    REAL    NOT NULL,
    quality       INTEGER NOT NULL DEFAULT 0,
    synced_at     INTEGER NOT NULL,
    PRIMARY KEY (source_id, date, landing_page)
);
