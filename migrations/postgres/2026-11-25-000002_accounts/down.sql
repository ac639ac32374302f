DROP TABLE notifications;
DROP TABLE login_attempts;
DROP TABLE account_tokens;
