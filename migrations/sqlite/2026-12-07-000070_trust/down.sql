DROP TABLE mobile_confirmations;
ALTER TABLE sessions DROP COLUMN second_factor;
DROP TABLE login_challenges;
DROP TABLE recovery_codes;
DROP TABLE user_totp;
ALTER TABLE refunds DROP COLUMN sending_at;
