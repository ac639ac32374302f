//! Day cards: which days can be booked, what a booked day shows, what can be cancelled, and
//! the month calendar. Pure functions over Swedish calendar dates (Europe/Stockholm); the
//! caller passes "today" from `permit::today`.

use std::collections::BTreeSet;

use chrono::{Datelike, Months, NaiveDate};

/// What the rules need to know about one card.
#[derive(Debug, Clone)]
pub struct Card {
    /// First day the card may be used.
    pub first_day: NaiveDate,
    /// Last day the card may be used.
    pub last_day: NaiveDate,
    pub days_bought: u32,
    /// Days already booked (each uses one day of the card).
    pub booked: BTreeSet<NaiveDate>,
}

impl Card {
    pub fn days_used(&self) -> u32 {
        u32::try_from(self.booked.len()).unwrap_or(u32::MAX)
    }

    pub fn days_left(&self) -> u32 {
        self.days_bought.saturating_sub(self.days_used())
    }

    /// Whether one more day could be ticked on this date (ignoring how many are left).
    pub fn bookable(&self, day: NaiveDate, today: NaiveDate) -> bool {
        self.refusal(day, today).is_none()
    }

    fn refusal(&self, day: NaiveDate, today: NaiveDate) -> Option<Refusal> {
        if day < today {
            Some(Refusal::Past)
        } else if day < self.first_day {
            Some(Refusal::BeforeStart)
        } else if day > self.last_day {
            Some(Refusal::AfterEnd)
        } else if self.booked.contains(&day) {
            Some(Refusal::AlreadyBooked)
        } else {
            None
        }
    }

    /// Checks a booking of several days: all of them can be booked, or the first day that
    /// cannot is named. The days are taken in date order; duplicates count once.
    pub fn check_booking(
        &self,
        days: &BTreeSet<NaiveDate>,
        today: NaiveDate,
    ) -> Result<(), BookingError> {
        let Some(first) = days.first() else {
            return Err(BookingError::NoDays);
        };
        for day in days {
            if let Some(reason) = self.refusal(*day, today) {
                return Err(BookingError::Day { day: *day, reason });
            }
        }
        let wanted = u32::try_from(days.len()).unwrap_or(u32::MAX);
        if wanted > self.days_left() {
            return Err(BookingError::NotEnoughDays {
                wanted,
                left: self.days_left(),
                first: *first,
            });
        }
        Ok(())
    }

    /// Only a booked day in the future can be cancelled (today's session is in use).
    pub fn check_cancel(&self, day: NaiveDate, today: NaiveDate) -> Result<(), CancelError> {
        if !self.booked.contains(&day) {
            Err(CancelError::NotBooked)
        } else if day <= today {
            Err(CancelError::Started)
        } else {
            Ok(())
        }
    }
}

/// The longest period "Boka flera dagar" looks at (a day card is valid at most a year).
pub const PATTERN_MAX_DAYS: i64 = 400;

/// "Boka flera dagar": the days a pattern of weekdays gives over a period, split into those
/// that can be booked and those that cannot (and why). Only days within the card's validity
/// are looked at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pattern {
    pub days: BTreeSet<NaiveDate>,
    pub refused: Vec<(NaiveDate, Refusal)>,
}

impl Card {
    /// The days from `from` to `to` (both included, cut to the card's validity and to
    /// [`PATTERN_MAX_DAYS`]) that fall on one of `weekdays` (Monday first).
    pub fn pattern(
        &self,
        weekdays: &[bool; 7],
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> Pattern {
        let first = from.max(self.first_day);
        let last = to
            .min(self.last_day)
            .min(first + chrono::Duration::days(PATTERN_MAX_DAYS - 1));
        let mut out = Pattern::default();
        for day in first.iter_days().take_while(|d| *d <= last) {
            if !weekdays[day.weekday().num_days_from_monday() as usize] {
                continue;
            }
            match self.refusal(day, today) {
                None => {
                    out.days.insert(day);
                }
                Some(why) => out.refused.push((day, why)),
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Past,
    BeforeStart,
    AfterEnd,
    AlreadyBooked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BookingError {
    #[error("no days chosen")]
    NoDays,
    #[error("{day} cannot be booked: {reason:?}")]
    Day { day: NaiveDate, reason: Refusal },
    #[error("{wanted} days chosen but {left} left")]
    NotEnoughDays {
        wanted: u32,
        left: u32,
        first: NaiveDate,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CancelError {
    #[error("the day is not booked")]
    NotBooked,
    #[error("today's and past sessions cannot be cancelled")]
    Started,
}

/// What a booked day shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    /// A future day: "Utfärdad".
    Issued,
    /// Today: "Aktiv".
    Active,
    /// A past day.
    Used,
}

impl SessionStatus {
    pub fn of(day: NaiveDate, today: NaiveDate) -> SessionStatus {
        match day.cmp(&today) {
            std::cmp::Ordering::Greater => SessionStatus::Issued,
            std::cmp::Ordering::Equal => SessionStatus::Active,
            std::cmp::Ordering::Less => SessionStatus::Used,
        }
    }
}

/// A month of the calendar: its first day and the weeks (Monday first), each day of the
/// month in its column and `None` for the padding before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Month {
    pub first: NaiveDate,
    pub weeks: Vec<[Option<NaiveDate>; 7]>,
}

impl Month {
    /// The month holding `day`.
    pub fn of(day: NaiveDate) -> Month {
        let first = day.with_day(1).unwrap_or(day);
        let mut weeks = Vec::new();
        let mut week = [None; 7];
        let mut d = first;
        while d.month() == first.month() {
            let col = d.weekday().num_days_from_monday() as usize;
            week[col] = Some(d);
            if col == 6 {
                weeks.push(week);
                week = [None; 7];
            }
            d = d.succ_opt().unwrap_or(d);
            if d == first {
                break;
            }
        }
        if week.iter().any(Option::is_some) {
            weeks.push(week);
        }
        Month { first, weeks }
    }

    /// Parses `YYYY-MM` (what the month navigation sends).
    pub fn parse(s: &str) -> Option<Month> {
        let s = s.trim();
        if s.len() != 7 {
            return None;
        }
        NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
            .ok()
            .map(Month::of)
    }

    pub fn key(&self) -> String {
        self.first.format("%Y-%m").to_string()
    }

    pub fn previous(&self) -> Option<Month> {
        self.first.checked_sub_months(Months::new(1)).map(Month::of)
    }

    pub fn next(&self) -> Option<Month> {
        self.first.checked_add_months(Months::new(1)).map(Month::of)
    }

    pub fn last(&self) -> NaiveDate {
        self.weeks
            .iter()
            .flatten()
            .flatten()
            .max()
            .copied()
            .unwrap_or(self.first)
    }

    /// The month to show first: today's, or the card's first month when it starts later,
    /// kept inside the card's validity.
    pub fn initial(card_first: NaiveDate, card_last: NaiveDate, today: NaiveDate) -> Month {
        Month::of(today.clamp(card_first, card_last.max(card_first)))
    }

    /// Whether any day of this month lies within `first..=last`.
    pub fn overlaps(&self, first: NaiveDate, last: NaiveDate) -> bool {
        self.first <= last && self.last() >= first
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::permit::today;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn card(bought: u32, booked: &[&str]) -> Card {
        Card {
            first_day: d("2026-12-01"),
            last_day: d("2027-11-30"),
            days_bought: bought,
            booked: booked.iter().map(|s| d(s)).collect(),
        }
    }

    fn days(list: &[&str]) -> BTreeSet<NaiveDate> {
        list.iter().map(|s| d(s)).collect()
    }

    #[test]
    fn books_future_days_within_validity() {
        let c = card(5, &[]);
        assert_eq!(
            c.check_booking(&days(&["2026-12-02", "2026-12-03"]), d("2026-11-25")),
            Ok(())
        );
    }

    #[test]
    fn refuses_past_before_start_after_end_and_twice() {
        let c = card(5, &["2026-12-10"]);
        let today = d("2026-12-05");
        let refused = |day: &str| c.check_booking(&days(&[day]), today);
        assert_eq!(
            refused("2026-12-04"),
            Err(BookingError::Day {
                day: d("2026-12-04"),
                reason: Refusal::Past
            })
        );
        assert_eq!(
            refused("2027-12-01"),
            Err(BookingError::Day {
                day: d("2027-12-01"),
                reason: Refusal::AfterEnd
            })
        );
        assert_eq!(
            refused("2026-12-10"),
            Err(BookingError::Day {
                day: d("2026-12-10"),
                reason: Refusal::AlreadyBooked
            })
        );
        let early = card(5, &[]);
        assert_eq!(
            early.check_booking(&days(&["2026-11-30"]), d("2026-11-25")),
            Err(BookingError::Day {
                day: d("2026-11-30"),
                reason: Refusal::BeforeStart
            })
        );
        assert_eq!(
            c.check_booking(&days(&[]), today),
            Err(BookingError::NoDays)
        );
    }

    #[test]
    fn names_the_first_day_that_fails() {
        let c = card(5, &["2026-12-12"]);
        let err = c
            .check_booking(
                &days(&["2026-12-11", "2026-12-12", "2026-12-20"]),
                d("2026-12-01"),
            )
            .unwrap_err();
        assert_eq!(
            err,
            BookingError::Day {
                day: d("2026-12-12"),
                reason: Refusal::AlreadyBooked
            }
        );
    }

    #[test]
    fn never_more_days_than_left() {
        let c = card(2, &["2026-12-10"]);
        assert_eq!(c.days_left(), 1);
        assert!(matches!(
            c.check_booking(&days(&["2026-12-11", "2026-12-12"]), d("2026-12-01")),
            Err(BookingError::NotEnoughDays {
                wanted: 2,
                left: 1,
                ..
            })
        ));
        assert_eq!(
            c.check_booking(&days(&["2026-12-11"]), d("2026-12-01")),
            Ok(())
        );
    }

    #[test]
    fn today_is_active_and_cannot_be_cancelled() {
        let c = card(5, &["2026-12-05", "2026-12-06", "2026-12-04"]);
        let today = d("2026-12-05");
        assert_eq!(
            SessionStatus::of(d("2026-12-05"), today),
            SessionStatus::Active
        );
        assert_eq!(
            SessionStatus::of(d("2026-12-06"), today),
            SessionStatus::Issued
        );
        assert_eq!(
            SessionStatus::of(d("2026-12-04"), today),
            SessionStatus::Used
        );
        assert_eq!(
            c.check_cancel(d("2026-12-05"), today),
            Err(CancelError::Started)
        );
        assert_eq!(
            c.check_cancel(d("2026-12-04"), today),
            Err(CancelError::Started)
        );
        assert_eq!(c.check_cancel(d("2026-12-06"), today), Ok(()));
        assert_eq!(
            c.check_cancel(d("2026-12-07"), today),
            Err(CancelError::NotBooked)
        );
        // Booking today is allowed.
        let fresh = card(5, &[]);
        assert_eq!(fresh.check_booking(&days(&["2026-12-05"]), today), Ok(()));
    }

    #[test]
    fn stockholm_dates_at_midnight() {
        // 23:59 in Stockholm on 2026-12-01 is 22:59 UTC; 00:01 on the 2nd is 23:01 UTC.
        let before = today(Utc.with_ymd_and_hms(2026, 12, 1, 22, 59, 0).unwrap());
        let after = today(Utc.with_ymd_and_hms(2026, 12, 1, 23, 1, 0).unwrap());
        assert_eq!(before, d("2026-12-01"));
        assert_eq!(after, d("2026-12-02"));
        let c = card(5, &[]);
        assert!(c.bookable(d("2026-12-01"), before));
        assert!(!c.bookable(d("2026-12-01"), after));
        // Summer time: 23:30 local on 2027-06-30 is 21:30 UTC.
        let summer = today(Utc.with_ymd_and_hms(2027, 6, 30, 21, 30, 0).unwrap());
        assert_eq!(summer, d("2027-06-30"));
    }

    #[test]
    fn month_grid() {
        // December 2026 starts on a Tuesday and has 31 days.
        let m = Month::of(d("2026-12-17"));
        assert_eq!(m.first, d("2026-12-01"));
        assert_eq!(m.weeks[0][0], None);
        assert_eq!(m.weeks[0][1], Some(d("2026-12-01")));
        assert_eq!(m.last(), d("2026-12-31"));
        assert_eq!(m.weeks.len(), 5);
        assert_eq!(m.key(), "2026-12");
        assert_eq!(m.next().unwrap().key(), "2027-01");
        assert_eq!(m.previous().unwrap().key(), "2026-11");
        assert_eq!(Month::parse("2027-02").unwrap().last(), d("2027-02-28"));
        assert_eq!(Month::parse("2028-02").unwrap().last(), d("2028-02-29"));
        assert!(Month::parse("2027-13").is_none());
        assert!(Month::parse("2027-1").is_none());
        assert!(Month::parse("<script>").is_none());
        assert_eq!(
            Month::initial(d("2027-03-10"), d("2028-03-09"), d("2026-11-25")).key(),
            "2027-03"
        );
    }

    proptest! {
        /// Whatever is asked, an accepted booking never overbooks, never books a day twice
        /// and keeps within the validity and the future.
        #[test]
        fn accepted_bookings_keep_the_rules(
            bought in 1u32..20,
            booked in proptest::collection::btree_set(0i64..400, 0..10),
            wanted in proptest::collection::btree_set(-30i64..420, 0..25),
            today_offset in 0i64..380,
        ) {
            let first = d("2026-12-01");
            let last = d("2027-11-30");
            let at = |n: i64| first + chrono::Duration::days(n);
            let booked: BTreeSet<NaiveDate> =
                booked.into_iter().map(at).take(bought as usize).collect();
            let card = Card { first_day: first, last_day: last, days_bought: bought, booked };
            let today = at(today_offset);
            let wanted: BTreeSet<NaiveDate> = wanted.into_iter().map(at).collect();
            if card.check_booking(&wanted, today).is_ok() {
                prop_assert!(!wanted.is_empty());
                prop_assert!(card.days_used() + wanted.len() as u32 <= bought);
                for day in &wanted {
                    prop_assert!(*day >= today && *day >= first && *day <= last);
                    prop_assert!(!card.booked.contains(day));
                }
            }
        }

        /// A pattern gives each matching day of the period once, as bookable or refused,
        /// and what it offers is a booking the rules accept (days left permitting).
        #[test]
        fn a_pattern_splits_its_days_and_offers_only_bookable_ones(
            bought in 1u32..400,
            booked in proptest::collection::btree_set(0i64..400, 0..10),
            weekdays in proptest::array::uniform7(proptest::bool::ANY),
            from_offset in -40i64..420,
            length in 0i64..450,
            today_offset in 0i64..380,
        ) {
            let first = d("2026-12-01");
            let last = d("2027-11-30");
            let at = |n: i64| first + chrono::Duration::days(n);
            let booked: BTreeSet<NaiveDate> = booked.into_iter().map(at).collect();
            let card = Card { first_day: first, last_day: last, days_bought: bought, booked };
            let today = at(today_offset);
            let (from, to) = (at(from_offset), at(from_offset + length));
            let p = card.pattern(&weekdays, from, to, today);
            let expected: Vec<NaiveDate> = from
                .iter_days()
                .take_while(|d| *d <= to)
                .filter(|d| *d >= first && *d <= last)
                .filter(|d| weekdays[d.weekday().num_days_from_monday() as usize])
                .collect();
            let mut got: Vec<NaiveDate> = p.days.iter().copied().chain(p.refused.iter().map(|r| r.0)).collect();
            got.sort();
            prop_assert_eq!(got, expected);
            for (day, why) in &p.refused {
                prop_assert!(!card.bookable(*day, today), "{} refused as {:?}", day, why);
            }
            if !p.days.is_empty() && p.days.len() as u32 <= card.days_left() {
                prop_assert!(card.check_booking(&p.days, today).is_ok());
            }
        }

        #[test]
        fn every_day_of_a_month_appears_once(y in 1990i32..2100, m in 1u32..=12) {
            let month = Month::of(NaiveDate::from_ymd_opt(y, m, 1).unwrap());
            let all: Vec<NaiveDate> = month.weeks.iter().flatten().flatten().copied().collect();
            let expected = month.last().day() as usize;
            prop_assert_eq!(all.len(), expected);
            for w in &month.weeks {
                for (col, day) in w.iter().enumerate() {
                    if let Some(day) = day {
                        prop_assert_eq!(day.weekday().num_days_from_monday() as usize, col);
                    }
                }
            }
        }
    }
}
