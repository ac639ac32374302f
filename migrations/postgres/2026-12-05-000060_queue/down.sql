ALTER TABLE permits DROP COLUMN hold_until;
DROP TABLE queue_offers;
DROP TABLE queue_entries;
DROP TABLE capacities;
