//! "Meddelanden": cases (ärenden) between a customer and the parking office, and their
//! messages. Customers and operators write through the same functions; the caller runs them
//! in one transaction with the notification they cause.

use crate::domain::status::CaseStatus;
use crate::domain::{CaseId, PermitId, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{case_messages, cases};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    pub id: CaseId,
    pub user_id: UserId,
    pub permit_id: Option<PermitId>,
    pub subject: String,
    pub status: CaseStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_messages)]
pub struct MessageRow {
    pub id: i64,
    pub case_id: CaseId,
    pub author_id: Option<UserId>,
    pub from_operator: bool,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
}

/// Opens a case with its first message; returns the case's id.
pub fn open(
    conn: &mut DbConnection,
    user_id: UserId,
    permit_id: Option<PermitId>,
    subject: &str,
    body: &str,
    now: NaiveDateTime,
) -> QueryResult<CaseId> {
    diesel::insert_into(cases::table)
        .values((
            cases::user_id.eq(user_id),
            cases::permit_id.eq(permit_id),
            cases::subject.eq(subject),
            cases::status.eq(CaseStatus::Open),
            cases::created_at.eq(now),
            cases::updated_at.eq(now),
        ))
        .execute(conn)?;
    // No RETURNING on every backend: the newest case of this user is the one just written.
    let id = cases::table
        .filter(cases::user_id.eq(user_id))
        .order(cases::id.desc())
        .select(cases::id)
        .first(conn)?;
    add_message(conn, id, Some(user_id), false, body, now)?;
    Ok(id)
}

/// Adds a message to a case (reopening it) and marks it as the latest activity.
pub fn add_message(
    conn: &mut DbConnection,
    case_id: CaseId,
    author_id: Option<UserId>,
    from_operator: bool,
    body: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(case_messages::table)
        .values((
            case_messages::case_id.eq(case_id),
            case_messages::author_id.eq(author_id),
            case_messages::from_operator.eq(from_operator),
            case_messages::body.eq(body),
            case_messages::created_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(cases::table.find(case_id))
        .set((
            cases::updated_at.eq(now),
            cases::status.eq(CaseStatus::Open),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn close(conn: &mut DbConnection, case_id: CaseId, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        cases::table
            .find(case_id)
            .filter(cases::status.eq(CaseStatus::Open)),
    )
    .set((
        cases::status.eq(CaseStatus::Closed),
        cases::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// A case of this customer (`None` for anyone else's).
pub fn owned(conn: &mut DbConnection, id: CaseId, user_id: UserId) -> QueryResult<Option<CaseRow>> {
    cases::table
        .find(id)
        .filter(cases::user_id.eq(user_id))
        .select(CaseRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut DbConnection, id: CaseId) -> QueryResult<Option<CaseRow>> {
    cases::table
        .find(id)
        .select(CaseRow::as_select())
        .first(conn)
        .optional()
}

/// A customer's cases, latest activity first, each with its count of unread replies.
pub fn for_user(conn: &mut DbConnection, user_id: UserId) -> QueryResult<Vec<(CaseRow, i64)>> {
    let list = cases::table
        .filter(cases::user_id.eq(user_id))
        .order((cases::updated_at.desc(), cases::id.desc()))
        .select(CaseRow::as_select())
        .limit(200)
        .load(conn)?;
    let unread: Vec<(CaseId, i64)> = case_messages::table
        .inner_join(cases::table)
        .filter(cases::user_id.eq(user_id))
        .filter(case_messages::from_operator.eq(true))
        .filter(case_messages::read_at.is_null())
        .group_by(case_messages::case_id)
        .select((case_messages::case_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(list
        .into_iter()
        .map(|c| {
            let n = unread
                .iter()
                .find(|(id, _)| *id == c.id)
                .map_or(0, |(_, n)| *n);
            (c, n)
        })
        .collect())
}

pub fn messages(conn: &mut DbConnection, case_id: CaseId) -> QueryResult<Vec<MessageRow>> {
    case_messages::table
        .filter(case_messages::case_id.eq(case_id))
        .order(case_messages::id.asc())
        .select(MessageRow::as_select())
        .load(conn)
}

/// Marks the other side's messages as read by `reader_is_operator`'s side.
pub fn mark_read(
    conn: &mut DbConnection,
    case_id: CaseId,
    reader_is_operator: bool,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        case_messages::table
            .filter(case_messages::case_id.eq(case_id))
            .filter(case_messages::from_operator.eq(!reader_is_operator))
            .filter(case_messages::read_at.is_null()),
    )
    .set(case_messages::read_at.eq(now))
    .execute(conn)
}

/// Replies from the office this customer has not read yet (the top bar's count): the one rule
/// [`UnreadOfUser`], read for this user's row (0 for no such user).
pub fn unread_for_user(conn: &mut DbConnection, user_id: UserId) -> QueryResult<i64> {
    use super::schema::users;
    crate::db::on_backend!(conn, |conn| {
        users::table
            .find(user_id)
            .select(UnreadOfUser)
            .first(conn)
            .optional()
            .map(Option::unwrap_or_default)
    })
}

/// The replies from the office that the user of a query on `users` has not read yet: a
/// correlated subquery (which diesel's query builder cannot write), so the session's read
/// takes the top bar's count in the same statement (`accounts::session_with_user`): one
/// statement and, on PostgreSQL, one round trip less for every page drawn with the top bar.
/// [`unread_for_user`] reads it too. A type of its own, so its statement stays in diesel's
/// cache by type like the rest (a `sql()` literal would be built and looked up by its text on
/// every request).
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId, diesel::expression::ValidGrouping)]
pub struct UnreadOfUser;

impl diesel::expression::Expression for UnreadOfUser {
    type SqlType = diesel::sql_types::BigInt;
}

// Only where `users` is in the query (its SQL names `users.id`).
impl<QS> diesel::expression::AppearsOnTable<QS> for UnreadOfUser where
    super::schema::users::id: diesel::expression::AppearsOnTable<QS>
{
}

impl<QS> diesel::expression::SelectableExpression<QS> for UnreadOfUser where
    super::schema::users::id: diesel::expression::SelectableExpression<QS>
{
}

impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for UnreadOfUser {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        out.push_sql(
            "(SELECT COUNT(*) FROM case_messages \
             INNER JOIN cases ON cases.id = case_messages.case_id \
             WHERE cases.user_id = users.id AND case_messages.from_operator = TRUE \
             AND case_messages.read_at IS NULL)",
        );
        Ok(())
    }
}

/// The office's inbox: open cases first, those whose last word is the customer's first of
/// all, oldest waiting first.
pub fn inbox(conn: &mut DbConnection) -> QueryResult<Vec<(CaseRow, bool)>> {
    let list = cases::table
        .order((cases::status.desc(), cases::updated_at.asc()))
        .select(CaseRow::as_select())
        .limit(500)
        .load(conn)?;
    let mut out = Vec::with_capacity(list.len());
    for c in list {
        let last_from_operator: Option<bool> = case_messages::table
            .filter(case_messages::case_id.eq(c.id))
            .order(case_messages::id.desc())
            .select(case_messages::from_operator)
            .first(conn)
            .optional()?;
        out.push((c, last_from_operator == Some(false)));
    }
    out.sort_by_key(|(c, waiting)| (c.status != CaseStatus::Open, !*waiting));
    Ok(out)
}
