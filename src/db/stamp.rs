//! Dates and timestamps of the rows every page reads, read from SQLite without chrono's format
//! parser.
//!
//! diesel reads a SQLite `Timestamp` by trying chrono format strings in turn (`%F %T%.f`
//! first) and a `Date` with `%F`, and chrono parses the format string itself anew on every
//! value: 3–5 % of a permit page's CPU in the throughput bench (`perf`: `StrftimeItems`,
//! `parse_internal`). The text diesel writes, `YYYY-MM-DD HH:MM:SS[.fraction]` (or with a `T`)
//! and `YYYY-MM-DD`, is read here digit by digit; anything else (a zone, a julian day, a leap
//! second) goes to diesel's own reading, so every value diesel reads is read the same. On
//! PostgreSQL (binary values) diesel reads them as before.
//!
//! Used as `#[diesel(deserialize_as = Stamp)]` / `Day` on the fields of the hot rows.
//!
//! Writing is the same story: diesel binds a `NaiveDate` for SQLite through `format("%F")`,
//! which parses `%F` again for every value, and the check binds its day seven times. A day
//! bound as [`Day`] is written digit by digit (a year outside 0–9999 through diesel, as before).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Date, Timestamp};
use diesel::sqlite::Sqlite;

use super::MultiBackend;

/// A `Timestamp` column's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct Stamp(pub NaiveDateTime);

/// A `Date` column's value, or a day to compare one with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow, AsExpression)]
#[diesel(sql_type = Date)]
pub struct Day(pub NaiveDate);

impl From<Stamp> for NaiveDateTime {
    fn from(s: Stamp) -> Self {
        s.0
    }
}

impl From<Day> for NaiveDate {
    fn from(d: Day) -> Self {
        d.0
    }
}

/// The number the ASCII digits spell, if they are all digits.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// `YYYY-MM-DD`, exactly.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(number(&b[0..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&b[5..7])?, number(&b[8..10])?)
}

/// `YYYY-MM-DD HH:MM:SS` (or with a `T`), with up to nine digits of fraction after a dot.
fn parse_timestamp(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || !matches!(b[10], b' ' | b'T') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let date = parse_date(text.get(..10)?)?;
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            number(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    date.and_hms_nano_opt(
        number(&b[11..13])?,
        number(&b[14..16])?,
        number(&b[17..19])?,
        nanos,
    )
}

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(mut value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        if let Some(t) = parse_timestamp(value.read_text()) {
            return Ok(Stamp(t));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Date, Sqlite> for Day {
    fn from_sql(mut value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        if let Some(d) = parse_date(value.read_text()) {
            return Ok(Day(d));
        }
        <NaiveDate as FromSql<Date, Sqlite>>::from_sql(value).map(Day)
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Date, Pg> for Day {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        <NaiveDate as FromSql<Date, Pg>>::from_sql(value).map(Day)
    }
}

impl FromSql<Timestamp, MultiBackend> for Stamp {
    fn from_sql(value: super::MultiRawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Timestamp>()
    }
}

impl FromSql<Date, MultiBackend> for Day {
    fn from_sql(value: super::MultiRawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Date>()
    }
}

/// `YYYY-MM-DD` for a year 0–9999, as chrono's `%F` writes it, digit by digit into a string
/// of its final size (chrono's `Display` goes through `Debug` and grows the string a character
/// at a time; the check binds its day seven times a look-up).
fn write_date(d: NaiveDate) -> Option<String> {
    use chrono::Datelike;
    let year = u32::try_from(d.year()).ok().filter(|y| *y <= 9999)?;
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let mut text = String::with_capacity(10);
    for n in [year / 1000, year / 100, year / 10, year] {
        text.push(digit(n));
    }
    text.push('-');
    text.push(digit(d.month() / 10));
    text.push(digit(d.month()));
    text.push('-');
    text.push(digit(d.day() / 10));
    text.push(digit(d.day()));
    Some(text)
}

impl ToSql<Date, Sqlite> for Day {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        match write_date(self.0) {
            Some(text) => {
                out.set_value(text);
                Ok(IsNull::No)
            }
            None => <NaiveDate as ToSql<Date, Sqlite>>::to_sql(&self.0, out),
        }
    }
}

impl ToSql<Date, Pg> for Day {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <NaiveDate as ToSql<Date, Pg>>::to_sql(&self.0, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::prelude::*;
    use proptest::prelude::*;

    #[test]
    fn what_diesel_writes_is_read_digit_by_digit_and_the_rest_is_left_to_diesel() {
        let t = |s: &str| parse_timestamp(s);
        let at = |h, m, s, n| {
            NaiveDate::from_ymd_opt(2026, 12, 5)
                .unwrap()
                .and_hms_nano_opt(h, m, s, n)
                .unwrap()
        };
        assert_eq!(t("2026-12-05 10:03:09"), Some(at(10, 3, 9, 0)));
        assert_eq!(t("2026-12-05T10:03:09"), Some(at(10, 3, 9, 0)));
        assert_eq!(t("2026-12-05 10:03:09.5"), Some(at(10, 3, 9, 500_000_000)));
        assert_eq!(
            t("2026-12-05 10:03:09.677949"),
            Some(at(10, 3, 9, 677_949_000))
        );
        assert_eq!(
            t("2026-12-05 10:03:09.123456789"),
            Some(at(10, 3, 9, 123_456_789))
        );
        // Not this reader's: diesel's formats or errors.
        for other in [
            "2026-12-05 10:03:09Z",
            "2026-12-05 10:03:09+01:00",
            "2026-12-05 10:03",
            "2026-12-05 10:03:60",
            "2026-12-05 24:00:00",
            "2026-02-30 10:03:09",
            "2026-12-05 10:03:09.",
            "2026-12-05 10:03:09.1234567890",
            "2461379.5",
            "２０２６-12-05 10:03:09",
            "",
        ] {
            assert_eq!(t(other), None, "{other}");
        }
        assert_eq!(
            parse_date("2026-12-05"),
            NaiveDate::from_ymd_opt(2026, 12, 5)
        );
        for other in ["2026-12-5", "2026-13-01", "2026/12/05", "-026-12-05", ""] {
            assert_eq!(parse_date(other), None, "{other}");
        }
    }

    proptest! {
        #[test]
        fn reads_back_what_diesel_writes(secs in 0i64..4_102_444_800, nanos in 0u32..1_000_000_000) {
            let t = chrono::DateTime::from_timestamp(secs, nanos).unwrap().naive_utc();
            // diesel's SQLite text for a timestamp and a date.
            prop_assert_eq!(parse_timestamp(&t.format("%F %T%.f").to_string()), Some(t));
            prop_assert_eq!(parse_date(&t.date().format("%F").to_string()), Some(t.date()));
            // And a day is written as diesel writes it.
            prop_assert_eq!(write_date(t.date()), Some(t.date().format("%F").to_string()));
        }
    }

    #[test]
    fn a_day_is_written_with_four_digit_years_and_the_rest_left_to_diesel() {
        for year in [0, 7, 99, 999, 1000, 2026, 9999] {
            for (month, day) in [(1, 1), (2, 28), (10, 9), (12, 31)] {
                let d = NaiveDate::from_ymd_opt(year, month, day).unwrap();
                assert_eq!(write_date(d), Some(d.format("%F").to_string()), "{d}");
            }
        }
        for year in [-1, 10_000] {
            assert_eq!(
                write_date(NaiveDate::from_ymd_opt(year, 6, 1).unwrap()),
                None
            );
        }
    }

    #[test]
    fn a_real_sqlite_row_reads_the_same_as_diesel_reads_it() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        diesel::sql_query("CREATE TABLE t (id INTEGER PRIMARY KEY, at TIMESTAMP NOT NULL)")
            .execute(&mut conn)
            .unwrap();
        diesel::sql_query(
            "INSERT INTO t (at) VALUES ('2026-12-05 10:03:09.677949'), (CURRENT_TIMESTAMP), \
             ('2026-12-05T10:03:09Z'), (2461379.5)",
        )
        .execute(&mut conn)
        .unwrap();
        diesel::table! { t (id) { id -> Integer, at -> Timestamp, } }
        let ours: Vec<Stamp> = t::table.order(t::id).select(t::at).load(&mut conn).unwrap();
        let diesels: Vec<NaiveDateTime> =
            t::table.order(t::id).select(t::at).load(&mut conn).unwrap();
        assert_eq!(ours.len(), 4);
        assert_eq!(
            ours.into_iter()
                .map(NaiveDateTime::from)
                .collect::<Vec<_>>(),
            diesels
        );
    }

    #[test]
    fn a_day_bound_finds_what_diesel_wrote() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        diesel::sql_query("CREATE TABLE d (id INTEGER PRIMARY KEY, day DATE NOT NULL)")
            .execute(&mut conn)
            .unwrap();
        diesel::table! { d (id) { id -> Integer, day -> Date, } }
        let days = [
            (2026, 12, 5),
            (1, 1, 1),
            (9999, 12, 31),
            (10000, 1, 1),
            (-1, 6, 1),
        ]
        .map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap());
        for day in days {
            diesel::insert_into(d::table)
                .values(d::day.eq(day))
                .execute(&mut conn)
                .unwrap();
        }
        for day in days {
            let found: Vec<NaiveDate> = d::table
                .filter(d::day.eq(Day(day)))
                .select(d::day)
                .load(&mut conn)
                .unwrap();
            assert_eq!(found, vec![day]);
        }
        for day in days {
            let ours: i64 = d::table
                .filter(d::day.gt(Day(day)))
                .count()
                .get_result(&mut conn)
                .unwrap();
            let diesels: i64 = d::table
                .filter(d::day.gt(day))
                .count()
                .get_result(&mut conn)
                .unwrap();
            assert_eq!(ours, diesels, "{day}");
        }
    }
}
