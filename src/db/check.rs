//! The check ("Kontroll"): which permits make a registration number valid on a day. Three
//! index look-ups in one statement, no cache, so a change is answered at once:
//! - a paid period permit with this permanent number whose period covers the day, unless a
//!   temporary number of that permit covers the day (the temporary car parks instead);
//! - a temporary number of a paid period permit covering the day (not ended early);
//! - a day-card session booked for this number on the day, on a paid day card;
//!
//! never a period permit's (nor its temporary number's) paused day.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::DbConnection;
use super::schema::{car_parks, day_sessions, permit_pauses, permits, temporary_regnrs};
use super::stamp::Day;
use crate::domain::UserId;
use crate::domain::check::NotValid;

/// A constant of the look-ups, written into the statement's text (`'paid'`, `FALSE`) instead of
/// bound as a value: 12 of the union's 22 values are such constants, and each bound value is
/// walked, collected and handed to the database on every run. The statement stays cached by
/// its type.
macro_rules! sql_constant {
    ($($name:ident: $sql_type:ty = $sql:literal;)+) => {$(
        #[derive(Debug, Clone, Copy, diesel::query_builder::QueryId, diesel::expression::ValidGrouping)]
        struct $name;

        impl diesel::expression::Expression for $name {
            type SqlType = $sql_type;
        }

        impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for $name {
            fn walk_ast<'b>(
                &'b self,
                mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
            ) -> QueryResult<()> {
                out.push_sql($sql);
                Ok(())
            }
        }

        impl<QS> diesel::expression::AppearsOnTable<QS> for $name {}
        impl<QS> diesel::expression::SelectableExpression<QS> for $name {}
    )+};
}

sql_constant! {
    Paid: Text = "'paid'";
    PeriodKind: Text = "'period'";
    DayKind: Text = "'day'";
    Yes: Bool = "TRUE";
    No: Bool = "FALSE";
}

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
    /// The car park's id (the check API's `car_park`, Kontroll's "Parkeringsområde").
    pub car_park_id: crate::domain::CarParkId,
}

/// As read: the dates through [`Day`], without chrono's format parser; then whether through
/// a temporary number, and whether through a day-card session; last the permit's owner and
/// car park.
type Row = (
    String,
    String,
    String,
    Day,
    Day,
    bool,
    bool,
    UserId,
    crate::domain::CarParkId,
);

/// A permit carrying the number: id, state, kind, first and last day, owner.
type PermitDates = (
    i64,
    crate::domain::permit::State,
    crate::domain::permit_actions::Kind,
    NaiveDate,
    NaiveDate,
    UserId,
);

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
            .left_join(
                permit_pauses::table.on(permit_pauses::permit_id
                    .eq(permits::id)
                    .and(permit_pauses::from_date.le($day))
                    .and(permit_pauses::to_date.ge($day))),
            )
            .filter(permits::regnr.eq($regnr))
            .filter(permits::state.eq(Paid))
            .filter(permits::end_date.ge($day))
            .filter(permits::start_date.le($day))
            .filter(permits::kind.eq(PeriodKind))
            .filter(temporary_regnrs::id.is_null())
            // Never on a paused day (issue #39).
            .filter(permit_pauses::id.is_null())
            .select((
                permits::type_name_sv,
                permits::type_name_en,
                car_parks::name,
                permits::start_date,
                permits::end_date,
                No,
                No,
                permits::user_id,
                permits::car_park_id,
            ))
    };
}

macro_rules! temporary_query {
    ($regnr:expr, $day:expr) => {
        temporary_regnrs::table
            .inner_join(permits::table.inner_join(car_parks::table))
            .left_join(
                permit_pauses::table.on(permit_pauses::permit_id
                    .eq(permits::id)
                    .and(permit_pauses::from_date.le($day))
                    .and(permit_pauses::to_date.ge($day))),
            )
            .filter(permit_pauses::id.is_null())
            .filter(temporary_regnrs::regnr.eq($regnr))
            .filter(temporary_regnrs::to_date.ge($day))
            .filter(temporary_regnrs::from_date.le($day))
            .filter(temporary_regnrs::ended_at.is_null())
            .filter(permits::state.eq(Paid))
            // Only a period permit lends its validity to a temporary number (a day card's
            // validity is its booked days).
            .filter(permits::kind.eq(PeriodKind))
            .select((
                permits::type_name_sv,
                permits::type_name_en,
                car_parks::name,
                temporary_regnrs::from_date,
                temporary_regnrs::to_date,
                Yes,
                No,
                permits::user_id,
                permits::car_park_id,
            ))
    };
}

macro_rules! day_session_query {
    ($regnr:expr, $day:expr) => {
        day_sessions::table
            .inner_join(permits::table.inner_join(car_parks::table))
            .filter(day_sessions::regnr.eq($regnr))
            .filter(day_sessions::day.eq($day))
            .filter(permits::state.eq(Paid))
            .filter(permits::kind.eq(DayKind))
            .select((
                permits::type_name_sv,
                permits::type_name_en,
                car_parks::name,
                day_sessions::day,
                day_sessions::day,
                No,
                Yes,
                permits::user_id,
                permits::car_park_id,
            ))
    };
}

/// The three look-ups in one statement (`UNION ALL`): one trip to the database.
macro_rules! valid_query {
    ($regnr:expr, $day:expr) => {
        permanent_query!($regnr, $day)
            .union_all(temporary_query!($regnr, $day))
            .union_all(day_session_query!($regnr, $day))
    };
}

/// The permits that make `regnr` (normalised) valid on `day`; empty: not valid. With an
/// `owner`, only that user's permits count: a customer's own view never tells of another
/// person's parking (issue #34, 3); the check API and Kontroll pass `None`.
pub fn valid_on(
    conn: &mut DbConnection,
    regnr: &str,
    day: NaiveDate,
    owner: Option<UserId>,
) -> QueryResult<Vec<ValidPermit>> {
    let mut found = crate::db::on_backend!(conn, |conn| {
        let mut found: Vec<ValidPermit> = valid_query!(regnr, Day(day))
            .load::<Row>(conn)?
            .into_iter()
            .filter(|row| owner.is_none_or(|o| o == row.7))
            .map(
                |(type_sv, type_en, car_park, from, to, temporary, day_session, _, car_park_id)| {
                    ValidPermit {
                        type_sv,
                        type_en,
                        car_park,
                        valid_from: from.into(),
                        valid_to: to.into(),
                        temporary,
                        day_session,
                        car_park_id,
                    }
                },
            )
            .collect();
        // The permanent number first, then temporary numbers, then day-card sessions.
        found.sort_by_key(|v| (v.day_session, v.temporary));
        QueryResult::Ok(found)
    })?;
    // Today: an on-call pass running now ("Jourparkering", issue #39) makes it valid too.
    let now = crate::clock::now();
    if day == crate::domain::permit::today(chrono::Utc::now()) {
        for (type_sv, type_en, car_park, car_park_id, from, to, user) in
            super::oncall::running_for(conn, regnr, now)?
        {
            if owner.is_some_and(|o| o != user) {
                continue;
            }
            found.push(ValidPermit {
                type_sv,
                type_en,
                car_park,
                valid_from: crate::clock::local_date(from),
                valid_to: crate::clock::local_date(to),
                temporary: false,
                day_session: false,
                car_park_id,
            });
        }
    }
    Ok(found)
}

/// Why `regnr` is not valid on `day` (asked only after [`valid_on`] found nothing): read from
/// the permits that carry the number (with an `owner`, only that user's).
pub fn why_not(
    conn: &mut DbConnection,
    regnr: &str,
    day: NaiveDate,
    owner: Option<UserId>,
) -> QueryResult<NotValid> {
    crate::db::on_backend!(conn, |conn| {
        use crate::domain::permit::State;
        use crate::domain::permit_actions::Kind;
        let rows: Vec<PermitDates> = permits::table
            .filter(permits::regnr.eq(regnr))
            .order(permits::end_date.desc())
            .select((
                permits::id,
                permits::state,
                permits::kind,
                permits::start_date,
                permits::end_date,
                permits::user_id,
            ))
            .load(conn)?;
        let rows: Vec<PermitDates> = rows
            .into_iter()
            .filter(|row| owner.is_none_or(|o| o == row.5))
            .collect();
        let paid_now = |kind: Kind| {
            rows.iter().find(|(_, s, k, start, end, _)| {
                *s == State::Paid && *k == kind && *start <= day && day <= *end
            })
        };
        if paid_now(Kind::Day).is_some() {
            return Ok(NotValid::DayNotBooked);
        }
        if let Some((id, ..)) = paid_now(Kind::Period) {
            let paused: Option<NaiveDate> = permit_pauses::table
                .filter(permit_pauses::permit_id.eq(id))
                .filter(permit_pauses::from_date.le(day))
                .filter(permit_pauses::to_date.ge(day))
                .select(permit_pauses::to_date)
                .first(conn)
                .optional()?;
            if let Some(to) = paused {
                return Ok(NotValid::Paused(to));
            }
            let temporary: Option<(String, NaiveDate)> = temporary_regnrs::table
                .filter(temporary_regnrs::permit_id.eq(id))
                .filter(temporary_regnrs::ended_at.is_null())
                .filter(temporary_regnrs::from_date.le(day))
                .filter(temporary_regnrs::to_date.ge(day))
                .select((temporary_regnrs::regnr, temporary_regnrs::to_date))
                .first(conn)
                .optional()?;
            if let Some((regnr, to)) = temporary {
                return Ok(NotValid::TemporaryInstead { regnr, to });
            }
        }
        let with = |state: State| rows.iter().find(|(_, s, ..)| *s == state);
        Ok(if with(State::AwaitingPayment).is_some() {
            NotValid::AwaitingPayment
        } else if with(State::AwaitingApproval).is_some() {
            NotValid::AwaitingApproval
        } else if let Some((.., start, _)) = rows
            .iter()
            .filter(|(_, s, _, start, _, _)| *s == State::Paid && *start > day)
            .min_by_key(|(.., start, _, _)| *start)
        {
            NotValid::NotYet(*start)
        } else if let Some((.., end, _)) = with(State::Paid) {
            NotValid::Ended(*end)
        } else if rows.is_empty() {
            NotValid::Unknown
        } else {
            NotValid::Cancelled
        })
    })
}

/// The SQL of the look-ups as SQLite runs them (with `?` for the values), so a test can ask
/// SQLite for its query plan.
pub fn sqlite_statement() -> String {
    use diesel::sqlite::Sqlite;
    let day = NaiveDate::MIN;
    let strip = |s: String| match s.find(" -- binds") {
        Some(i) => s[..i].to_string(),
        None => s,
    };
    strip(diesel::debug_query::<Sqlite, _>(&valid_query!("X", Day(day))).to_string())
}
