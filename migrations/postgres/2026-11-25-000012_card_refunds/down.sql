DROP TABLE sim_card_refunds;
DROP INDEX sim_card_payments_charge;
ALTER TABLE sim_card_payments DROP COLUMN charge_id;
