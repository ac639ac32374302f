-- The number typed when joining a queue, to fill in the order when the offer comes (issue #35, 4).
ALTER TABLE queue_entries ADD COLUMN regnr TEXT;
