ALTER TABLE refunds DROP COLUMN sending_at;
