//! Why a number is not valid today, as the check can tell from the permits that name it.

use chrono::NaiveDate;

/// The first reason that applies, in the order a driver would want to hear them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotValid {
    /// A paid day card with this number covers today, but no day is booked for today.
    DayNotBooked,
    /// A paid permit with this number covers today, but a temporary number parks instead.
    TemporaryInstead {
        regnr: String,
        to: NaiveDate,
    },
    /// A paid period permit with this number covers today, but it is paused until then.
    Paused(NaiveDate),
    AwaitingPayment,
    AwaitingApproval,
    /// A paid permit with this number starts later.
    NotYet(NaiveDate),
    /// The latest paid permit with this number ended.
    Ended(NaiveDate),
    /// Only cancelled or rejected permits name this number.
    Cancelled,
    /// No permit names this number.
    Unknown,
}
