-- Card refunds in the built-in card simulator (unused when the real Nexi is configured):
-- the id of the charge a paid card payment gets, and the refunds made against it.
ALTER TABLE sim_card_payments ADD COLUMN charge_id TEXT;
CREATE UNIQUE INDEX sim_card_payments_charge ON sim_card_payments (charge_id);

CREATE TABLE sim_card_refunds (
    id TEXT PRIMARY KEY NOT NULL,
    charge_id TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX sim_card_refunds_charge ON sim_card_refunds (charge_id);
