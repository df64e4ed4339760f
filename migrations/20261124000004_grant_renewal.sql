-- When a person must sign in again: the end of a grant that cannot renew itself (a Meta
-- user token lasts 60 days and has no refresh token). NULL when the grant refreshes itself
-- or never ends. A connection within a week of it shows as `expiring`.
ALTER TABLE connections ADD COLUMN renew_by INTEGER;
