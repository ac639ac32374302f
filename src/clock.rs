//! The time: stored as UTC without zone; shown and reasoned about in Europe/Stockholm.

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Europe::Stockholm;

/// Now, in UTC, to microseconds (what both databases keep).
pub fn now() -> NaiveDateTime {
    let n = Utc::now().naive_utc();
    n - chrono::Duration::nanoseconds(i64::from(n.and_utc().timestamp_subsec_nanos() % 1000))
}

/// A stored UTC time as Swedish local time, e.g. `2026-11-25 13:05`.
pub fn local_display(t: NaiveDateTime) -> String {
    local_format(t, "%Y-%m-%d %H:%M")
}

/// The time of day in Stockholm, e.g. `14:32`.
pub fn local_time(t: NaiveDateTime) -> String {
    local_format(t, "%H:%M")
}

fn local_format(t: NaiveDateTime, format: &str) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc)
        .with_timezone(&Stockholm)
        .format(format)
        .to_string()
}

/// Midnight at the start of a Swedish calendar day, as a stored UTC time.
pub fn local_midnight_utc(day: chrono::NaiveDate) -> NaiveDateTime {
    use chrono::TimeZone;
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    Stockholm
        .from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.naive_utc())
        .unwrap_or(midnight)
}
