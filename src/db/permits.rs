//! Permits, their temporary registration numbers, their history and applications.

use crate::domain::{PermitId, UserId};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{applications, car_parks, permit_events, permits, temporary_regnrs};
use crate::domain::permit::State;
use crate::domain::permit_actions::Kind;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = permits)]
pub struct PermitRow {
    pub id: PermitId,
    pub user_id: UserId,
    pub permit_type_id: crate::domain::PermitTypeId,
    pub package_id: Option<crate::domain::PackageId>,
    pub car_park_id: crate::domain::CarParkId,
    #[diesel(deserialize_as = String)]
    pub kind: Kind,
    pub type_name_sv: String,
    pub type_name_en: String,
    pub package_name_sv: Option<String>,
    pub package_name_en: Option<String>,
    pub months: Option<i32>,
    pub days_bought: Option<i32>,
    pub price_ore: i64,
    pub vat_basis_points: i32,
    pub regnr: String,
    pub foreign_plate: bool,
    #[diesel(deserialize_as = crate::db::stamp::Day)]
    pub start_date: NaiveDate,
    #[diesel(deserialize_as = crate::db::stamp::Day)]
    pub end_date: NaiveDate,
    #[diesel(deserialize_as = String)]
    pub state: State,
    pub reject_reason: Option<String>,
    pub confirm_key: String,
    pub renews_permit_id: Option<PermitId>,
    pub version: i32,
    pub reminder_sent_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = crate::db::stamp::Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::stamp::Stamp)]
    pub updated_at: NaiveDateTime,
    pub days_used: i32,
    /// Until when an unpaid permit in a car park with a capacity holds its place.
    pub hold_until: Option<NaiveDateTime>,
}

#[cfg(test)]
impl PermitRow {
    /// A paid monthly permit for unit tests of what is drawn from a row.
    pub fn example(price_ore: i64) -> PermitRow {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
        let at = day.and_hms_opt(12, 0, 0).unwrap_or_default();
        PermitRow {
            id: PermitId::from(1),
            user_id: UserId::from(1),
            permit_type_id: crate::domain::PermitTypeId::from(1),
            package_id: None,
            car_park_id: crate::domain::CarParkId::from(1),
            kind: Kind::Period,
            type_name_sv: "Anställda månads/årskort".into(),
            type_name_en: "Staff monthly/yearly permit".into(),
            package_name_sv: None,
            package_name_en: None,
            months: Some(1),
            days_bought: None,
            price_ore,
            vat_basis_points: 2500,
            regnr: "ABC123".into(),
            foreign_plate: false,
            start_date: day,
            end_date: day,
            state: State::Paid,
            reject_reason: None,
            confirm_key: String::new(),
            renews_permit_id: None,
            version: 0,
            reminder_sent_at: None,
            created_at: at,
            updated_at: at,
            days_used: 0,
            hold_until: None,
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = permits)]
pub struct NewPermit {
    pub user_id: UserId,
    pub permit_type_id: crate::domain::PermitTypeId,
    pub package_id: Option<crate::domain::PackageId>,
    pub car_park_id: crate::domain::CarParkId,
    pub kind: Kind,
    pub type_name_sv: String,
    pub type_name_en: String,
    pub package_name_sv: Option<String>,
    pub package_name_en: Option<String>,
    pub months: Option<i32>,
    pub days_bought: Option<i32>,
    pub price_ore: i64,
    pub vat_basis_points: i32,
    pub regnr: String,
    pub foreign_plate: bool,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub state: State,
    pub confirm_key: String,
    pub renews_permit_id: Option<PermitId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = temporary_regnrs)]
pub struct TemporaryRow {
    pub id: crate::domain::ids::TemporaryId,
    pub permit_id: PermitId,
    pub regnr: String,
    pub foreign_plate: bool,
    #[diesel(deserialize_as = crate::db::stamp::Day)]
    pub from_date: NaiveDate,
    #[diesel(deserialize_as = crate::db::stamp::Day)]
    pub to_date: NaiveDate,
    pub ended_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = crate::db::stamp::Stamp)]
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = permit_events)]
pub struct EventRow {
    pub id: i64,
    pub permit_id: PermitId,
    #[diesel(deserialize_as = crate::db::stamp::Stamp)]
    pub at: NaiveDateTime,
    pub by_user_id: Option<UserId>,
    pub kind: String,
    pub detail: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = applications)]
pub struct ApplicationRow {
    pub permit_id: PermitId,
    pub organisation: String,
    pub role: String,
    pub reason: String,
    pub attachment_name: Option<String>,
    pub attachment: Option<Vec<u8>>,
    pub created_at: NaiveDateTime,
}

/// Inserts a permit unless one with the same confirm key exists (the back button and a double
/// click give the same permit). Returns the permit and whether it is new.
pub fn insert_once(conn: &mut DbConnection, new: &NewPermit) -> QueryResult<(PermitRow, bool)> {
    if let Some(existing) = by_confirm_key(conn, &new.confirm_key)? {
        return Ok((existing, false));
    }
    diesel::insert_into(permits::table)
        .values(new)
        .execute(conn)?;
    let row = by_confirm_key(conn, &new.confirm_key)?.ok_or(diesel::result::Error::NotFound)?;
    Ok((row, true))
}

pub fn by_confirm_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<PermitRow>> {
    permits::table
        .filter(permits::confirm_key.eq(key))
        .select(PermitRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut DbConnection, id: PermitId) -> QueryResult<Option<PermitRow>> {
    permits::table
        .find(id)
        .select(PermitRow::as_select())
        .first(conn)
        .optional()
}

/// A permit of this user only: another user's permit is as good as missing.
pub fn owned(
    conn: &mut DbConnection,
    id: PermitId,
    user_id: UserId,
) -> QueryResult<Option<PermitRow>> {
    crate::db::on_backend!(conn, |conn| {
        permits::table
            .find(id)
            .filter(permits::user_id.eq(user_id))
            .select(PermitRow::as_select())
            .first(conn)
            .optional()
    })
}

/// The latest end of the user's paid permits for `regnr` in `car_park` whose period meets
/// `start..=end`.
pub fn paid_overlapping(
    conn: &mut DbConnection,
    user_id: UserId,
    regnr: &str,
    car_park: crate::domain::CarParkId,
    start: NaiveDate,
    end: NaiveDate,
) -> QueryResult<Option<NaiveDate>> {
    permits::table
        .filter(permits::user_id.eq(user_id))
        .filter(permits::regnr.eq(regnr))
        .filter(permits::car_park_id.eq(car_park))
        .filter(permits::state.eq(State::Paid))
        .filter(permits::start_date.le(end))
        .filter(permits::end_date.ge(start))
        .select(diesel::dsl::max(permits::end_date))
        .first(conn)
}

/// Takes the user's row for the caller's transaction, so two orders of one user placed at once
/// (on two instances too) take turns.
pub fn lock_user(conn: &mut DbConnection, user_id: UserId) -> QueryResult<()> {
    use super::schema::users;
    diesel::update(users::table.find(user_id))
        .set(users::id.eq(users::id))
        .execute(conn)
        .map(drop)
}

/// The user's order waiting for payment in this car park and of this type, if any.
pub fn unpaid_of(
    conn: &mut DbConnection,
    user_id: UserId,
    spot: crate::db::queue::Spot,
) -> QueryResult<Option<PermitId>> {
    permits::table
        .filter(permits::user_id.eq(user_id))
        .filter(permits::car_park_id.eq(spot.car_park_id))
        .filter(permits::permit_type_id.eq(spot.permit_type_id))
        .filter(permits::state.eq(State::AwaitingPayment))
        .select(permits::id)
        .first(conn)
        .optional()
}

/// One of the user's permits with its car park's name, in one statement; `None` when the
/// permit is not the user's.
pub fn owned_with_car_park(
    conn: &mut DbConnection,
    id: PermitId,
    user_id: UserId,
) -> QueryResult<Option<(PermitRow, String)>> {
    crate::db::on_backend!(conn, |conn| {
        permits::table
            .inner_join(car_parks::table)
            .filter(permits::id.eq(id))
            .filter(permits::user_id.eq(user_id))
            .select((PermitRow::as_select(), car_parks::name))
            .first(conn)
            .optional()
    })
}

/// A user's permits, newest first, each with its car park's name (one statement).
pub fn for_user_with_car_park(
    conn: &mut DbConnection,
    user_id: UserId,
) -> QueryResult<Vec<(PermitRow, String)>> {
    crate::db::on_backend!(conn, |conn| {
        permits::table
            .inner_join(car_parks::table)
            .filter(permits::user_id.eq(user_id))
            .order(permits::id.desc())
            .select((PermitRow::as_select(), car_parks::name))
            .load(conn)
    })
}

pub fn for_user(conn: &mut DbConnection, user_id: UserId) -> QueryResult<Vec<PermitRow>> {
    crate::db::on_backend!(conn, |conn| {
        permits::table
            .filter(permits::user_id.eq(user_id))
            .order(permits::id.desc())
            .select(PermitRow::as_select())
            .load(conn)
    })
}

/// The temporary numbers in use today on a user's permits (not ended, today in their dates).
pub fn temporaries_today_for_user(
    conn: &mut DbConnection,
    user_id: UserId,
    today: NaiveDate,
) -> QueryResult<Vec<TemporaryRow>> {
    crate::db::on_backend!(conn, |conn| {
        temporary_regnrs::table
            .inner_join(permits::table)
            .filter(permits::user_id.eq(user_id))
            .filter(temporary_regnrs::ended_at.is_null())
            .filter(temporary_regnrs::from_date.le(today))
            .filter(temporary_regnrs::to_date.ge(today))
            .select(TemporaryRow::as_select())
            .load(conn)
    })
}

pub fn temporaries(conn: &mut DbConnection, permit_id: PermitId) -> QueryResult<Vec<TemporaryRow>> {
    crate::db::on_backend!(conn, |conn| {
        temporary_regnrs::table
            .filter(temporary_regnrs::permit_id.eq(permit_id))
            .order(temporary_regnrs::from_date)
            .select(TemporaryRow::as_select())
            .load(conn)
    })
}

pub fn events(conn: &mut DbConnection, permit_id: PermitId) -> QueryResult<Vec<EventRow>> {
    crate::db::on_backend!(conn, |conn| {
        permit_events::table
            .filter(permit_events::permit_id.eq(permit_id))
            .order(permit_events::id.desc())
            .select(EventRow::as_select())
            .load(conn)
    })
}

pub fn application(
    conn: &mut DbConnection,
    permit_id: PermitId,
) -> QueryResult<Option<ApplicationRow>> {
    crate::db::on_backend!(conn, |conn| {
        applications::table
            .find(permit_id)
            .select(ApplicationRow::as_select())
            .first(conn)
            .optional()
    })
}

/// The application of a permit whose type needs approval.
pub fn add_application(
    conn: &mut DbConnection,
    permit_id: PermitId,
    a: &crate::domain::order::Application,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(applications::table)
        .values((
            applications::permit_id.eq(permit_id),
            applications::organisation.eq(&a.organisation),
            applications::role.eq(&a.role),
            applications::reason.eq(&a.reason),
            applications::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The application's attachment; false when the permit has no application.
pub fn set_attachment(
    conn: &mut DbConnection,
    permit_id: PermitId,
    pdf: &[u8],
    name: &str,
) -> QueryResult<bool> {
    let n = diesel::update(applications::table.find(permit_id))
        .set((
            applications::attachment.eq(pdf),
            applications::attachment_name.eq(name),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn add_event(
    conn: &mut DbConnection,
    permit_id: PermitId,
    by_user_id: Option<UserId>,
    kind: &str,
    detail: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(permit_events::table)
        .values((
            permit_events::permit_id.eq(permit_id),
            permit_events::at.eq(now),
            permit_events::by_user_id.eq(by_user_id),
            permit_events::kind.eq(kind),
            permit_events::detail.eq(detail),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Bumps the version of a permit that is still at `version` (compare-and-set): a change made
/// meanwhile by another instance makes this one fail instead of overwriting it.
pub fn bump_version(
    conn: &mut DbConnection,
    id: PermitId,
    version: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(permits::table.find(id))
        .filter(permits::version.eq(version))
        .set((
            permits::version.eq(version + 1),
            permits::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}
