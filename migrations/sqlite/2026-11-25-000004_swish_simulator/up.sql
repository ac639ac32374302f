-- The built-in Swish simulator keeps its payment requests here, so a simulated payment
-- survives a restart of the server (as a real one survives at Swish) and is seen by every
-- instance. Unused when the real Swish API is configured.
CREATE TABLE sim_swish_requests (
    id TEXT PRIMARY KEY NOT NULL,
    payee_payment_reference TEXT,
    payment_reference TEXT NOT NULL,
    callback_url TEXT NOT NULL,
    payer_alias TEXT NOT NULL,
    payee_alias TEXT NOT NULL,
    amount TEXT NOT NULL,
    message TEXT,
    created_at TIMESTAMP NOT NULL,
    cancelled_at TIMESTAMP
);
