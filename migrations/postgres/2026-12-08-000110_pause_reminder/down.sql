ALTER TABLE permit_pauses DROP COLUMN reminder_sent_at;
