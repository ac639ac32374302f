-- Card payments: where the buyer is sent to type the card number (the provider's hosted
-- payment page), and the built-in card simulator's own storage.
ALTER TABLE payments ADD COLUMN redirect_url TEXT;

CREATE TABLE sim_card_payments (
    id TEXT PRIMARY KEY NOT NULL,
    reference TEXT NOT NULL,
    amount BIGINT NOT NULL,
    return_url TEXT NOT NULL,
    cancel_url TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('created', 'charged', 'declined', 'cancelled')),
    created_at TIMESTAMP NOT NULL
);
