//! Payment attempts and receipts.

use crate::domain::payment::PaymentStatus;
use crate::domain::{PaymentId, PermitId, UserId};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{counters, payments, receipts};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payments)]
pub struct PaymentRow {
    pub id: PaymentId,
    pub permit_id: PermitId,
    pub user_id: UserId,
    pub method: String,
    pub provider_ref: String,
    pub amount_ore: i64,
    pub payer_alias: Option<String>,
    #[diesel(deserialize_as = String)]
    pub status: PaymentStatus,
    pub error_code: Option<String>,
    pub polls: i32,
    #[diesel(deserialize_as = crate::db::stamp::Stamp)]
    pub next_poll_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    #[diesel(deserialize_as = crate::db::stamp::Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::stamp::Stamp)]
    pub updated_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
    pub redirect_url: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = payments)]
pub struct NewPayment {
    pub permit_id: PermitId,
    pub user_id: UserId,
    pub method: String,
    pub provider_ref: String,
    pub amount_ore: i64,
    pub payer_alias: Option<String>,
    pub status: PaymentStatus,
    pub next_poll_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub redirect_url: Option<String>,
}

/// A receipt as written once and read back (its row id is only the table's key).
#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = receipts)]
pub struct Receipt {
    pub number: i64,
    pub payment_id: PaymentId,
    pub permit_id: PermitId,
    pub issued_at: NaiveDateTime,
    pub seller_name: String,
    pub seller_address: String,
    pub seller_org_no: String,
    pub item: String,
    pub period: String,
    pub regnr: String,
    pub net_ore: i64,
    pub vat_basis_points: i32,
    pub vat_ore: i64,
    pub total_ore: i64,
    pub method: String,
    pub provider_ref: String,
}

pub fn insert(conn: &mut DbConnection, new: &NewPayment) -> QueryResult<PaymentRow> {
    diesel::insert_into(payments::table)
        .values(new)
        .execute(conn)?;
    by_provider_ref(conn, &new.provider_ref)?.ok_or(diesel::result::Error::NotFound)
}

pub fn by_id(conn: &mut DbConnection, id: PaymentId) -> QueryResult<Option<PaymentRow>> {
    payments::table
        .find(id)
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_provider_ref(conn: &mut DbConnection, r: &str) -> QueryResult<Option<PaymentRow>> {
    payments::table
        .filter(payments::provider_ref.eq(r))
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()
}

pub fn latest_for_permit(
    conn: &mut DbConnection,
    permit_id: PermitId,
) -> QueryResult<Option<PaymentRow>> {
    crate::db::on_backend!(conn, |conn| {
        payments::table
            .filter(payments::permit_id.eq(permit_id))
            .order(payments::id.desc())
            .select(PaymentRow::as_select())
            .first(conn)
            .optional()
    })
}

/// The latest attempt of each of a user's permits, newest first.
pub fn latest_for_user(conn: &mut DbConnection, user_id: UserId) -> QueryResult<Vec<PaymentRow>> {
    crate::db::on_backend!(conn, |conn| {
        let mut rows: Vec<PaymentRow> = payments::table
            .filter(payments::user_id.eq(user_id))
            .order(payments::id.desc())
            .select(PaymentRow::as_select())
            .load(conn)?;
        let mut seen = std::collections::HashSet::new();
        rows.retain(|p| seen.insert(p.permit_id));
        Ok(rows)
    })
}

/// A permit's attempt in `status`: there is at most one paid, and at most one pending.
pub fn of_permit_in(
    conn: &mut DbConnection,
    permit_id: PermitId,
    status: PaymentStatus,
) -> QueryResult<Option<PaymentRow>> {
    payments::table
        .filter(payments::permit_id.eq(permit_id))
        .filter(payments::status.eq(status))
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()
}

/// Pending attempts whose next poll is due and that no instance holds.
pub fn due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<PaymentRow>> {
    payments::table
        .filter(payments::status.eq(PaymentStatus::Pending))
        .filter(payments::next_poll_at.le(now))
        .filter(
            payments::locked_until
                .is_null()
                .or(payments::locked_until.lt(now)),
        )
        .order(payments::next_poll_at)
        .limit(limit)
        .select(PaymentRow::as_select())
        .load(conn)
}

/// Takes a lease on a pending attempt (compare-and-set): one instance polls it at a time.
/// The poll must still be due: another instance that read the same due list may have polled
/// it and given the lease back with a later `next_poll_at` meanwhile, and must not be followed
/// by a second poll of the same round.
pub fn lease(
    conn: &mut DbConnection,
    id: PaymentId,
    now: NaiveDateTime,
    for_: Duration,
) -> QueryResult<bool> {
    let n = diesel::update(payments::table.find(id))
        .filter(payments::status.eq(PaymentStatus::Pending))
        .filter(payments::next_poll_at.le(now))
        .filter(
            payments::locked_until
                .is_null()
                .or(payments::locked_until.lt(now)),
        )
        .set(payments::locked_until.eq(now + for_))
        .execute(conn)?;
    Ok(n == 1)
}

/// Polls again at `at`; the lease is given back.
pub fn reschedule(conn: &mut DbConnection, id: PaymentId, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(payments::table.find(id))
        .filter(payments::status.eq(PaymentStatus::Pending))
        .set((
            payments::next_poll_at.eq(at),
            payments::polls.eq(payments::polls + 1),
            payments::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Asks for a poll now (a callback or the return from the card page arrived).
pub fn poll_now(conn: &mut DbConnection, id: PaymentId, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(payments::table.find(id))
        .filter(payments::status.eq(PaymentStatus::Pending))
        .set(payments::next_poll_at.eq(now))
        .execute(conn)
        .map(|_| ())
}

/// Where the buyer continues an open attempt (the Swish app, once Swish has given its token).
pub fn set_redirect(conn: &mut DbConnection, id: PaymentId, url: &str) -> QueryResult<()> {
    diesel::update(payments::table.find(id))
        .filter(payments::status.eq(PaymentStatus::Pending))
        .set(payments::redirect_url.eq(url))
        .execute(conn)
        .map(|_| ())
}

/// Moves a pending attempt to its final status (compare-and-set: only from pending).
pub fn finish(
    conn: &mut DbConnection,
    id: PaymentId,
    status: PaymentStatus,
    error_code: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(payments::table.find(id))
        .filter(payments::status.eq(PaymentStatus::Pending))
        .set((
            payments::status.eq(status),
            payments::error_code.eq(error_code),
            payments::updated_at.eq(now),
            payments::paid_at.eq((status == PaymentStatus::Paid).then_some(now)),
            payments::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// The next receipt number, taken inside the paying transaction: a rolled-back payment gives
/// its number back, so the numbers have no gaps.
pub fn next_receipt_number(conn: &mut DbConnection) -> QueryResult<i64> {
    diesel::update(counters::table.find("receipt"))
        .set(counters::value.eq(counters::value + 1))
        .execute(conn)?;
    counters::table
        .find("receipt")
        .select(counters::value)
        .first(conn)
}

pub fn insert_receipt(conn: &mut DbConnection, new: &Receipt) -> QueryResult<()> {
    diesel::insert_into(receipts::table)
        .values(new)
        .execute(conn)
        .map(|_| ())
}

pub fn receipt_for_permit(
    conn: &mut DbConnection,
    permit_id: PermitId,
) -> QueryResult<Option<Receipt>> {
    receipts::table
        .filter(receipts::permit_id.eq(permit_id))
        .order(receipts::id.desc())
        .select(Receipt::as_select())
        .first(conn)
        .optional()
}
