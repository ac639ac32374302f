ALTER TABLE account_tokens DROP COLUMN reg_language;
ALTER TABLE account_tokens DROP COLUMN reg_mobile;
ALTER TABLE account_tokens DROP COLUMN reg_name;
ALTER TABLE account_tokens DROP COLUMN reg_password_hash;
