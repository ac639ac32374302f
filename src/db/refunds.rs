//! Refunds made by the parking office (see the migration for the life of a row).

use crate::domain::UserId;
use crate::domain::payment::RefundStatus;
use crate::domain::{PaymentId, PermitId, RefundId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::refunds;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refunds)]
pub struct RefundRow {
    pub id: RefundId,
    pub payment_id: PaymentId,
    pub permit_id: PermitId,
    pub amount_ore: i64,
    pub status: crate::domain::payment::RefundStatus,
    pub instruction_id: String,
    pub provider_ref: Option<String>,
    pub error: Option<String>,
    pub requested_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Set while one sender has it on its way to the provider.
    pub sending_at: Option<NaiveDateTime>,
}

/// What has been refunded, or is on its way, of a payment (failed refunds do not count).
pub fn committed_for_payment(conn: &mut DbConnection, payment_id: PaymentId) -> QueryResult<i64> {
    let amounts: Vec<i64> = refunds::table
        .filter(refunds::payment_id.eq(payment_id))
        .filter(refunds::status.ne(RefundStatus::Failed))
        .select(refunds::amount_ore)
        .load(conn)?;
    Ok(amounts.iter().sum())
}

pub fn insert(
    conn: &mut DbConnection,
    payment_id: PaymentId,
    permit_id: PermitId,
    amount_ore: i64,
    instruction_id: &str,
    requested_by: Option<UserId>,
    now: NaiveDateTime,
) -> QueryResult<RefundRow> {
    diesel::insert_into(refunds::table)
        .values((
            refunds::payment_id.eq(payment_id),
            refunds::permit_id.eq(permit_id),
            refunds::amount_ore.eq(amount_ore),
            refunds::status.eq(RefundStatus::Pending),
            refunds::instruction_id.eq(instruction_id),
            refunds::requested_by.eq(requested_by),
            refunds::created_at.eq(now),
            refunds::updated_at.eq(now),
        ))
        .execute(conn)?;
    refunds::table
        .filter(refunds::instruction_id.eq(instruction_id))
        .select(RefundRow::as_select())
        .first(conn)
}

/// The refunds of a payment not yet sent to the provider.
pub fn pending_for_payment(
    conn: &mut DbConnection,
    payment_id: PaymentId,
) -> QueryResult<Vec<RefundId>> {
    refunds::table
        .filter(refunds::payment_id.eq(payment_id))
        .filter(refunds::status.eq(RefundStatus::Pending))
        .select(refunds::id)
        .load(conn)
}

pub fn by_id(conn: &mut DbConnection, id: RefundId) -> QueryResult<Option<RefundRow>> {
    refunds::table
        .find(id)
        .select(RefundRow::as_select())
        .first(conn)
        .optional()
}

pub fn for_permit(conn: &mut DbConnection, permit_id: PermitId) -> QueryResult<Vec<RefundRow>> {
    crate::db::on_backend!(conn, |conn| {
        refunds::table
            .filter(refunds::permit_id.eq(permit_id))
            .order(refunds::id.asc())
            .select(RefundRow::as_select())
            .load(conn)
    })
}

/// How long a claim on a refund holds before it counts as lost (the sender died mid-send).
const CLAIM_MINUTES: i64 = 10;

/// Claims a pending refund for sending: only one caller (of any instance) gets `true`, and
/// only that one sends it to the provider, until it is finished or the claim lapses.
pub fn claim(conn: &mut DbConnection, id: RefundId, now: NaiveDateTime) -> QueryResult<bool> {
    let lapsed = now - chrono::Duration::minutes(CLAIM_MINUTES);
    diesel::update(
        refunds::table
            .find(id)
            .filter(refunds::status.eq(RefundStatus::Pending))
            .filter(
                refunds::sending_at
                    .is_null()
                    .or(refunds::sending_at.lt(lapsed)),
            ),
    )
    .set((refunds::sending_at.eq(now), refunds::updated_at.eq(now)))
    .execute(conn)
    .map(|n| n == 1)
}

/// Records the provider's answer; only a refund not yet done changes.
pub fn finish(
    conn: &mut DbConnection,
    id: RefundId,
    outcome: Result<&str, &str>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = refunds::table
        .find(id)
        .filter(refunds::status.ne(RefundStatus::Done));
    let n = match outcome {
        Ok(provider_ref) => diesel::update(target)
            .set((
                refunds::status.eq(RefundStatus::Done),
                refunds::provider_ref.eq(provider_ref),
                refunds::error.eq(None::<String>),
                refunds::sending_at.eq(None::<NaiveDateTime>),
                refunds::updated_at.eq(now),
            ))
            .execute(conn)?,
        Err(error) => diesel::update(target)
            .set((
                refunds::status.eq(RefundStatus::Failed),
                refunds::error.eq(error),
                refunds::sending_at.eq(None::<NaiveDateTime>),
                refunds::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// A failed refund is tried again as pending (same instruction id).
pub fn retry(conn: &mut DbConnection, id: RefundId, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        refunds::table
            .find(id)
            .filter(refunds::status.eq(RefundStatus::Failed)),
    )
    .set((
        refunds::status.eq(RefundStatus::Pending),
        refunds::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}
