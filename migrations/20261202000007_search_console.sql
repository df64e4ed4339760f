-- Search Console: one row per site and day (Pacific Time dates), and per query or page.
-- Query and page rows add up to less than the day's totals (anonymised queries are left out).
CREATE TABLE gsc_daily (
    source_id    INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    date         TEXT    NOT NULL,
    clicks       INTEGER NOT NULL,
    impressions  INTEGER NOT NULL,
    ctr          REAL    NOT NULL,
    position     REAL    NOT NULL,
    synced_at    INTEGER NOT NULL,
    PRIMARY KEY (source_id, date)
);

CREATE TABLE gsc_queries_daily (
    source_id    INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    date         TEXT    NOT NULL,
    query        TEXT    NOT NULL,
    clicks       INTEGER NOT NULL,
    impressions  INTEGER NOT NULL,
    ctr          REAL    NOT NULL,
    position     REAL    NOT NULL,
    synced_at    INTEGER NOT NULL,
    PRIMARY KEY (source_id, date, query)
);

CREATE TABLE gsc_pages_daily (
    source_id    INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    date         TEXT    NOT NULL,
    page         TEXT    NOT NULL,
    clicks       INTEGER NOT NULL,
    impressions  INTEGER NOT NULL,
    ctr          REAL    NOT NULL,
    position     REAL    NOT NULL,
    synced_at    INTEGER NOT NULL,
    PRIMARY KEY (source_id, date, page)
);
