DROP TABLE case_messages;
DROP TABLE cases;
