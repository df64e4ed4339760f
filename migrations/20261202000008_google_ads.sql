-- Google Ads: one row per customer, campaign and day (the customer's own zone). `cost_micros`
-- exactly as Google sends it; `cost` and `value` (conversion value) in the currency's minor
-- unit, for money metrics.
CREATE TABLE google_ads_campaigns_daily (
    source_id          INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    date               TEXT    NOT NULL,
    campaign_id        TEXT    NOT NULL,
    campaign_name      TEXT,
    currency           TEXT    NOT NULL,
    cost_micros        INTEGER NOT NULL,
    cost               REAL    NOT NULL,
    impressions        INTEGER NOT NULL,
    clicks             INTEGER NOT NULL,
    conversions        REAL    NOT NULL,
    conversions_value  REAL    NOT NULL,
    value              REAL    NOT NULL,
    synced_at          INTEGER NOT NULL,
    PRIMARY KEY (source_id, date, campaign_id)
);
