DROP TABLE sim_swish_requests;
