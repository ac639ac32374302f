-- Fixed-window counters for rate limits (logins, registrations, e-mails, the check API).
-- One row per key and window; a hit is one atomic upsert, so the limit holds under parallel
-- requests and across instances sharing one database. Rows past expires_at are deleted.
CREATE TABLE rate_limits (
    limit_key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (limit_key, window_start)
);
CREATE INDEX rate_limits_expires ON rate_limits (expires_at);
