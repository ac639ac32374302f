//! Notifications: what is said (texts per event, in the user's language), stored in the outbox
//! first, then delivered by the mailbox actor over SMTP or into the local mailbox page.

pub mod mailbox;
pub mod messages;
pub mod smtp;

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::notifications::{NewNotification, enqueue};

pub use mailbox::{Mailbox, Wake};
pub use messages::Message;

/// Stores an e-mail for delivery. Call inside the transaction of the change that caused it.
pub fn queue_email(
    conn: &mut DbConnection,
    user_id: Option<i64>,
    to: &str,
    kind: &str,
    message: Message,
    now: NaiveDateTime,
) -> diesel::QueryResult<()> {
    enqueue(
        conn,
        &NewNotification {
            user_id,
            kind: kind.to_string(),
            channel: "email".into(),
            recipient: to.to_string(),
            subject: message.subject,
            body_text: message.text,
            body_html: Some(message.html),
            next_attempt_at: now,
            created_at: now,
        },
    )
}
