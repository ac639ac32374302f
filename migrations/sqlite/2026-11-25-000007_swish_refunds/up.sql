-- The Swish simulator's refunds (unused when the real Swish API is configured).
CREATE TABLE sim_swish_refunds (
    id TEXT PRIMARY KEY NOT NULL,
    original_payment_reference TEXT NOT NULL,
    amount_ore BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX sim_swish_refunds_original ON sim_swish_refunds (original_payment_reference);
