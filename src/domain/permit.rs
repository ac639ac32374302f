//! A permit's life: its stored state, the status shown on screen (which also depends on the
//! date), and the dates of its period. All dates are Swedish calendar dates (Europe/Stockholm).

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use chrono_tz::Europe::Stockholm;

crate::code_enum! {
    /// What is stored. "Utfärdad", "Aktiv" and "Utgången" are not stored: they follow from a
    /// paid permit's dates and today's date, so they are always right without anyone clicking.
    pub enum State("permit state") {
        AwaitingApproval = "awaiting_approval",
        Rejected = "rejected",
        AwaitingPayment = "awaiting_payment",
        Paid = "paid",
        Cancelled = "cancelled",
    }
}

impl State {
    /// A new permit waits for the parking office's approval or for payment.
    pub fn initial(needs_approval: bool) -> State {
        if needs_approval {
            State::AwaitingApproval
        } else {
            State::AwaitingPayment
        }
    }

    pub fn apply(self, event: Event) -> Result<State, TransitionError> {
        use Event::*;
        use State::*;
        match (self, event) {
            (AwaitingApproval, Approve) => Ok(AwaitingPayment),
            (AwaitingApproval, Reject) => Ok(Rejected),
            (AwaitingPayment, PaymentReceived) => Ok(Paid),
            (AwaitingApproval | AwaitingPayment | Paid, Cancel) => Ok(Cancelled),
            (from, event) => Err(TransitionError { from, event }),
        }
    }

    /// Whether the registration number (permanent or temporary) may still be changed.
    pub fn allows_changes(self) -> bool {
        !matches!(self, State::Rejected | State::Cancelled)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Approve,
    Reject,
    PaymentReceived,
    Cancel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a permit in state {from:?} cannot take {event:?}")]
pub struct TransitionError {
    pub from: State,
    pub event: Event,
}

/// What the user sees (CONTRACT.md words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    AwaitingPayment,
    AwaitingApproval,
    Rejected,
    Issued,
    Active,
    Expired,
    Cancelled,
}

impl Status {
    pub fn of(state: State, start: NaiveDate, end: NaiveDate, today: NaiveDate) -> Status {
        match state {
            State::AwaitingApproval => Status::AwaitingApproval,
            State::Rejected => Status::Rejected,
            State::AwaitingPayment => Status::AwaitingPayment,
            State::Cancelled => Status::Cancelled,
            State::Paid if today < start => Status::Issued,
            State::Paid if today <= end => Status::Active,
            State::Paid => Status::Expired,
        }
    }
}

/// Today's date in Sweden.
pub fn today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&Stockholm).date_naive()
}

/// The last day of a period of `months` months from `start`: the day before the same date
/// `months` later; when that month is too short for the start day (31 January + 1 month),
/// the period ends on that month's last day.
pub fn period_end(start: NaiveDate, months: u32) -> Option<NaiveDate> {
    let same_day_later = start.checked_add_months(Months::new(months))?;
    if same_day_later.day() < start.day() {
        // Clamped to a shorter month: the whole of that month is included.
        Some(same_day_later)
    } else {
        same_day_later.pred_opt()
    }
}

/// The first day of a renewal: the day after the period ends.
pub fn renewal_start(end: NaiveDate) -> Option<NaiveDate> {
    end.succ_opt()
}

/// Where a permit running from `start` to `end` may be renewed `today`: only while it runs,
/// and then the renewal starts the day after it ends (issue #34, 2: a "renewal" that starts
/// today would be a second place taken past the queue).
pub fn renewal_start_while_running(
    start: NaiveDate,
    end: NaiveDate,
    today: NaiveDate,
) -> Option<NaiveDate> {
    (start <= today && today <= end)
        .then(|| renewal_start(end))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn period_ends_the_day_before_the_same_date() {
        assert_eq!(period_end(d(2026, 3, 15), 1), Some(d(2026, 4, 14)));
        assert_eq!(period_end(d(2026, 1, 1), 12), Some(d(2026, 12, 31)));
        assert_eq!(period_end(d(2026, 12, 1), 1), Some(d(2026, 12, 31)));
    }

    #[test]
    fn month_ends_are_well_defined() {
        assert_eq!(period_end(d(2026, 1, 31), 1), Some(d(2026, 2, 28)));
        assert_eq!(
            period_end(d(2028, 1, 31), 1),
            Some(d(2028, 2, 29)),
            "leap year"
        );
        assert_eq!(period_end(d(2026, 1, 30), 1), Some(d(2026, 2, 28)));
        assert_eq!(period_end(d(2026, 1, 28), 1), Some(d(2026, 2, 27)));
        assert_eq!(period_end(d(2028, 2, 29), 12), Some(d(2029, 2, 28)));
        assert_eq!(period_end(d(2026, 3, 31), 1), Some(d(2026, 4, 30)));
    }

    #[test]
    fn today_is_the_swedish_date_across_midnight_and_dst() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // 23:30 UTC in winter is 00:30 the next day in Sweden.
        assert_eq!(today(at("2026-01-14T23:30:00Z")), d(2026, 1, 15));
        assert_eq!(today(at("2026-01-14T22:59:00Z")), d(2026, 1, 14));
        // Summer time: UTC+2.
        assert_eq!(today(at("2026-07-14T22:01:00Z")), d(2026, 7, 15));
        assert_eq!(today(at("2026-07-14T21:59:00Z")), d(2026, 7, 14));
        // The night the clocks go forward (29 March 2026, 02:00 → 03:00).
        assert_eq!(today(at("2026-03-29T00:30:00Z")), d(2026, 3, 29));
    }

    #[test]
    fn status_follows_the_dates_of_a_paid_permit() {
        let (s, e) = (d(2026, 5, 1), d(2026, 5, 31));
        assert_eq!(
            Status::of(State::Paid, s, e, d(2026, 4, 30)),
            Status::Issued
        );
        assert_eq!(Status::of(State::Paid, s, e, s), Status::Active);
        assert_eq!(Status::of(State::Paid, s, e, e), Status::Active);
        assert_eq!(
            Status::of(State::Paid, s, e, d(2026, 6, 1)),
            Status::Expired
        );
        assert_eq!(
            crate::i18n::status(
                crate::i18n::Lang::Sv,
                Status::of(State::AwaitingPayment, s, e, e)
            ),
            "Väntar på betalning"
        );
        assert_eq!(
            crate::i18n::status(crate::i18n::Lang::Sv, Status::of(State::Cancelled, s, e, e)),
            "Makulerad"
        );
    }

    #[test]
    fn transitions() {
        use Event::*;
        use State::*;
        assert_eq!(State::initial(true), AwaitingApproval);
        assert_eq!(State::initial(false), AwaitingPayment);
        assert_eq!(AwaitingApproval.apply(Approve), Ok(AwaitingPayment));
        assert_eq!(AwaitingApproval.apply(Reject), Ok(Rejected));
        assert_eq!(AwaitingPayment.apply(PaymentReceived), Ok(Paid));
        assert_eq!(Paid.apply(Cancel), Ok(Cancelled));
        assert!(Paid.apply(PaymentReceived).is_err(), "never paid twice");
        assert!(
            AwaitingApproval.apply(PaymentReceived).is_err(),
            "no payment before approval"
        );
        assert!(Rejected.apply(Approve).is_err());
        assert!(Cancelled.apply(Cancel).is_err());
        for s in [AwaitingApproval, Rejected, AwaitingPayment, Paid, Cancelled] {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
    }

    proptest! {
        #[test]
        fn a_period_is_never_empty_and_never_longer_than_its_months(
            days in 0i64..20_000, months in 1u32..=36
        ) {
            let start = d(2000, 1, 1) + chrono::Duration::days(days);
            let end = period_end(start, months).unwrap();
            prop_assert!(end >= start);
            let limit = start.checked_add_months(Months::new(months)).unwrap();
            prop_assert!(end <= limit);
            // At least the full months minus the clamping of a short month (≥ 28·months − 3 days).
            prop_assert!((end - start).num_days() + 1 >= 28 * i64::from(months) - 3);
            prop_assert_eq!(renewal_start(end).unwrap(), end.succ_opt().unwrap());
        }

        #[test]
        fn later_start_never_ends_earlier(days in 0i64..20_000, months in 1u32..=24) {
            let a = d(2000, 1, 1) + chrono::Duration::days(days);
            let b = a.succ_opt().unwrap();
            prop_assert!(period_end(b, months).unwrap() >= period_end(a, months).unwrap());
        }
    }
}
