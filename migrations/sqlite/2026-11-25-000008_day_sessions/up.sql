-- Day cards: each booked day is one row; the database itself refuses a day twice on one card
-- and more days used than bought, so two tabs or two instances can never overbook.
ALTER TABLE permits ADD COLUMN days_used INTEGER NOT NULL DEFAULT 0
    CHECK (days_used >= 0 AND days_used <= COALESCE(days_bought, 0));

CREATE TABLE day_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    permit_id BIGINT NOT NULL REFERENCES permits (id),
    day DATE NOT NULL,
    regnr TEXT NOT NULL,
    foreign_plate BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (permit_id, day)
);
-- The check ("is this number booked today?") is served by this index.
CREATE INDEX day_sessions_regnr_day ON day_sessions (regnr, day);
