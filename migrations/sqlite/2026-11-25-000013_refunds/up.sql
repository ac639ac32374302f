-- Refunds the parking office makes through the provider that took the payment. The row is
-- written (pending) in the transaction that cancels the permit, then the provider is asked;
-- a refund that failed or was interrupted stays here to be tried again.
CREATE TABLE refunds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id BIGINT NOT NULL REFERENCES payments (id),
    permit_id BIGINT NOT NULL REFERENCES permits (id),
    amount_ore BIGINT NOT NULL CHECK (amount_ore > 0),
    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    -- Chosen before the provider is asked (Swish instruction id), so a retry is the same refund.
    instruction_id TEXT NOT NULL UNIQUE,
    provider_ref TEXT,
    error TEXT,
    requested_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX refunds_payment ON refunds (payment_id);
