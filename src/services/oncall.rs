//! On-call parking ("Jourparkering", issue #39): an employee called in at night starts a pass
//! that is valid at once, for the type's hours, in one car park; a number of passes a calendar
//! month (Swedish time). One transaction a pass, with the user's row locked: two taps at once,
//! or on two instances, make one pass.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use crate::db::oncall::{self, NewPass, OnCallTypeRow, PassRow};
use crate::db::{DbConnection, write_tx};
use crate::domain::{RegNumber, UserId};

#[derive(Debug, thiserror::Error)]
pub enum OnCallError {
    #[error("on-call parking is not offered")]
    NotOffered,
    #[error("on-call parking is for employees")]
    NotEmployee,
    #[error("no such car park")]
    CarPark,
    #[error("the passes of this month are used")]
    MonthUsed,
    #[error("a priced on-call type is not payable yet")]
    Priced,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// The first moment of the calendar month (Swedish time) of `day`, as stored (UTC).
pub fn month_start(day: NaiveDate) -> NaiveDateTime {
    let first = NaiveDate::from_ymd_opt(day.year(), day.month(), 1).unwrap_or(day);
    crate::clock::local_midnight_utc(first)
}

/// What the on-call page and Hem show an employee: the type, this month's passes (Swedish
/// time), the pass running now (perhaps begun last month) and the number last used.
pub struct Standing {
    pub kind: OnCallTypeRow,
    pub used: i64,
    pub running: Option<PassRow>,
    pub last_regnr: Option<String>,
}

impl Standing {
    /// Passes left this month.
    pub fn left(&self) -> i64 {
        (i64::from(self.kind.passes_per_month) - self.used).max(0)
    }
}

pub fn standing(
    c: &mut DbConnection,
    user: UserId,
    now: NaiveDateTime,
    today: NaiveDate,
) -> diesel::QueryResult<Option<Standing>> {
    let Some(kind) = oncall::active_type(c)? else {
        return Ok(None);
    };
    let start = month_start(today);
    // A pass begun late on the last day of last month may still run: read a day further back.
    let recent = oncall::of_user_since(c, user, start - Duration::hours(24))?;
    Ok(Some(Standing {
        kind,
        used: recent.iter().filter(|p| p.starts_at >= start).count() as i64,
        running: recent.into_iter().find(|p| p.running(now)),
        last_regnr: oncall::last_regnr(c, user)?,
    }))
}

/// "Starta jourparkering": a pass from `now` for the type's hours; the running pass again if
/// there is one (a second tap). Refused over the month's passes.
pub fn start(
    c: &mut DbConnection,
    user: UserId,
    employee: bool,
    car_park: crate::domain::CarParkId,
    regnr: &RegNumber,
    now: NaiveDateTime,
    today: NaiveDate,
) -> Result<PassRow, OnCallError> {
    write_tx(c, |c| {
        if !employee {
            return Err(OnCallError::NotEmployee);
        }
        let kind = oncall::active_type(c)?.ok_or(OnCallError::NotOffered)?;
        if kind.price_ore > 0 {
            return Err(OnCallError::Priced);
        }
        if !crate::db::catalogue::active_car_parks(c)?
            .iter()
            .any(|p| p.id == car_park)
        {
            return Err(OnCallError::CarPark);
        }
        // One at a time per user, on every instance.
        crate::db::permits::lock_user(c, user)?;
        let recent = oncall::of_user_since(c, user, month_start(today) - Duration::hours(24))?;
        if let Some(running) = recent.iter().find(|p| p.running(now)) {
            return Ok(running.clone());
        }
        let used = recent
            .iter()
            .filter(|p| p.starts_at >= month_start(today))
            .count();
        if used as i64 >= i64::from(kind.passes_per_month) {
            return Err(OnCallError::MonthUsed);
        }
        oncall::insert(
            c,
            &NewPass {
                user,
                type_id: kind.id,
                car_park,
                regnr: regnr.as_str(),
                starts_at: now,
                ends_at: now + Duration::hours(i64::from(kind.pass_hours)),
            },
        )?;
        let made = oncall::of_user_since(c, user, now)?;
        made.into_iter()
            .find(|p| p.running(now))
            .ok_or(OnCallError::Db(diesel::result::Error::NotFound))
    })
}
