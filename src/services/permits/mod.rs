//! The rules of changing a permit, below the web layer and the actors: the changes there are
//! ([`PermitChange`]), what refuses them ([`RuleError`]), and [`apply`], which makes one
//! change in one transaction. Each change is one function: the customer's and the office's
//! in [`changes`], a payment's outcome in [`payment`]. The permit's actor only orders them
//! (one change at a time per permit); a version column makes a change that another instance
//! made meanwhile fail cleanly instead of being overwritten.

use crate::domain::UserId;
use crate::domain::{PaymentId, PermitId};
use std::collections::BTreeSet;

use actix::prelude::*;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::clock;
use crate::db::schema::{permits, temporary_regnrs};
use crate::db::{DbConnection, permits as db_permits};
use crate::db::{accounts, daycards, payments as db_payments, refunds};
use crate::domain::Money;
use crate::domain::RegNumber;
use crate::domain::daycard::{BookingError, CancelError, Card};
use crate::domain::permit::{Event, State, TransitionError, today};
use crate::domain::permit_actions::{self, Kind, PermitAction, Refusal};
use crate::i18n::Lang;
use crate::i18n::messages;
use crate::notify;
use crate::settings::Seller;

mod attachment;
mod changes;
mod payment;

pub use attachment::attach;

use self::changes::*;
use self::payment::*;

#[derive(Debug, Clone)]
pub enum PermitChange {
    SetRegnr(RegNumber),
    AddTemporary {
        regnr: RegNumber,
        from: NaiveDate,
        to: NaiveDate,
    },
    EndTemporary {
        temporary_id: crate::domain::ids::TemporaryId,
    },
    /// Book days of a day card for a number: all of them or none.
    BookDays {
        regnr: RegNumber,
        days: BTreeSet<NaiveDate>,
    },
    /// Give a future booked day back.
    CancelDay {
        day: NaiveDate,
    },
    /// The parking office rejects an application, with its reason.
    Reject {
        reason: String,
    },
    /// The parking office moves a permit's period.
    SetDates {
        start: NaiveDate,
        end: NaiveDate,
    },
    /// The parking office cancels a permit ("Makulerad"), refunding this much (öre) of its
    /// payment; the refund is written pending here and sent to the provider afterwards.
    Cancel {
        refund_ore: Option<i64>,
    },
    Transition {
        event: Event,
        detail: String,
    },
    /// "Ta bort beställningen": the buyer withdraws an order waiting for payment; it is
    /// cancelled and its held place goes.
    Withdraw,
    /// "Pausa tillståndet" from `from` to `to` (issue #39): the end moves later by its days.
    Pause {
        from: NaiveDate,
        to: NaiveDate,
    },
    /// "Avsluta pausen": the running or coming pause ends today; the days not used go back.
    EndPause,
    /// A payment attempt reached its final outcome: paid (permit paid, receipt written, the
    /// user told) or failed (the permit stays payable, the user told why).
    PaymentOutcome {
        payment_id: PaymentId,
        paid: bool,
        /// For a failure: declined, error, cancelled or timeout, and the provider's code.
        failure: Option<(crate::domain::payment::PaymentStatus, Option<String>)>,
    },
}

/// The error code of a payment charged after its permit stopped waiting for payment (it is
/// refunded in full).
pub const LATE_CHARGE: &str = "LATE_CHARGE";

/// The error code of a payment the buyer cancelled ("Avbryt och välj annat betalsätt"): no
/// message is sent about it, as the buyer is on the page.
pub const BUYER_CANCELLED: &str = "BUYER_CANCELLED";

/// A change asked of a permit. `owner`: when set, the permit must belong to that user
/// (customers); operators leave it unset. `by_user`: who asks, for the history.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<db_permits::PermitRow, PermitError>")]
pub struct ChangePermit {
    pub permit_id: PermitId,
    pub owner: Option<UserId>,
    pub by_user: Option<UserId>,
    pub change: PermitChange,
}

/// What every change may need of the configuration, given to the permit actors once at start.
#[derive(Debug, Clone)]
pub struct PermitConfig {
    /// The public URL, for links in the notifications a change sends.
    pub base_url: String,
    /// Who sells the permits (on receipts).
    pub seller: Seller,
    /// How long an unpaid permit in a car park with a capacity holds its place.
    pub hold_hours: i64,
}

/// A rule that refused the change; the web layer says it in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("the permit can no longer be changed")]
    NotChangeable,
    #[error("the temporary period must lie within the permit's period")]
    OutsidePeriod,
    #[error("the temporary period cannot start in the past")]
    InPast,
    #[error("the temporary period ends before it starts")]
    Backwards,
    #[error("there is already a temporary number")]
    OneAtATime,
    #[error("no such temporary number")]
    NoSuchTemporary,
    #[error(transparent)]
    Pause(#[from] crate::domain::pause::PauseError),
    #[error("the permit has no pause to end")]
    NoPause,
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("this is not a day card")]
    NotDayCard,
    #[error("the day card is not paid")]
    NotPaid,
    #[error(transparent)]
    Booking(#[from] BookingError),
    #[error(transparent)]
    Cancel(#[from] CancelError),
    #[error("the refund is larger than what is left of the payment")]
    RefundTooLarge,
    #[error("there is no paid payment to refund")]
    NothingPaid,
    /// No place is free in the car park for this type (an approval needs one).
    #[error("the car park is full")]
    Full,
    /// Not allowed for this kind of permit in its state (`domain::permit_actions`).
    #[error(transparent)]
    Refused(#[from] Refusal),
}

/// The action of the table (`domain::permit_actions`) a change is; `None`: a payment's
/// outcome, which the payment rules decide.
fn action_of(change: &PermitChange, by_office: bool) -> Option<PermitAction> {
    Some(match change {
        PermitChange::SetRegnr(_) if by_office => PermitAction::OfficeChange,
        PermitChange::SetRegnr(_) => PermitAction::ChangeRegnr,
        PermitChange::AddTemporary { .. } => PermitAction::TemporaryRegnr,
        PermitChange::EndTemporary { .. } => PermitAction::EndTemporary,
        PermitChange::BookDays { .. } => PermitAction::BookDays,
        PermitChange::CancelDay { .. } => PermitAction::CancelDay,
        PermitChange::Reject { .. } => PermitAction::OfficeReject,
        PermitChange::SetDates { .. } => PermitAction::OfficeChange,
        PermitChange::Cancel { .. } => PermitAction::OfficeCancel,
        PermitChange::Withdraw => PermitAction::Withdraw,
        PermitChange::Pause { .. } => PermitAction::Pause,
        PermitChange::EndPause => PermitAction::EndPause,
        PermitChange::Transition { event, .. } => match event {
            Event::Approve => PermitAction::OfficeApprove,
            Event::Reject => PermitAction::OfficeReject,
            Event::Cancel => PermitAction::OfficeCancel,
            Event::PaymentReceived => PermitAction::Pay,
        },
        PermitChange::PaymentOutcome { .. } => return None,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum PermitError {
    #[error("no such permit")]
    NotFound,
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error("the permit was changed at the same time; try again")]
    Conflict,
    #[error(transparent)]
    Db(crate::db::DbError),
    /// The permit's actor went away before it answered.
    #[error("permit actor: {0}")]
    Stopped(#[from] actix::MailboxError),
}

impl From<diesel::result::Error> for PermitError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match e {
            // Another instance wrote the same day (or used the last day) first.
            Error::DatabaseError(Kind::UniqueViolation | Kind::CheckViolation, _) => {
                PermitError::Conflict
            }
            e => PermitError::Db(e.into()),
        }
    }
}

impl From<crate::db::DbError> for PermitError {
    fn from(e: crate::db::DbError) -> Self {
        match e {
            crate::db::DbError::Query(e) => e.into(),
            e => PermitError::Db(e),
        }
    }
}

/// The permit a change is made to, as read in the change's transaction.
#[derive(Clone, Copy)]
pub(super) struct Target<'a> {
    pub(super) p: &'a db_permits::PermitRow,
    pub(super) state: State,
    /// A change by the parking office (not the customer, not the payment poller): it is
    /// told to the customer and audited.
    pub(super) by_office: bool,
    pub(super) now: NaiveDateTime,
    pub(super) today: NaiveDate,
    pub(super) msg: &'a ChangePermit,
    pub(super) cfg: &'a PermitConfig,
}

/// What a change wrote, for the permit's history: its kind and detail; `None` when there was
/// nothing to do.
pub(super) type Applied = Result<Option<(&'static str, String)>, PermitError>;

/// Applies one change in one transaction: reads the permit, checks the table of permit
/// actions, hands the change to its function, then writes the history (and the audit row for
/// an office change) and bumps the version. Pure rules come from `domain`.
pub fn apply(
    conn: &mut DbConnection,
    cfg: &PermitConfig,
    msg: &ChangePermit,
) -> Result<db_permits::PermitRow, PermitError> {
    crate::db::write_tx(conn, |c| {
        let now = clock::now();
        let today = today(chrono::Utc::now());
        let p = match msg.owner {
            Some(owner) => db_permits::owned(c, msg.permit_id, owner)?,
            None => db_permits::by_id(c, msg.permit_id)?,
        }
        .ok_or(PermitError::NotFound)?;
        let state = p.state;
        // A change by the parking office (not the customer, not the payment poller) is told
        // to the customer.
        let by_office = msg.owner.is_none() && msg.by_user.is_some();
        let permit_kind = p.kind;
        if let Some(action) = action_of(&msg.change, by_office) {
            permit_actions::allowed(action, permit_kind, state).map_err(RuleError::from)?;
        }
        let t = Target {
            p: &p,
            state,
            by_office,
            now,
            today,
            msg,
            cfg,
        };
        let applied = match &msg.change {
            PermitChange::SetRegnr(regnr) => set_regnr(c, &t, regnr),
            PermitChange::AddTemporary { regnr, from, to } => add_temporary(c, &t, regnr, from, to),
            PermitChange::EndTemporary { temporary_id } => end_temporary(c, &t, temporary_id),
            PermitChange::BookDays { regnr, days } => book_days(c, &t, regnr, days),
            PermitChange::CancelDay { day } => cancel_day(c, &t, day),
            PermitChange::PaymentOutcome {
                payment_id,
                paid,
                failure,
            } => payment_outcome(c, &t, payment_id, paid, failure),
            PermitChange::Reject { reason } => reject(c, &t, reason),
            PermitChange::SetDates { start, end } => set_dates(c, &t, start, end),
            PermitChange::Cancel { refund_ore } => cancel(c, &t, refund_ore),
            PermitChange::Transition { event, detail } => transition(c, &t, event, detail),
            PermitChange::Withdraw => transition(c, &t, &Event::Cancel, "withdrawn by the buyer"),
            PermitChange::Pause { from, to } => pause(c, &t, *from, *to),
            PermitChange::EndPause => end_pause(c, &t),
        }?;
        // Nothing to do (a payment outcome recorded already): the permit as it is.
        let Some((kind, detail)) = applied else {
            return db_permits::by_id(c, p.id)?.ok_or(PermitError::NotFound);
        };
        db_permits::add_event(c, p.id, msg.by_user, kind, &detail, now)?;
        if by_office {
            let after = db_permits::by_id(c, p.id)?.ok_or(PermitError::NotFound)?;
            crate::db::audit::record(
                c,
                msg.by_user,
                &format!("permit.{kind}"),
                &format!("permit:{}", p.id),
                Some(&summary(&p)),
                Some(&format!("{}; {detail}", summary(&after))),
                now,
            )?;
        }
        if !db_permits::bump_version(c, p.id, p.version, now)? {
            return Err(PermitError::Conflict);
        }
        db_permits::by_id(c, p.id)?.ok_or(PermitError::NotFound)
    })
}

/// A permit's state in one line, for the audit log's before and after.
pub(super) fn summary(p: &db_permits::PermitRow) -> String {
    format!(
        "state={} regnr={} period={}..{} days_used={}",
        p.state.as_str(),
        p.regnr,
        p.start_date,
        p.end_date,
        p.days_used
    )
}

/// Notifies the permit's owner on their channels, with a link to the permit.
pub fn tell_owner(
    c: &mut DbConnection,
    p: &db_permits::PermitRow,
    kind: &str,
    base_url: &str,
    message: impl FnOnce(Lang, &str, &str) -> messages::Message,
) -> Result<(), PermitError> {
    if let Some(user) = accounts::user_by_id(c, p.user_id)? {
        let lang = Lang::parse(&user.language).unwrap_or_default();
        let link = format!("{base_url}/permits/{}", p.id);
        let m = message(lang, &user.name, &link);
        notify::queue(c, &user, kind, m, clock::now())?;
    }
    Ok(())
}

/// The day card's rules, read from its rows (within the change's transaction).
pub(super) fn day_card(
    c: &mut DbConnection,
    p: &db_permits::PermitRow,
    state: State,
) -> Result<Card, PermitError> {
    if p.kind != Kind::Day {
        return Err(RuleError::NotDayCard.into());
    }
    if state != State::Paid {
        return Err(RuleError::NotPaid.into());
    }
    let booked = daycards::sessions(c, p.id)?
        .into_iter()
        .map(|s| s.day)
        .collect();
    Ok(Card {
        first_day: p.start_date,
        last_day: p.end_date,
        days_bought: u32::try_from(p.days_bought.unwrap_or(0)).unwrap_or(0),
        booked,
    })
}
