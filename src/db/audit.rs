//! The audit log: who changed what, from what to what, and when. Every change an operator or
//! admin makes writes one row with [`record`] inside the transaction of the change itself, so
//! there is never a change without its row, nor a row for a change that was rolled back.

use crate::domain::UserId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::audit_log;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    /// `None`: done from the command line (`create-admin`), not by a logged-in user.
    pub actor_id: Option<UserId>,
    pub action: String,
    /// `kind:id`, e.g. `permit:12` or `user:3`.
    pub subject: String,
    pub before_value: Option<String>,
    pub after_value: Option<String>,
    pub at: NaiveDateTime,
}

/// Writes one audit row. Call it with the connection of the change's own transaction.
pub fn record(
    conn: &mut DbConnection,
    actor_id: Option<UserId>,
    action: &str,
    subject: &str,
    before: Option<&str>,
    after: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor_id.eq(actor_id),
            audit_log::action.eq(action),
            audit_log::subject.eq(subject),
            audit_log::before_value.eq(before),
            audit_log::after_value.eq(after),
            audit_log::at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The rows about one subject, oldest first.
pub fn for_subject(conn: &mut DbConnection, subject: &str) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::subject.eq(subject))
        .order(audit_log::id.asc())
        .select(AuditRow::as_select())
        .load(conn)
}
