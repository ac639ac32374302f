DROP TABLE oncall_passes;
DROP TABLE oncall_types;
ALTER TABLE permit_types DROP COLUMN max_pauses;
DROP TABLE permit_pauses;
