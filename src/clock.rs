//! The time: stored as UTC without zone; shown and reasoned about in Europe/Stockholm.

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use chrono_tz::Europe::Stockholm;

/// Now, in UTC, to microseconds (what both databases keep).
pub fn now() -> NaiveDateTime {
    let n = Utc::now().naive_utc();
    n - chrono::Duration::nanoseconds(i64::from(n.and_utc().timestamp_subsec_nanos() % 1000))
}

/// A stored UTC time as Swedish local time, e.g. `2026-11-25 13:05`.
pub fn local_display(t: NaiveDateTime) -> String {
    let l = local(t);
    format!("{} {:02}:{:02}", l.date(), l.hour(), l.minute())
}

/// The time of day in Stockholm, e.g. `14:32`.
pub fn local_time(t: NaiveDateTime) -> String {
    let l = local(t);
    format!("{:02}:{:02}", l.hour(), l.minute())
}

/// Written with `Display` and `{:02}`, not a chrono format string, which chrono would parse
/// anew for every time shown (a permit's history has one a line).
fn local(t: NaiveDateTime) -> NaiveDateTime {
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc)
        .with_timezone(&Stockholm)
        .naive_local()
}

/// The Swedish calendar day of a stored UTC time.
pub fn local_date(t: NaiveDateTime) -> chrono::NaiveDate {
    local(t).date()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn times_are_shown_in_stockholm_as_chrono_would_format_them() {
        // Winter (UTC+1), summer (UTC+2), across midnight and a year, and zero-padded.
        assert_eq!(
            local_display(utc("2026-11-25 12:05:59")),
            "2026-11-25 13:05"
        );
        assert_eq!(
            local_display(utc("2026-07-01 22:30:00")),
            "2026-07-02 00:30"
        );
        assert_eq!(
            local_display(utc("2026-12-31 23:01:00")),
            "2027-01-01 00:01"
        );
        assert_eq!(local_time(utc("2026-03-29 00:59:00")), "01:59");
        assert_eq!(local_time(utc("2026-03-29 01:00:00")), "03:00");
        for t in [
            "2026-01-05 07:08:09",
            "2026-10-25 00:30:00",
            "2026-10-25 01:30:00",
        ] {
            let t = utc(t);
            let chrono =
                DateTime::<Utc>::from_naive_utc_and_offset(t, Utc).with_timezone(&Stockholm);
            assert_eq!(
                local_display(t),
                chrono.format("%Y-%m-%d %H:%M").to_string()
            );
            assert_eq!(local_time(t), chrono.format("%H:%M").to_string());
        }
    }
}
