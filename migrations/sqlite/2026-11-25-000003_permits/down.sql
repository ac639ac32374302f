DROP TABLE applications;
DROP TABLE permit_events;
DROP TABLE temporary_regnrs;
DROP TABLE permits;
