//! Notifications: what is said (texts per event, in the user's language), stored in the outbox
//! first, then delivered by the mailbox actor: e-mail over SMTP, SMS through the 46elks API,
//! or into the local mailbox page when that channel is not configured.
//!
//! One outbox row per channel: a notification a user gets by e-mail and SMS is two rows, each
//! with its own attempts, backoff and final state.

pub mod mailbox;

pub mod sms;
pub mod sms_sim;
pub mod smtp;

use crate::domain::UserId;
use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::accounts::UserRow;
use crate::db::notifications::{NewNotification, enqueue};

pub use crate::i18n::messages::Message;
pub use mailbox::{Mailbox, Wake};

pub use crate::domain::status::{EMAIL, SMS};

/// Stores an e-mail for delivery. Call inside the transaction of the change that caused it.
/// For what must go by e-mail whatever the user chose (account security); everything else
/// goes through [`queue`].
pub fn queue_email(
    conn: &mut DbConnection,
    user_id: Option<UserId>,
    to: &str,
    kind: &str,
    message: Message,
    now: NaiveDateTime,
) -> diesel::QueryResult<()> {
    enqueue(conn, &email_row(user_id, to, kind, message, now))
}

/// Stores an SMS for delivery whatever the user chose (the code that confirms the number).
pub fn queue_sms(
    conn: &mut DbConnection,
    user_id: UserId,
    to: &str,
    kind: &str,
    text: &str,
    now: NaiveDateTime,
) -> diesel::QueryResult<()> {
    enqueue(
        conn,
        &NewNotification {
            user_id: Some(user_id),
            kind: kind.to_string(),
            channel: SMS.into(),
            recipient: to.to_string(),
            subject: text.to_string(),
            body_text: text.to_string(),
            body_html: None,
            next_attempt_at: now,
            created_at: now,
        },
    )
}

/// Stores a notification for every channel the user chose in settings: e-mail when
/// `notify_email`, SMS when `notify_sms` and the user has a mobile number. Call inside the
/// transaction of the change that caused it. Returns how many rows were written.
pub fn queue(
    conn: &mut DbConnection,
    user: &UserRow,
    kind: &str,
    message: Message,
    now: NaiveDateTime,
) -> diesel::QueryResult<usize> {
    let mut rows = Vec::with_capacity(2);
    // SMS only to a number its owner confirmed with a code, and a few an hour at most
    // (issue #34, 8); the e-mail goes all the same.
    if user.notify_sms
        && !user.mobile.is_empty()
        && crate::db::mobile::confirmed(conn, user.id, &user.mobile)?
        && crate::db::mobile::sms_last_hour(conn, user.id, now)? < crate::db::mobile::SMS_PER_HOUR
    {
        rows.push(NewNotification {
            user_id: Some(user.id),
            kind: kind.to_string(),
            channel: SMS.into(),
            recipient: user.mobile.clone(),
            subject: message.subject.clone(),
            body_text: message.sms.clone(),
            body_html: None,
            next_attempt_at: now,
            created_at: now,
        });
    }
    if user.notify_email && !user.email.is_empty() {
        rows.push(email_row(Some(user.id), &user.email, kind, message, now));
    }
    for row in &rows {
        enqueue(conn, row)?;
    }
    Ok(rows.len())
}

fn email_row(
    user_id: Option<UserId>,
    to: &str,
    kind: &str,
    message: Message,
    now: NaiveDateTime,
) -> NewNotification {
    NewNotification {
        user_id,
        kind: kind.to_string(),
        channel: EMAIL.into(),
        recipient: to.to_string(),
        subject: message.subject,
        body_text: message.text,
        body_html: Some(message.html),
        next_attempt_at: now,
        created_at: now,
    }
}
