//! The notification outbox: a row is written in the same transaction as the change that
//! caused it, then the mailbox actor delivers it.

use crate::domain::UserId;
use crate::domain::status::NotificationStatus;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::notifications;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: i64,
    pub user_id: Option<UserId>,
    pub kind: String,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub status: NotificationStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub transport: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = notifications)]
pub struct NewNotification {
    pub user_id: Option<UserId>,
    pub kind: String,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

pub fn enqueue(conn: &mut DbConnection, new: &NewNotification) -> QueryResult<()> {
    diesel::insert_into(notifications::table)
        .values(new)
        .execute(conn)
        .map(|_| ())
}

/// Pending notifications whose time has come and that no instance holds a lease on.
pub fn due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<NotificationRow>> {
    notifications::table
        .filter(notifications::status.eq(NotificationStatus::Pending))
        .filter(notifications::next_attempt_at.le(now))
        .filter(
            notifications::locked_until
                .is_null()
                .or(notifications::locked_until.lt(now)),
        )
        .order(notifications::id)
        .limit(limit)
        .select(NotificationRow::as_select())
        .load(conn)
}

/// Takes a lease on one notification (compare-and-set): only one instance sends it. It must
/// still be due: a failed attempt by another instance meanwhile gives the lease back with a
/// later `next_attempt_at`, which a stale due list must not skip.
pub fn lease(
    conn: &mut DbConnection,
    id: i64,
    now: NaiveDateTime,
    for_: Duration,
) -> QueryResult<bool> {
    let n = diesel::update(notifications::table.find(id))
        .filter(notifications::status.eq(NotificationStatus::Pending))
        .filter(notifications::next_attempt_at.le(now))
        .filter(
            notifications::locked_until
                .is_null()
                .or(notifications::locked_until.lt(now)),
        )
        .set(notifications::locked_until.eq(now + for_))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn mark_sent(
    conn: &mut DbConnection,
    id: i64,
    transport: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(notifications::table.find(id))
        .set((
            notifications::status.eq(NotificationStatus::Sent),
            notifications::attempts.eq(notifications::attempts + 1),
            notifications::transport.eq(transport),
            notifications::sent_at.eq(now),
            notifications::locked_until.eq(None::<NaiveDateTime>),
            notifications::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Records a failed attempt: retried at `retry_at`, or failed for good when `retry_at` is None.
pub fn mark_attempt_failed(
    conn: &mut DbConnection,
    id: i64,
    error: &str,
    retry_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let error: String = error.chars().take(500).collect();
    let status = if retry_at.is_some() {
        NotificationStatus::Pending
    } else {
        NotificationStatus::Failed
    };
    diesel::update(notifications::table.find(id))
        .set((
            notifications::status.eq(status),
            notifications::attempts.eq(notifications::attempts + 1),
            notifications::last_error.eq(error),
            notifications::locked_until.eq(None::<NaiveDateTime>),
            notifications::next_attempt_at.eq(retry_at.unwrap_or(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// What the local mailbox page shows: delivered locally, newest first.
pub fn local_mailbox(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<NotificationRow>> {
    notifications::table
        .filter(notifications::transport.eq("mailbox"))
        .order(notifications::id.desc())
        .limit(limit)
        .select(NotificationRow::as_select())
        .load(conn)
}

/// One page of a user's notifications, newest first (one row per channel).
pub fn for_user(
    conn: &mut DbConnection,
    user_id: UserId,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<NotificationRow>> {
    notifications::table
        .filter(notifications::user_id.eq(user_id))
        .order((notifications::created_at.desc(), notifications::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(NotificationRow::as_select())
        .load(conn)
}

/// Whether a notification of `kind` went to `user` (any channel) since `since`.
pub fn told_since(
    c: &mut DbConnection,
    user: UserId,
    kind: &str,
    since: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        super::schema::notifications::table
            .filter(super::schema::notifications::user_id.eq(user))
            .filter(super::schema::notifications::kind.eq(kind))
            .filter(super::schema::notifications::created_at.gt(since)),
    ))
    .get_result(c)
}
