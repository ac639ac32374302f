//! Pausing a paid monthly or yearly permit ("Pausa tillståndet", issue #39): during parental
//! or sick leave the permit is not valid, its place stays held, and its end moves later by the
//! paused days; "Avsluta pausen" gives back the days not used. Pure: the service reads the
//! permit and its pauses, asks here, and writes what comes back in one transaction.

use chrono::NaiveDate;

/// The shortest pause, in days.
pub const MIN_DAYS: i64 = 7;
/// The longest pause: 12 months, in days.
pub const MAX_DAYS: i64 = 366;

/// A pause as stored: its first and last paused day (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Pause {
    /// Its days (0 for a pause ended before it began).
    pub fn days(&self) -> i64 {
        ((self.to - self.from).num_days() + 1).max(0)
    }

    pub fn covers(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

/// Why a pause is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PauseError {
    #[error("the type does not allow pauses")]
    NotAllowed,
    #[error("a pause starts today at the earliest")]
    InThePast,
    #[error("the pause must lie within the permit's period")]
    OutsidePeriod,
    #[error("a pause is 7 days to 12 months")]
    Length,
    #[error("at most {0} pauses in 12 months")]
    TooMany(i32),
    #[error("the permit has a pause at that time already")]
    Overlaps,
}

/// What a pause asks of the permit as it is.
pub struct Ask<'a> {
    pub today: NaiveDate,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Pauses the permit's type allows in 12 months (0: none).
    pub max_per_year: i32,
    /// The permit's pauses made in the last 12 months.
    pub made_last_year: i64,
    /// The permit's pauses that still have days (not ended before they began).
    pub pauses: &'a [Pause],
}

/// The pause `from`–`to` checked; the permit's new last day (later by the paused days).
pub fn pause(ask: &Ask, from: NaiveDate, to: NaiveDate) -> Result<NaiveDate, PauseError> {
    if ask.max_per_year <= 0 {
        return Err(PauseError::NotAllowed);
    }
    if from < ask.today {
        return Err(PauseError::InThePast);
    }
    let wanted = Pause { from, to };
    if !(MIN_DAYS..=MAX_DAYS).contains(&wanted.days()) || to < from {
        return Err(PauseError::Length);
    }
    if from < ask.start || from > ask.end {
        return Err(PauseError::OutsidePeriod);
    }
    if ask.made_last_year >= i64::from(ask.max_per_year) {
        return Err(PauseError::TooMany(ask.max_per_year));
    }
    if ask
        .pauses
        .iter()
        .any(|p| p.days() > 0 && p.from <= to && from <= p.to)
    {
        return Err(PauseError::Overlaps);
    }
    Ok(ask.end + chrono::Duration::days(wanted.days()))
}

/// "Avsluta pausen" on `today`: the pause as it now reads (its last day yesterday, or nothing
/// if it had not begun) and the permit's new last day (earlier by the days given back).
/// `None` when the pause is over already.
pub fn end(p: Pause, end: NaiveDate, today: NaiveDate) -> Option<(Pause, NaiveDate)> {
    if p.to < today || p.days() == 0 {
        return None;
    }
    let last_paused = (today - chrono::Duration::days(1)).max(p.from - chrono::Duration::days(1));
    let ended = Pause {
        from: p.from,
        to: last_paused,
    };
    let given_back = p.days() - ended.days();
    Some((ended, end - chrono::Duration::days(given_back)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn ask(pauses: &[Pause]) -> Ask<'_> {
        Ask {
            today: d("2027-01-10"),
            start: d("2027-01-01"),
            end: d("2027-12-31"),
            max_per_year: 2,
            made_last_year: pauses.len() as i64,
            pauses,
        }
    }

    #[test]
    fn the_rules_one_by_one() {
        let a = ask(&[]);
        assert_eq!(
            pause(&a, d("2027-02-01"), d("2027-02-28")),
            Ok(d("2028-01-28"))
        );
        assert_eq!(
            pause(&a, d("2027-01-09"), d("2027-02-28")),
            Err(PauseError::InThePast)
        );
        assert_eq!(
            pause(&a, d("2027-02-01"), d("2027-02-06")),
            Err(PauseError::Length)
        );
        assert_eq!(
            pause(&a, d("2027-02-01"), d("2028-02-02")),
            Err(PauseError::Length)
        );
        assert_eq!(
            pause(&a, d("2028-01-02"), d("2028-02-02")),
            Err(PauseError::OutsidePeriod)
        );
        let one = [Pause {
            from: d("2027-03-01"),
            to: d("2027-03-31"),
        }];
        assert_eq!(
            pause(&ask(&one), d("2027-03-20"), d("2027-04-20")),
            Err(PauseError::Overlaps)
        );
        let two = [
            one[0],
            Pause {
                from: d("2027-05-01"),
                to: d("2027-05-31"),
            },
        ];
        assert_eq!(
            pause(&ask(&two), d("2027-07-01"), d("2027-07-31")),
            Err(PauseError::TooMany(2))
        );
        let none = Ask {
            max_per_year: 0,
            ..ask(&[])
        };
        assert_eq!(
            pause(&none, d("2027-02-01"), d("2027-02-28")),
            Err(PauseError::NotAllowed)
        );
    }

    #[test]
    fn ending_gives_back_the_days_not_used() {
        let p = Pause {
            from: d("2027-02-01"),
            to: d("2027-02-28"),
        };
        // Ended on its 10th day: 9 days paused, 19 given back.
        let (ended, new_end) = end(p, d("2028-01-28"), d("2027-02-10")).unwrap();
        assert_eq!(
            ended,
            Pause {
                from: d("2027-02-01"),
                to: d("2027-02-09")
            }
        );
        assert_eq!(new_end, d("2028-01-09"));
        // Ended before it began: nothing paused, all given back.
        let (ended, new_end) = end(p, d("2028-01-28"), d("2027-01-20")).unwrap();
        assert_eq!(ended.days(), 0);
        assert_eq!(new_end, d("2027-12-31"));
        assert_eq!(
            end(p, d("2028-01-28"), d("2027-03-01")),
            None,
            "over already"
        );
    }

    proptest! {
        /// Never a day lost or gained: after a pause and its end on any day, the permit's end
        /// is later than at first by exactly the days that were paused.
        #[test]
        fn never_a_day_lost_or_gained(start in 0i64..60, len in 7i64..366, ended in -10i64..400) {
            let a = ask(&[]);
            let from = a.today + chrono::Duration::days(start);
            let to = from + chrono::Duration::days(len - 1);
            let after = pause(&a, from, to).unwrap();
            prop_assert_eq!((after - a.end).num_days(), len);
            let day = a.today + chrono::Duration::days(ended);
            let p = Pause { from, to };
            match end(p, after, day) {
                Some((kept, last)) => {
                    prop_assert_eq!((last - a.end).num_days(), kept.days());
                    prop_assert!(!kept.covers(day), "valid again from the day it ends");
                }
                None => prop_assert!(day > to),
            }
        }
    }
}
