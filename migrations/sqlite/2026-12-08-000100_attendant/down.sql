ALTER TABLE users DROP COLUMN check_only;
