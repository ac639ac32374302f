//! The check ("Kontroll"): which permits make a registration number valid on a day. Three
//! index look-ups, no cache, so a change is answered at once:
//! - a paid period permit with this permanent number whose period covers the day, unless a
//!   temporary number of that permit covers the day (the temporary car parks instead);
//! - a temporary number of a paid period permit covering the day (not ended early);
//! - a day-card session booked for this number on the day, on a paid day card.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{car_parks, day_sessions, permits, temporary_regnrs};

/// One permit that makes the number valid on the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPermit {
    pub type_sv: String,
    pub type_en: String,
    pub car_park: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// Valid through a temporary registration number.
    pub temporary: bool,
    /// Valid through a day-card session booked for the day.
    pub day_session: bool,
}

type Row = (String, String, String, NaiveDate, NaiveDate);

macro_rules! permanent_query {
    ($regnr:expr, $day:expr) => {
        permits::table
            .inner_join(car_parks::table)
            .left_join(
                temporary_regnrs::table.on(temporary_regnrs::permit_id
                    .eq(permits::id)
                    .and(temporary_regnrs::ended_at.is_null())
                    .and(temporary_regnrs::from_date.le($day))
                    .and(temporary_regnrs::to_date.ge($day))),
            )
            .filter(permits::regnr.eq($regnr))
            .filter(permits::state.eq("paid"))
            .filter(permits::end_date.ge($day))
            .filter(permits::start_date.le($day))
            .filter(permits::kind.eq("period"))
            .filter(temporary_regnrs::id.is_null())
            .select((
                permits::type_name_sv,
                permits::type_name_en,
                car_parks::name,
                permits::start_date,
                permits::end_date,
            ))
    };
}

macro_rules! temporary_query {
    ($regnr:expr, $day:expr) => {
        temporary_regnrs::table
            .inner_join(permits::table.inner_join(car_parks::table))
            .filter(temporary_regnrs::regnr.eq($regnr))
            .filter(temporary_regnrs::to_date.ge($day))
            .filter(temporary_regnrs::from_date.le($day))
            .filter(temporary_regnrs::ended_at.is_null())
            .filter(permits::state.eq("paid"))
            // Only a period permit lends its validity to a temporary number (a day card's
            // validity is its booked days).
            .filter(permits::kind.eq("period"))
            .select((
                permits::type_name_sv,
                permits::type_name_en,
                car_parks::name,
                temporary_regnrs::from_date,
                temporary_regnrs::to_date,
            ))
    };
}

macro_rules! day_session_query {
    ($regnr:expr, $day:expr) => {
        day_sessions::table
            .inner_join(permits::table.inner_join(car_parks::table))
            .filter(day_sessions::regnr.eq($regnr))
            .filter(day_sessions::day.eq($day))
            .filter(permits::state.eq("paid"))
            .filter(permits::kind.eq("day"))
            .select((
                permits::type_name_sv,
                permits::type_name_en,
                car_parks::name,
                day_sessions::day,
                day_sessions::day,
            ))
    };
}

/// The permits that make `regnr` (normalised) valid on `day`; empty: not valid.
pub fn valid_on(
    conn: &mut DbConnection,
    regnr: &str,
    day: NaiveDate,
) -> QueryResult<Vec<ValidPermit>> {
    let as_valid = |temporary: bool, day_session: bool| {
        move |(type_sv, type_en, car_park, valid_from, valid_to): Row| ValidPermit {
            type_sv,
            type_en,
            car_park,
            valid_from,
            valid_to,
            temporary,
            day_session,
        }
    };
    let mut found: Vec<ValidPermit> = permanent_query!(regnr, day)
        .load::<Row>(conn)?
        .into_iter()
        .map(as_valid(false, false))
        .collect();
    found.extend(
        temporary_query!(regnr, day)
            .load::<Row>(conn)?
            .into_iter()
            .map(as_valid(true, false)),
    );
    found.extend(
        day_session_query!(regnr, day)
            .load::<Row>(conn)?
            .into_iter()
            .map(as_valid(false, true)),
    );
    Ok(found)
}

/// The SQL of the three look-ups as SQLite runs them (with `?` for the values), so a test can
/// ask SQLite for their query plans.
pub fn sqlite_statements() -> Vec<String> {
    use diesel::sqlite::Sqlite;
    let day = NaiveDate::MIN;
    let strip = |s: String| match s.find(" -- binds") {
        Some(i) => s[..i].to_string(),
        None => s,
    };
    vec![
        strip(diesel::debug_query::<Sqlite, _>(&permanent_query!("X", day)).to_string()),
        strip(diesel::debug_query::<Sqlite, _>(&temporary_query!("X", day)).to_string()),
        strip(diesel::debug_query::<Sqlite, _>(&day_session_query!("X", day)).to_string()),
    ]
}
