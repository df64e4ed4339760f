-- Replicated provider data: one table per stream, keyed by (source, provider id). Typed
-- columns are what metrics read; `raw` keeps the provider's whole object. Timestamps are
-- UTC milliseconds; money is in the currency's minor unit (cents), as providers send it.
-- Ordinary rowid tables, not WITHOUT ROWID: rows carry the raw JSON (hundreds of bytes),
-- and SQLite keeps large rows far cheaper in a rowid table with a small key index.

CREATE TABLE stripe_customers (
    source_id   INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,
    created     INTEGER NOT NULL,
    email       TEXT,
    name        TEXT,
    currency    TEXT,
    delinquent  INTEGER NOT NULL DEFAULT 0,
    raw         TEXT    NOT NULL,
    synced_at   INTEGER NOT NULL,
    PRIMARY KEY (source_id, id)
);
CREATE INDEX stripe_customers_created ON stripe_customers (source_id, created);

CREATE TABLE stripe_charges (
    source_id        INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    id               TEXT    NOT NULL,
    created          INTEGER NOT NULL,
    customer_id      TEXT,
    amount           INTEGER NOT NULL,
    amount_refunded  INTEGER NOT NULL DEFAULT 0,
    currency         TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    paid             INTEGER NOT NULL DEFAULT 0,
    refunded         INTEGER NOT NULL DEFAULT 0,
    invoice_id       TEXT,
    raw              TEXT    NOT NULL,
    synced_at        INTEGER NOT NULL,
    PRIMARY KEY (source_id, id)
);
CREATE INDEX stripe_charges_created ON stripe_charges (source_id, created);

CREATE TABLE stripe_invoices (
    source_id        INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    id               TEXT    NOT NULL,
    created          INTEGER NOT NULL,
    customer_id      TEXT,
    subscription_id  TEXT,
    status           TEXT,
    amount_due       INTEGER NOT NULL DEFAULT 0,
    amount_paid      INTEGER NOT NULL DEFAULT 0,
    currency         TEXT    NOT NULL,
    period_start     INTEGER,
    period_end       INTEGER,
    raw              TEXT    NOT NULL,
    synced_at        INTEGER NOT NULL,
    PRIMARY KEY (source_id, id)
);
CREATE INDEX stripe_invoices_created ON stripe_invoices (source_id, created);

CREATE TABLE stripe_subscriptions (
    source_id             INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    id                    TEXT    NOT NULL,
    created               INTEGER NOT NULL,
    customer_id           TEXT,
    status                TEXT    NOT NULL,
    currency              TEXT    NOT NULL,
    canceled_at           INTEGER,
    ended_at              INTEGER,
    current_period_start  INTEGER,
    current_period_end    INTEGER,
    raw                   TEXT    NOT NULL,
    synced_at             INTEGER NOT NULL,
    PRIMARY KEY (source_id, id)
);
CREATE INDEX stripe_subscriptions_created ON stripe_subscriptions (source_id, created);

CREATE TABLE stripe_balance_transactions (
    source_id     INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    id            TEXT    NOT NULL,
    created       INTEGER NOT NULL,
    type          TEXT    NOT NULL,
    amount        INTEGER NOT NULL,
    fee           INTEGER NOT NULL DEFAULT 0,
    net           INTEGER NOT NULL,
    currency      TEXT    NOT NULL,
    status        TEXT,
    source_object TEXT,
    available_on  INTEGER,
    raw           TEXT    NOT NULL,
    synced_at     INTEGER NOT NULL,
    PRIMARY KEY (source_id, id)
);
CREATE INDEX stripe_balance_transactions_created ON stripe_balance_transactions (source_id, created);

-- One snapshot of the repository's counters per day (the last sync of the day wins).
CREATE TABLE github_repo_stats (
    source_id          INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    day                TEXT    NOT NULL,   -- YYYY-MM-DD, UTC
    stargazers_count   INTEGER NOT NULL,
    forks_count        INTEGER NOT NULL,
    open_issues_count  INTEGER NOT NULL,
    watchers_count     INTEGER NOT NULL,
    raw                TEXT    NOT NULL,
    synced_at          INTEGER NOT NULL,
    PRIMARY KEY (source_id, day)
);

CREATE TABLE github_issues (
    source_id   INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    id          INTEGER NOT NULL,
    state       TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    author      TEXT,
    comments    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    closed_at   INTEGER,
    raw         TEXT    NOT NULL,
    synced_at   INTEGER NOT NULL,
    PRIMARY KEY (source_id, number)
);
CREATE INDEX github_issues_created ON github_issues (source_id, created_at);

CREATE TABLE github_pull_requests (
    source_id   INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    id          INTEGER NOT NULL,
    state       TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    author      TEXT,
    draft       INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    closed_at   INTEGER,
    merged_at   INTEGER,
    raw         TEXT    NOT NULL,
    synced_at   INTEGER NOT NULL,
    PRIMARY KEY (source_id, number)
);
CREATE INDEX github_pull_requests_created ON github_pull_requests (source_id, created_at);

CREATE TABLE github_commits (
    source_id     INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    sha           TEXT    NOT NULL,
    author_login  TEXT,
    author_name   TEXT,
    authored_at   INTEGER NOT NULL,
    committed_at  INTEGER NOT NULL,
    raw           TEXT    NOT NULL,
    synced_at     INTEGER NOT NULL,
    PRIMARY KEY (source_id, sha)
);
CREATE INDEX github_commits_committed ON github_commits (source_id, committed_at);

CREATE TABLE github_stargazers (
    source_id   INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    login       TEXT    NOT NULL,
    starred_at  INTEGER NOT NULL,
    raw         TEXT    NOT NULL,
    synced_at   INTEGER NOT NULL,
    PRIMARY KEY (source_id, user_id)
);
CREATE INDEX github_stargazers_starred ON github_stargazers (source_id, starred_at);
