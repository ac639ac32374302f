-- A confirmation link confirms the registration it was sent for: each confirm link carries
-- the password hash, name, mobile number and language given in that registration, and
-- confirming applies them. (Before, a second registration for an unconfirmed address got a
-- link that confirmed the account with the FIRST registrant's password.)
ALTER TABLE account_tokens ADD COLUMN reg_password_hash TEXT;
ALTER TABLE account_tokens ADD COLUMN reg_name TEXT;
ALTER TABLE account_tokens ADD COLUMN reg_mobile TEXT;
ALTER TABLE account_tokens ADD COLUMN reg_language TEXT;
