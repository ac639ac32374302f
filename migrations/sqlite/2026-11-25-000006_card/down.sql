DROP TABLE sim_card_payments;
ALTER TABLE payments DROP COLUMN redirect_url;
