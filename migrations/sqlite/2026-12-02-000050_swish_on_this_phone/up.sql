-- Swish on this phone (m-commerce): a payment request made without the payer's number is
-- answered in the Swish app opened with its token. The simulator keeps the token and, once
-- the simulated app has answered, the answer (PAID or DECLINED) and when.
ALTER TABLE sim_swish_requests ADD COLUMN token TEXT;
ALTER TABLE sim_swish_requests ADD COLUMN answer TEXT;
ALTER TABLE sim_swish_requests ADD COLUMN answered_at TIMESTAMP;
