-- Issue #34 (trust, second round).
-- A refund is claimed by the one sender that sends it to the provider (pending with
-- sending_at set); the others leave it alone. A claim older than ten minutes is taken as
-- lost (a crash mid-send) and may be claimed again: the provider knows the refund by our
-- instruction id and makes it once.
ALTER TABLE refunds ADD COLUMN sending_at TIMESTAMP;
