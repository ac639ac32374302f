-- The reminder the day before a pause ends (issue #39): sent once, whatever the instances.
ALTER TABLE permit_pauses ADD COLUMN reminder_sent_at TIMESTAMP;
