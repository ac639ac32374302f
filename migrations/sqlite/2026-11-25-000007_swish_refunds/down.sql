DROP TABLE sim_swish_refunds;
