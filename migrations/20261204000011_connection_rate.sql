-- A person's request rate for a connection (requests a second, shared by its sources), in
-- place of the provider's documented one: Stripe raises limits on request, a key other tools
-- share may need less. NULL: the documented rate.
ALTER TABLE connections ADD COLUMN rate_per_sec INTEGER
    CHECK (rate_per_sec IS NULL OR rate_per_sec BETWEEN 1 AND 10000);
