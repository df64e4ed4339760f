-- Rollups follow the data: every write to a table that a metric reads marks the days it
-- touched (old and new values) in `rollup_dirty`, in the same transaction as the rows. After a
-- sync the engine recomputes `metric_daily` for those days only and clears the marks; a crash
-- in between leaves the marks, and the next open finishes the job. Days are UTC day numbers
-- (milliseconds / 86,400,000). No foreign key: a source's rows are deleted with it, and the
-- marks they leave are cleared in the same transaction. `ON CONFLICT DO NOTHING`, not
-- `INSERT OR IGNORE`: a trigger's OR clause is overridden by the statement that fired it.
CREATE TABLE rollup_dirty (
    source_id  INTEGER NOT NULL,
    tbl        TEXT    NOT NULL,
    day        INTEGER NOT NULL,
    PRIMARY KEY (source_id, tbl, day)
) WITHOUT ROWID;

-- Rollups range over these columns. Charges carry their raw JSON, so a rollup that read the
-- table would read every row's JSON too: this index covers every column a charge metric
-- uses (and replaces the plain `created` index, its prefix).
CREATE INDEX github_pull_requests_merged ON github_pull_requests (source_id, merged_at);
CREATE INDEX github_issues_closed ON github_issues (source_id, closed_at);
DROP INDEX stripe_charges_created;
CREATE INDEX stripe_charges_rollup ON stripe_charges (source_id, created, status, currency, amount, amount_refunded);

CREATE TRIGGER stripe_charges_rollup_insert AFTER INSERT ON stripe_charges BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    VALUES (NEW.source_id, 'stripe_charges', NEW.created / 86400000)
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER stripe_charges_rollup_update AFTER UPDATE ON stripe_charges
WHEN OLD.created IS NOT NEW.created OR OLD.status IS NOT NEW.status OR OLD.amount IS NOT NEW.amount OR OLD.amount_refunded IS NOT NEW.amount_refunded OR OLD.currency IS NOT NEW.currency
BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    VALUES (OLD.source_id, 'stripe_charges', OLD.created / 86400000)
    ON CONFLICT DO NOTHING;
    INSERT INTO rollup_dirty (source_id, tbl, day)
    VALUES (NEW.source_id, 'stripe_charges', NEW.created / 86400000)
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER stripe_charges_rollup_delete AFTER DELETE ON stripe_charges BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    VALUES (OLD.source_id, 'stripe_charges', OLD.created / 86400000)
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER stripe_customers_rollup_insert AFTER INSERT ON stripe_customers BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    VALUES (NEW.source_id, 'stripe_customers', NEW.created / 86400000)
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER stripe_customers_rollup_update AFTER UPDATE ON stripe_customers
WHEN OLD.created IS NOT NEW.created
BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    VALUES (OLD.source_id, 'stripe_customers', OLD.created / 86400000)
    ON CONFLICT DO NOTHING;
    INSERT INTO rollup_dirty (source_id, tbl, day)
    VALUES (NEW.source_id, 'stripe_customers', NEW.created / 86400000)
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER stripe_customers_rollup_delete AFTER DELETE ON stripe_customers BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    VALUES (OLD.source_id, 'stripe_customers', OLD.created / 86400000)
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER stripe_subscriptions_rollup_insert AFTER INSERT ON stripe_subscriptions BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    SELECT NEW.source_id, 'stripe_subscriptions', t / 86400000 FROM (
        SELECT NEW.created AS t
        UNION ALL SELECT NEW.canceled_at AS t
        UNION ALL SELECT NEW.ended_at AS t
    ) WHERE t IS NOT NULL
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER stripe_subscriptions_rollup_update AFTER UPDATE ON stripe_subscriptions
WHEN OLD.created IS NOT NEW.created OR OLD.canceled_at IS NOT NEW.canceled_at OR OLD.ended_at IS NOT NEW.ended_at OR OLD.status IS NOT NEW.status OR OLD.currency IS NOT NEW.currency OR OLD.raw IS NOT NEW.raw
BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    SELECT OLD.source_id, 'stripe_subscriptions', t / 86400000 FROM (
        SELECT OLD.created AS t
        UNION ALL SELECT OLD.canceled_at AS t
        UNION ALL SELECT OLD.ended_at AS t
    ) WHERE t IS NOT NULL
    ON CONFLICT DO NOTHING;
    INSERT INTO rollup_dirty (source_id, tbl, day)
    SELECT NEW.source_id, 'stripe_subscriptions', t / 86400000 FROM (
        SELECT NEW.created AS t
        UNION ALL SELECT NEW.canceled_at AS t
        UNION ALL SELECT NEW.ended_at AS t
    ) WHERE t IS NOT NULL
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER stripe_subscriptions_rollup_delete AFTER DELETE ON stripe_subscriptions BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    SELECT OLD.source_id, 'stripe_subscriptions', t / 86400000 FROM (
        SELECT OLD.created AS t
        UNION ALL SELECT OLD.canceled_at AS t
        UNION ALL SELECT OLD.ended_at AS t
    ) WHERE t IS NOT NULL
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER github_stargazers_rollup_insert AFTER INSERT ON github_stargazers BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    VALUES (NEW.source_id, 'github_stargazers', NEW.starred_at / 86400000)
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER github_stargazers_rollup_update AFTER UPDATE ON github_stargazers
WHEN OLD.starred_at IS NOT NEW.starred_at
BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    VALUES (OLD.source_id, 'github_stargazers', OLD.starred_at / 86400000)
    ON CONFLICT DO NOTHING;
    INSERT INTO rollup_dirty (source_id, tbl, day)
    VALUES (NEW.source_id, 'github_stargazers', NEW.starred_at / 86400000)
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER github_stargazers_rollup_delete AFTER DELETE ON github_stargazers BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    VALUES (OLD.source_id, 'github_stargazers', OLD.starred_at / 86400000)
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER github_commits_rollup_insert AFTER INSERT ON github_commits BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    VALUES (NEW.source_id, 'github_commits', NEW.committed_at / 86400000)
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER github_commits_rollup_update AFTER UPDATE ON github_commits
WHEN OLD.committed_at IS NOT NEW.committed_at OR OLD.author_login IS NOT NEW.author_login OR OLD.author_name IS NOT NEW.author_name
BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    VALUES (OLD.source_id, 'github_commits', OLD.committed_at / 86400000)
    ON CONFLICT DO NOTHING;
    INSERT INTO rollup_dirty (source_id, tbl, day)
    VALUES (NEW.source_id, 'github_commits', NEW.committed_at / 86400000)
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER github_commits_rollup_delete AFTER DELETE ON github_commits BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    VALUES (OLD.source_id, 'github_commits', OLD.committed_at / 86400000)
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER github_pull_requests_rollup_insert AFTER INSERT ON github_pull_requests BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    SELECT NEW.source_id, 'github_pull_requests', t / 86400000 FROM (
        SELECT NEW.created_at AS t
        UNION ALL SELECT NEW.merged_at AS t
    ) WHERE t IS NOT NULL
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER github_pull_requests_rollup_update AFTER UPDATE ON github_pull_requests
WHEN OLD.created_at IS NOT NEW.created_at OR OLD.merged_at IS NOT NEW.merged_at
BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    SELECT OLD.source_id, 'github_pull_requests', t / 86400000 FROM (
        SELECT OLD.created_at AS t
        UNION ALL SELECT OLD.merged_at AS t
    ) WHERE t IS NOT NULL
    ON CONFLICT DO NOTHING;
    INSERT INTO rollup_dirty (source_id, tbl, day)
    SELECT NEW.source_id, 'github_pull_requests', t / 86400000 FROM (
        SELECT NEW.created_at AS t
        UNION ALL SELECT NEW.merged_at AS t
    ) WHERE t IS NOT NULL
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER github_pull_requests_rollup_delete AFTER DELETE ON github_pull_requests BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    SELECT OLD.source_id, 'github_pull_requests', t / 86400000 FROM (
        SELECT OLD.created_at AS t
        UNION ALL SELECT OLD.merged_at AS t
    ) WHERE t IS NOT NULL
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER github_issues_rollup_insert AFTER INSERT ON github_issues BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    SELECT NEW.source_id, 'github_issues', t / 86400000 FROM (
        SELECT NEW.created_at AS t
        UNION ALL SELECT NEW.closed_at AS t
    ) WHERE t IS NOT NULL
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER github_issues_rollup_update AFTER UPDATE ON github_issues
WHEN OLD.created_at IS NOT NEW.created_at OR OLD.closed_at IS NOT NEW.closed_at
BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    SELECT OLD.source_id, 'github_issues', t / 86400000 FROM (
        SELECT OLD.created_at AS t
        UNION ALL SELECT OLD.closed_at AS t
    ) WHERE t IS NOT NULL
    ON CONFLICT DO NOTHING;
    INSERT INTO rollup_dirty (source_id, tbl, day)
    SELECT NEW.source_id, 'github_issues', t / 86400000 FROM (
        SELECT NEW.created_at AS t
        UNION ALL SELECT NEW.closed_at AS t
    ) WHERE t IS NOT NULL
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER github_issues_rollup_delete AFTER DELETE ON github_issues BEGIN
    INSERT INTO rollup_dirty (source_id, tbl, day)
    SELECT OLD.source_id, 'github_issues', t / 86400000 FROM (
        SELECT OLD.created_at AS t
        UNION ALL SELECT OLD.closed_at AS t
    ) WHERE t IS NOT NULL
    ON CONFLICT DO NOTHING;
END;

