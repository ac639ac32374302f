DROP TABLE email_undo_tokens;
