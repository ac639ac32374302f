-- The operator portal: an audit log of every change an operator or admin makes (written in
-- the same transaction as the change), and indexes for the check ("may this car park now?").

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- NULL: the command line (create-admin), not a logged-in user.
    actor_id BIGINT REFERENCES users (id),
    action TEXT NOT NULL,
    -- What was changed, as "kind:id", e.g. "permit:12" or "user:3".
    subject TEXT NOT NULL,
    before_value TEXT,
    after_value TEXT,
    at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_subject_at ON audit_log (subject, at);
CREATE INDEX audit_log_actor_at ON audit_log (actor_id, at);

-- The check looks a number up in permits (permanent), temporary_regnrs (temporary) and
-- day_sessions (regnr, day, from 000008). The single-column regnr indexes of 000003 give way to
-- these, which also narrow the look-up to the rows that can be valid on a day, so a number with
-- a long history still costs one index range.
CREATE INDEX permits_regnr_period ON permits (regnr, state, end_date);
DROP INDEX permits_regnr;
CREATE INDEX temporary_regnrs_regnr_period ON temporary_regnrs (regnr, to_date);
DROP INDEX temporary_regnrs_regnr;
