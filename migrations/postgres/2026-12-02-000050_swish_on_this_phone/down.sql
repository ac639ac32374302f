ALTER TABLE sim_swish_requests DROP COLUMN answered_at;
ALTER TABLE sim_swish_requests DROP COLUMN answer;
ALTER TABLE sim_swish_requests DROP COLUMN token;
