-- Issue #34 (trust, second round).
-- A refund is claimed by the one sender that sends it to the provider (pending with
-- sending_at set); the others leave it alone. A claim older than ten minutes is taken as
-- lost (a crash mid-send) and may be claimed again: the provider knows the refund by our
-- instruction id and makes it once.
ALTER TABLE refunds ADD COLUMN sending_at TIMESTAMP;

-- A second factor (TOTP, RFC 6238): the secret of an account (enabled_at NULL while it is
-- being set up), the last time step accepted (a code works once), and ten single-use
-- recovery codes (hashes only).
CREATE TABLE user_totp (
    user_id BIGINT PRIMARY KEY NOT NULL REFERENCES users (id),
    secret TEXT NOT NULL,
    enabled_at TIMESTAMP,
    last_step BIGINT,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
-- A login between the password and the second factor: no session yet, only this, known by
-- the hash of a cookie's token, for five minutes and five wrong codes.
CREATE TABLE login_challenges (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    next_path TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX login_challenges_user ON login_challenges (user_id);
-- Whether a session was opened with the second factor; the operator portal takes only those.
-- Staff sessions opened before this release end (fail closed).
ALTER TABLE sessions ADD COLUMN second_factor BOOLEAN NOT NULL DEFAULT FALSE;
DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE role IN ('operator', 'admin'));

-- The SMS channel only to a mobile number its owner confirmed with a code sent to it
-- (issue #34, 8): the number confirmed (or being confirmed), the code's hash and its tries.
CREATE TABLE mobile_confirmations (
    user_id BIGINT PRIMARY KEY NOT NULL REFERENCES users (id),
    mobile TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    confirmed_at TIMESTAMP
);
