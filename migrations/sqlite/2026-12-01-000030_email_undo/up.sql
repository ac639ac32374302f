-- The link in the notice to the OLD address when an e-mail change is asked for: it stops or
-- undoes the change and ends every session. Stored only as a hash, single use, 7 days.
CREATE TABLE email_undo_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    old_email TEXT NOT NULL,
    new_email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX email_undo_tokens_user_id ON email_undo_tokens (user_id);
