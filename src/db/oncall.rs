//! On-call parking ("Jourparkering", issue #39): the types (`oncall_types`) and the passes
//! (`oncall_passes`). The rules are in `services::oncall`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{car_parks, oncall_passes, oncall_types};
use crate::domain::UserId;
use crate::domain::ids::{OnCallTypeId, PassId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = oncall_types)]
pub struct OnCallTypeRow {
    pub id: OnCallTypeId,
    pub name_sv: String,
    pub name_en: String,
    pub price_ore: i64,
    pub pass_hours: i32,
    pub passes_per_month: i32,
    pub active: bool,
}

impl OnCallTypeRow {
    pub fn name(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::Sv => &self.name_sv,
            crate::i18n::Lang::En => &self.name_en,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = oncall_passes)]
pub struct PassRow {
    pub id: PassId,
    pub user_id: UserId,
    pub oncall_type_id: OnCallTypeId,
    pub car_park_id: crate::domain::CarParkId,
    pub regnr: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
}

impl PassRow {
    /// Valid at `now`: begun, not over, not ended early.
    pub fn running(&self, now: NaiveDateTime) -> bool {
        self.ended_at.is_none() && self.starts_at <= now && now < self.ends_at
    }
}

/// The on-call type in use (the first active one), if any.
pub fn active_type(c: &mut DbConnection) -> QueryResult<Option<OnCallTypeRow>> {
    oncall_types::table
        .filter(oncall_types::active.eq(true))
        .order(oncall_types::id)
        .select(OnCallTypeRow::as_select())
        .first(c)
        .optional()
}

/// A user's passes since `since`, the latest first.
pub fn of_user_since(
    c: &mut DbConnection,
    user: UserId,
    since: NaiveDateTime,
) -> QueryResult<Vec<PassRow>> {
    oncall_passes::table
        .filter(oncall_passes::user_id.eq(user))
        .filter(oncall_passes::starts_at.ge(since))
        .order(oncall_passes::starts_at.desc())
        .select(PassRow::as_select())
        .load(c)
}

/// The number the user last parked on call with.
pub fn last_regnr(c: &mut DbConnection, user: UserId) -> QueryResult<Option<String>> {
    oncall_passes::table
        .filter(oncall_passes::user_id.eq(user))
        .order(oncall_passes::starts_at.desc())
        .select(oncall_passes::regnr)
        .first(c)
        .optional()
}

pub struct NewPass<'a> {
    pub user: UserId,
    pub type_id: OnCallTypeId,
    pub car_park: crate::domain::CarParkId,
    pub regnr: &'a str,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
}

pub fn insert(c: &mut DbConnection, p: &NewPass) -> QueryResult<()> {
    diesel::insert_into(oncall_passes::table)
        .values((
            oncall_passes::user_id.eq(p.user),
            oncall_passes::oncall_type_id.eq(p.type_id),
            oncall_passes::car_park_id.eq(p.car_park),
            oncall_passes::regnr.eq(p.regnr),
            oncall_passes::starts_at.eq(p.starts_at),
            oncall_passes::ends_at.eq(p.ends_at),
        ))
        .execute(c)
        .map(drop)
}

/// "Avsluta": the user's own running pass ends now; `false` when there was none.
pub fn end(
    c: &mut DbConnection,
    user: UserId,
    id: PassId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        oncall_passes::table
            .filter(oncall_passes::id.eq(id))
            .filter(oncall_passes::user_id.eq(user))
            .filter(oncall_passes::ended_at.is_null())
            .filter(oncall_passes::ends_at.gt(now)),
    )
    .set(oncall_passes::ended_at.eq(now))
    .execute(c)
    .map(|n| n == 1)
}

/// What the check reads of a running pass for a number: the type's names, the car park's name
/// and id, when the pass began and ends, and whose it is.
pub type RunningPass = (
    String,
    String,
    String,
    crate::domain::CarParkId,
    NaiveDateTime,
    NaiveDateTime,
    UserId,
);

/// The passes running at `now` for `regnr` (the check).
pub fn running_for(
    c: &mut DbConnection,
    regnr: &str,
    now: NaiveDateTime,
) -> QueryResult<Vec<RunningPass>> {
    oncall_passes::table
        .inner_join(oncall_types::table)
        .inner_join(car_parks::table)
        .filter(oncall_passes::regnr.eq(regnr))
        .filter(oncall_passes::ends_at.gt(now))
        .filter(oncall_passes::starts_at.le(now))
        .filter(oncall_passes::ended_at.is_null())
        .select((
            oncall_types::name_sv,
            oncall_types::name_en,
            car_parks::name,
            car_parks::id,
            oncall_passes::starts_at,
            oncall_passes::ends_at,
            oncall_passes::user_id,
        ))
        .load(c)
}

/// The office's follow-up: every pass as (name, e-mail, start), in e-mail and time order; the
/// report counts them per Swedish calendar month.
pub fn per_employee_and_month(
    c: &mut DbConnection,
) -> QueryResult<Vec<(String, String, NaiveDateTime)>> {
    use super::schema::users;
    oncall_passes::table
        .inner_join(users::table)
        .order((users::email, oncall_passes::starts_at))
        .select((users::name, users::email, oncall_passes::starts_at))
        .load(c)
}
