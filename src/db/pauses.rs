//! The pauses of permits (`permit_pauses`, issue #39): read and written inside a permit
//! change's transaction; the rules are in `domain::pause`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::permit_pauses;
use crate::domain::PermitId;
use crate::domain::pause::Pause;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = permit_pauses)]
pub struct PauseRow {
    pub id: crate::domain::ids::PauseId,
    pub permit_id: PermitId,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
    pub created_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
}

impl PauseRow {
    pub fn pause(&self) -> Pause {
        Pause {
            from: self.from_date,
            to: self.to_date,
        }
    }
}

/// A permit's pauses, the first first.
pub fn of_permit(c: &mut DbConnection, permit: PermitId) -> QueryResult<Vec<PauseRow>> {
    permit_pauses::table
        .filter(permit_pauses::permit_id.eq(permit))
        .order(permit_pauses::from_date)
        .select(PauseRow::as_select())
        .load(c)
}

pub fn insert(
    c: &mut DbConnection,
    permit: PermitId,
    p: Pause,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(permit_pauses::table)
        .values((
            permit_pauses::permit_id.eq(permit),
            permit_pauses::from_date.eq(p.from),
            permit_pauses::to_date.eq(p.to),
            permit_pauses::created_at.eq(now),
        ))
        .execute(c)
        .map(drop)
}

/// Ends pause `id` early: its last paused day becomes `to`.
pub fn end(
    c: &mut DbConnection,
    id: crate::domain::ids::PauseId,
    to: NaiveDate,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(permit_pauses::table.find(id))
        .set((
            permit_pauses::to_date.eq(to),
            permit_pauses::ended_at.eq(now),
        ))
        .execute(c)
        .map(drop)
}

/// A user's permits paused on `day`, each with its pause's last day (Hem's "Gäller i dag").
pub fn paused_on_for_user(
    c: &mut DbConnection,
    user: crate::domain::UserId,
    day: NaiveDate,
) -> QueryResult<Vec<(PermitId, NaiveDate)>> {
    use super::schema::permits;
    permit_pauses::table
        .inner_join(permits::table)
        .filter(permits::user_id.eq(user))
        .filter(permit_pauses::from_date.le(day))
        .filter(permit_pauses::to_date.ge(day))
        .select((permit_pauses::permit_id, permit_pauses::to_date))
        .load(c)
}
