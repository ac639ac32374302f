-- "Kontrollant" (issue #36, 6): staff who may use Kontroll and nothing else of the operator
-- portal. An operator account with this flag set; the role column's CHECK stays as it is.
ALTER TABLE users ADD COLUMN check_only BOOLEAN NOT NULL DEFAULT FALSE;
