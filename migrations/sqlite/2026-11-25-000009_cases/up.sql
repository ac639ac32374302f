-- "Meddelanden": a case (ärende) is a thread between a customer and the parking office.
CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    permit_id BIGINT REFERENCES permits (id),
    subject TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cases_user ON cases (user_id, updated_at);
CREATE INDEX cases_status ON cases (status, updated_at);

CREATE TABLE case_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    author_id BIGINT REFERENCES users (id),
    from_operator BOOLEAN NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- When the other side (the customer for an operator's message, the office for a
    -- customer's) first saw it; unread while NULL.
    read_at TIMESTAMP
);
CREATE INDEX case_messages_case ON case_messages (case_id, id);
