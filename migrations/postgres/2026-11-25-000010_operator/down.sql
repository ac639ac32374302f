CREATE INDEX temporary_regnrs_regnr ON temporary_regnrs (regnr);
DROP INDEX temporary_regnrs_regnr_period;
CREATE INDEX permits_regnr ON permits (regnr);
DROP INDEX permits_regnr_period;
DROP TABLE audit_log;
