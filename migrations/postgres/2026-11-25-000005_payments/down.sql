DROP TABLE receipts;
DROP TABLE counters;
DROP TABLE payments;
