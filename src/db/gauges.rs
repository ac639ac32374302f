//! What `/metrics` reads of the database at each scrape: work waiting, as every instance sees
//! it (the database is shared, so these are the same on each).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{notifications, payments, queue_offers};
use crate::domain::payment::PaymentStatus;
use crate::domain::queue::OfferStatus;
use crate::domain::status::NotificationStatus;

/// Counts of what is waiting, read in one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gauges {
    /// Payments asked of a provider and not yet final.
    pub payments_pending: i64,
    /// Notifications waiting for their (next) attempt.
    pub notifications_waiting: i64,
    /// Notifications given up after their last attempt.
    pub notifications_failed: i64,
    /// Offers of a freed place that still hold it.
    pub offers_open: i64,
}

pub fn read(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Gauges> {
    let notifications_in = |conn: &mut DbConnection, status: NotificationStatus| {
        notifications::table
            .filter(notifications::status.eq(status))
            .count()
            .get_result::<i64>(conn)
    };
    Ok(Gauges {
        payments_pending: payments::table
            .filter(payments::status.eq(PaymentStatus::Pending))
            .count()
            .get_result(conn)?,
        notifications_waiting: notifications_in(conn, NotificationStatus::Pending)?,
        notifications_failed: notifications_in(conn, NotificationStatus::Failed)?,
        offers_open: queue_offers::table
            .filter(queue_offers::status.eq_any(OfferStatus::LIVE))
            .filter(queue_offers::expires_at.gt(now))
            .count()
            .get_result(conn)?,
    })
}
