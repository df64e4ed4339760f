-- Meta Ads: one row per ad account, campaign and day (the ad account's own zone). Money is kept
-- twice, both exact: as the decimal string Meta sends (`spend`, `purchase_value`) and in the
-- currency's minor unit as an integer (`*_minor`), which money metrics read. `attribution` is
-- the attribution windows the row was asked with (Meta's numbers depend on them).
CREATE TABLE meta_ads_campaigns_daily (
    source_id             INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    date                  TEXT    NOT NULL,
    campaign_id           TEXT    NOT NULL,
    campaign_name         TEXT,
    currency              TEXT    NOT NULL,
    spend                 TEXT    NOT NULL,
    spend_minor           INTEGER NOT NULL,
    impressions           INTEGER NOT NULL,
    reach                 INTEGER NOT NULL,
    clicks                INTEGER NOT NULL,
    link_clicks           INTEGER NOT NULL,
    purchases             INTEGER NOT NULL,
    leads                 INTEGER NOT NULL,
    purchase_value        TEXT    NOT NULL,
    purchase_value_minor  INTEGER NOT NULL,
    attribution           TEXT    NOT NULL,
    synced_at             INTEGER NOT NULL,
    PRIMARY KEY (source_id, date, campaign_id)
);
