-- Payment attempts and receipts. The database itself makes double payment impossible: at most
-- one pending and at most one paid attempt per permit (partial unique indexes), one receipt per
-- payment, receipt numbers unique and taken from a counter inside the paying transaction
-- (so they are gap-free).

CREATE TABLE payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    permit_id BIGINT NOT NULL REFERENCES permits (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    method TEXT NOT NULL CHECK (method IN ('swish', 'card')),
    provider_ref TEXT NOT NULL UNIQUE,
    amount_ore BIGINT NOT NULL CHECK (amount_ore >= 0),
    payer_alias TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'declined', 'error', 'cancelled', 'timeout')),
    error_code TEXT,
    polls INTEGER NOT NULL DEFAULT 0,
    next_poll_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    paid_at TIMESTAMP
);
CREATE UNIQUE INDEX payments_one_pending_per_permit ON payments (permit_id) WHERE status = 'pending';
CREATE UNIQUE INDEX payments_one_paid_per_permit ON payments (permit_id) WHERE status = 'paid';
CREATE INDEX payments_due ON payments (status, next_poll_at);
CREATE INDEX payments_permit_id ON payments (permit_id);

CREATE TABLE counters (
    name TEXT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('receipt', 0);

CREATE TABLE receipts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number BIGINT NOT NULL UNIQUE,
    payment_id BIGINT NOT NULL UNIQUE REFERENCES payments (id),
    permit_id BIGINT NOT NULL REFERENCES permits (id),
    issued_at TIMESTAMP NOT NULL,
    seller_name TEXT NOT NULL,
    seller_address TEXT NOT NULL,
    seller_org_no TEXT NOT NULL,
    item TEXT NOT NULL,
    period TEXT NOT NULL,
    regnr TEXT NOT NULL,
    net_ore BIGINT NOT NULL,
    vat_basis_points INTEGER NOT NULL,
    vat_ore BIGINT NOT NULL,
    total_ore BIGINT NOT NULL,
    method TEXT NOT NULL,
    provider_ref TEXT NOT NULL
);
CREATE INDEX receipts_permit_id ON receipts (permit_id);
