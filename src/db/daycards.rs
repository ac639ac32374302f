//! Day-card sessions: one row per booked day.

use crate::domain::{PermitId, UserId};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{day_sessions, permits};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = day_sessions)]
pub struct SessionRow {
    pub id: crate::domain::ids::DaySessionId,
    pub permit_id: PermitId,
    #[diesel(deserialize_as = crate::db::stamp::Day)]
    pub day: NaiveDate,
    pub regnr: String,
    pub foreign_plate: bool,
    #[diesel(deserialize_as = crate::db::stamp::Stamp)]
    pub created_at: NaiveDateTime,
}

/// All sessions of a card, in date order.
pub fn sessions(conn: &mut DbConnection, permit_id: PermitId) -> QueryResult<Vec<SessionRow>> {
    crate::db::on_backend!(conn, |conn| {
        day_sessions::table
            .filter(day_sessions::permit_id.eq(permit_id))
            .order(day_sessions::day.asc())
            .select(SessionRow::as_select())
            .load(conn)
    })
}

/// Books the days for the number and counts them as used, in the caller's transaction. The
/// unique (card, day) index and the check on `days_used` refuse anything the rules missed.
pub fn book(
    conn: &mut DbConnection,
    permit_id: PermitId,
    days: &[NaiveDate],
    regnr: &str,
    foreign_plate: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    for day in days {
        diesel::insert_into(day_sessions::table)
            .values((
                day_sessions::permit_id.eq(permit_id),
                day_sessions::day.eq(day),
                day_sessions::regnr.eq(regnr),
                day_sessions::foreign_plate.eq(foreign_plate),
                day_sessions::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    let n = i32::try_from(days.len()).unwrap_or(i32::MAX);
    diesel::update(permits::table.find(permit_id))
        .set(permits::days_used.eq(permits::days_used + n))
        .execute(conn)?;
    Ok(())
}

/// Gives a booked day back. Returns whether there was such a session.
pub fn cancel(conn: &mut DbConnection, permit_id: PermitId, day: NaiveDate) -> QueryResult<bool> {
    let n = diesel::delete(
        day_sessions::table
            .filter(day_sessions::permit_id.eq(permit_id))
            .filter(day_sessions::day.eq(day)),
    )
    .execute(conn)?;
    if n == 1 {
        diesel::update(permits::table.find(permit_id))
            .set(permits::days_used.eq(permits::days_used - 1))
            .execute(conn)?;
    }
    Ok(n == 1)
}

/// Today's sessions on a user's cards: (card, number).
pub fn today_for_user(
    conn: &mut DbConnection,
    user_id: UserId,
    today: NaiveDate,
) -> QueryResult<Vec<(PermitId, String)>> {
    crate::db::on_backend!(conn, |conn| {
        day_sessions::table
            .inner_join(permits::table)
            .filter(permits::user_id.eq(user_id))
            .filter(day_sessions::day.eq(today))
            .select((day_sessions::permit_id, day_sessions::regnr))
            .load(conn)
    })
}
