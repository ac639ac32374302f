DROP TABLE day_sessions;
ALTER TABLE permits DROP COLUMN days_used;
