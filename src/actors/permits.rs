//! The permit actors. Every change to a permit (registration number, temporary number, state
//! changes from payment or operator) is a message to the permit's actor, so the changes to one
//! permit are applied one at a time, each in one transaction. A version column makes a change
//! that another instance made meanwhile fail cleanly instead of being overwritten.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use actix::prelude::*;
use chrono::NaiveDate;
use diesel::prelude::*;

use crate::clock;
use crate::db::schema::{permits, temporary_regnrs};
use crate::db::{DbConnection, Pool, permits as db_permits};
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

/// How long an idle permit actor stays before it stops (it starts again on demand).
const IDLE_STOP: Duration = Duration::from_secs(120);

#[derive(Debug, Clone)]
pub enum PermitChange {
    SetRegnr(RegNumber),
    AddTemporary {
        regnr: RegNumber,
        from: NaiveDate,
        to: NaiveDate,
    },
    EndTemporary {
        temporary_id: i64,
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
    /// A payment attempt reached its final outcome: paid (permit paid, receipt written, the
    /// user told) or failed (the permit stays payable, the user told why).
    PaymentOutcome {
        payment_id: i64,
        paid: bool,
        /// For a failure: declined, error, cancelled or timeout, and the provider's code.
        failure: Option<(String, Option<String>)>,
        seller: Seller,
        base_url: String,
    },
}

/// The error code of a payment charged after its permit stopped waiting for payment (it is
/// refunded in full).
pub const LATE_CHARGE: &str = "LATE_CHARGE";

/// A change asked of a permit. `owner`: when set, the permit must belong to that user
/// (customers); operators leave it unset. `by_user`: who asks, for the history.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<db_permits::PermitRow, PermitError>")]
pub struct ChangePermit {
    pub permit_id: i64,
    pub owner: Option<i64>,
    pub by_user: Option<i64>,
    pub change: PermitChange,
    /// The public URL, for links in the notifications a change sends ("" when it sends none).
    pub base_url: String,
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
    Internal(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for PermitError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match e {
            // Another instance wrote the same day (or used the last day) first.
            Error::DatabaseError(Kind::UniqueViolation | Kind::CheckViolation, _) => {
                PermitError::Conflict
            }
            e => PermitError::Internal(e.into()),
        }
    }
}

/// Applies one change in one transaction. Pure rules come from `domain::permit`.
pub fn apply(
    conn: &mut DbConnection,
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
        let state =
            State::parse(&p.state).ok_or_else(|| anyhow::anyhow!("unknown state {}", p.state))?;
        // A change by the parking office (not the customer, not the payment poller) is told
        // to the customer.
        let by_office = msg.owner.is_none() && msg.by_user.is_some();
        let permit_kind =
            Kind::parse(&p.kind).ok_or_else(|| anyhow::anyhow!("unknown kind {}", p.kind))?;
        if let Some(action) = action_of(&msg.change, by_office) {
            permit_actions::allowed(action, permit_kind, state).map_err(RuleError::from)?;
        }
        let (kind, detail) = match &msg.change {
            PermitChange::SetRegnr(regnr) => {
                if !state.allows_changes() {
                    return Err(RuleError::NotChangeable.into());
                }
                diesel::update(permits::table.find(p.id))
                    .set((
                        permits::regnr.eq(regnr.as_str()),
                        permits::foreign_plate.eq(regnr.is_foreign()),
                    ))
                    .execute(c)?;
                if by_office {
                    tell_owner(
                        c,
                        &p,
                        "permit_changed",
                        base_url(msg),
                        |lang, name, link| {
                            let new = regnr.to_string();
                            let change = messages::Change::Regnr(&new);
                            messages::permit_change(lang, name, &p.regnr, change, link)
                        },
                    )?;
                }
                ("regnr", format!("{} → {}", p.regnr, regnr))
            }
            PermitChange::AddTemporary { regnr, from, to } => {
                if !state.allows_changes() {
                    return Err(RuleError::NotChangeable.into());
                }
                if to < from {
                    return Err(RuleError::Backwards.into());
                }
                if *from < today {
                    return Err(RuleError::InPast.into());
                }
                if *from < p.start_date || *to > p.end_date {
                    return Err(RuleError::OutsidePeriod.into());
                }
                let current: i64 = temporary_regnrs::table
                    .filter(temporary_regnrs::permit_id.eq(p.id))
                    .filter(temporary_regnrs::ended_at.is_null())
                    .filter(temporary_regnrs::to_date.ge(today))
                    .count()
                    .get_result(c)?;
                if current > 0 {
                    return Err(RuleError::OneAtATime.into());
                }
                diesel::insert_into(temporary_regnrs::table)
                    .values((
                        temporary_regnrs::permit_id.eq(p.id),
                        temporary_regnrs::regnr.eq(regnr.as_str()),
                        temporary_regnrs::foreign_plate.eq(regnr.is_foreign()),
                        temporary_regnrs::from_date.eq(from),
                        temporary_regnrs::to_date.eq(to),
                        temporary_regnrs::created_at.eq(now),
                    ))
                    .execute(c)?;
                ("temporary", format!("{regnr} {from} – {to}"))
            }
            PermitChange::EndTemporary { temporary_id } => {
                let n = diesel::update(
                    temporary_regnrs::table
                        .find(temporary_id)
                        .filter(temporary_regnrs::permit_id.eq(p.id))
                        .filter(temporary_regnrs::ended_at.is_null()),
                )
                .set(temporary_regnrs::ended_at.eq(now))
                .execute(c)?;
                if n != 1 {
                    return Err(RuleError::NoSuchTemporary.into());
                }
                ("temporary_ended", temporary_id.to_string())
            }
            PermitChange::BookDays { regnr, days } => {
                let card = day_card(c, &p, state)?;
                card.check_booking(days, today).map_err(RuleError::from)?;
                let list: Vec<NaiveDate> = days.iter().copied().collect();
                daycards::book(c, p.id, &list, regnr.as_str(), regnr.is_foreign(), now)?;
                let shown: Vec<String> = list.iter().map(ToString::to_string).collect();
                ("session", format!("{regnr}: {}", shown.join(", ")))
            }
            PermitChange::CancelDay { day } => {
                let card = day_card(c, &p, state)?;
                card.check_cancel(*day, today).map_err(RuleError::from)?;
                if !daycards::cancel(c, p.id, *day)? {
                    return Err(RuleError::from(CancelError::NotBooked).into());
                }
                ("session_cancelled", day.to_string())
            }
            PermitChange::PaymentOutcome {
                payment_id,
                paid,
                failure,
                seller,
                base_url,
            } => {
                let payment = db_payments::by_id(c, *payment_id)?
                    .filter(|pay| pay.permit_id == p.id)
                    .ok_or(PermitError::NotFound)?;
                let user = accounts::user_by_id(c, p.user_id)?;
                let lang = user
                    .as_ref()
                    .and_then(|u| Lang::parse(&u.language))
                    .unwrap_or_default();
                let link = format!("{base_url}/permits/{}", p.id);
                let takes_payment = state == State::AwaitingPayment
                    && db_payments::paid_for_permit(c, p.id)?.is_none();
                if *paid && !takes_payment {
                    // Charged after the permit stopped waiting for payment (cancelled
                    // meanwhile, or paid another way): the whole charge goes back, at once.
                    // The attempt ends (not "paid": the permit is not paid by it) with a
                    // refund row that the poller sends to the provider.
                    if !db_payments::finish(c, payment.id, "cancelled", Some(LATE_CHARGE), now)? {
                        return db_permits::by_id(c, p.id)?.ok_or(PermitError::NotFound);
                    }
                    let instruction = crate::payments::swish::new_instruction_id();
                    refunds::insert(
                        c,
                        payment.id,
                        p.id,
                        payment.amount_ore,
                        &instruction,
                        None,
                        now,
                    )?;
                    let total = Money::from_ore(payment.amount_ore);
                    tell_owner(c, &p, "permit_changed", base_url, |lang, name, link| {
                        let change = messages::Change::LateCharge(total);
                        messages::permit_change(lang, name, &p.regnr, change, link)
                    })?;
                    (
                        "payment",
                        format!(
                            "charged {} ({}) after the permit stopped waiting for payment; \
                             refund {total} written",
                            payment.provider_ref, payment.method
                        ),
                    )
                } else if *paid {
                    // Compare-and-set from pending: a second callback, poll or instance finds
                    // nothing to do. The unique index allows one paid attempt per permit.
                    if !db_payments::finish(c, payment.id, "paid", None, now)? {
                        return db_permits::by_id(c, p.id)?.ok_or(PermitError::NotFound);
                    }
                    let next = state
                        .apply(Event::PaymentReceived)
                        .map_err(RuleError::from)?;
                    diesel::update(permits::table.find(p.id))
                        .set(permits::state.eq(next.as_str()))
                        .execute(c)?;
                    let total = Money::from_ore(payment.amount_ore);
                    let vat = total.vat_included(i64::from(p.vat_basis_points));
                    let number = db_payments::next_receipt_number(c)?;
                    let item = match &p.package_name_sv {
                        Some(pkg) => format!("{}, {pkg}", p.type_name_sv),
                        None => format!("{}, {} dagar", p.type_name_sv, p.days_bought.unwrap_or(0)),
                    };
                    db_payments::insert_receipt(
                        c,
                        &db_payments::NewReceipt {
                            number,
                            payment_id: payment.id,
                            permit_id: p.id,
                            issued_at: now,
                            seller_name: seller.name.clone(),
                            seller_address: seller.address.clone(),
                            seller_org_no: seller.org_no.clone(),
                            item,
                            period: format!("{} – {}", p.start_date, p.end_date),
                            regnr: p.regnr.clone(),
                            net_ore: total.ore() - vat.ore(),
                            vat_basis_points: p.vat_basis_points,
                            vat_ore: vat.ore(),
                            total_ore: total.ore(),
                            method: payment.method.clone(),
                            provider_ref: payment.provider_ref.clone(),
                        },
                    )?;
                    if let Some(u) = &user {
                        let receipt_link = format!("{link}/receipt");
                        notify::queue(
                            c,
                            u,
                            "payment_received",
                            messages::payment_received(
                                lang,
                                &u.name,
                                &p.regnr,
                                total,
                                number,
                                &receipt_link,
                            ),
                            now,
                        )?;
                    }
                    (
                        "payment",
                        format!(
                            "paid {} ({}), receipt {number}",
                            payment.provider_ref, payment.method
                        ),
                    )
                } else {
                    let (status, code) = failure.clone().unwrap_or(("error".into(), None));
                    if !db_payments::finish(c, payment.id, &status, code.as_deref(), now)? {
                        return db_permits::by_id(c, p.id)?.ok_or(PermitError::NotFound);
                    }
                    if let Some(u) = &user {
                        notify::queue(
                            c,
                            u,
                            "payment_failed",
                            messages::payment_failed(lang, &u.name, &p.regnr, &link),
                            now,
                        )?;
                    }
                    (
                        "payment",
                        format!(
                            "{status} {} {}",
                            payment.provider_ref,
                            code.unwrap_or_default()
                        ),
                    )
                }
            }
            PermitChange::Reject { reason } => {
                let next = state.apply(Event::Reject).map_err(RuleError::from)?;
                diesel::update(permits::table.find(p.id))
                    .set((
                        permits::state.eq(next.as_str()),
                        permits::reject_reason.eq(reason),
                    ))
                    .execute(c)?;
                tell_owner(
                    c,
                    &p,
                    "application_rejected",
                    base_url(msg),
                    |lang, name, link| {
                        messages::application_rejected(lang, name, &p.regnr, reason, link)
                    },
                )?;
                (
                    "state",
                    format!("{} → {}: {reason}", state.as_str(), next.as_str()),
                )
            }
            PermitChange::SetDates { start, end } => {
                if !state.allows_changes() {
                    return Err(RuleError::NotChangeable.into());
                }
                if end < start {
                    return Err(RuleError::Backwards.into());
                }
                diesel::update(permits::table.find(p.id))
                    .set((permits::start_date.eq(start), permits::end_date.eq(end)))
                    .execute(c)?;
                tell_owner(
                    c,
                    &p,
                    "permit_changed",
                    base_url(msg),
                    |lang, name, link| {
                        let change = messages::Change::Period(*start, *end);
                        messages::permit_change(lang, name, &p.regnr, change, link)
                    },
                )?;
                (
                    "dates",
                    format!("{} – {} → {start} – {end}", p.start_date, p.end_date),
                )
            }
            PermitChange::Cancel { refund_ore } => {
                let next = state.apply(Event::Cancel).map_err(RuleError::from)?;
                diesel::update(permits::table.find(p.id))
                    .set(permits::state.eq(next.as_str()))
                    .execute(c)?;
                let mut detail = format!("{} → {}", state.as_str(), next.as_str());
                let refund = match refund_ore.filter(|n| *n > 0) {
                    None => None,
                    Some(ore) => {
                        let paid =
                            db_payments::paid_for_permit(c, p.id)?.ok_or(RuleError::NothingPaid)?;
                        let committed = refunds::committed_for_payment(c, paid.id)?;
                        if committed + ore > paid.amount_ore {
                            return Err(RuleError::RefundTooLarge.into());
                        }
                        let instruction = crate::payments::swish::new_instruction_id();
                        refunds::insert(c, paid.id, p.id, ore, &instruction, msg.by_user, now)?;
                        detail.push_str(&format!(", refund {}", Money::from_ore(ore)));
                        Some(Money::from_ore(ore))
                    }
                };
                tell_owner(
                    c,
                    &p,
                    "permit_changed",
                    base_url(msg),
                    |lang, name, link| {
                        let change = messages::Change::Cancelled(refund);
                        messages::permit_change(lang, name, &p.regnr, change, link)
                    },
                )?;
                ("state", detail)
            }
            PermitChange::Transition { event, detail } => {
                let next = state.apply(*event).map_err(RuleError::from)?;
                diesel::update(permits::table.find(p.id))
                    .set(permits::state.eq(next.as_str()))
                    .execute(c)?;
                if by_office && *event == Event::Approve {
                    tell_owner(
                        c,
                        &p,
                        "application_approved",
                        base_url(msg),
                        |lang, name, link| {
                            messages::application_approved(lang, name, &p.regnr, link)
                        },
                    )?;
                }
                (
                    "state",
                    format!("{} → {}: {detail}", state.as_str(), next.as_str()),
                )
            }
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
fn summary(p: &db_permits::PermitRow) -> String {
    format!(
        "state={} regnr={} period={}..{} days_used={}",
        p.state, p.regnr, p.start_date, p.end_date, p.days_used
    )
}

/// Where links in notifications point (the public URL), carried by the change.
fn base_url(msg: &ChangePermit) -> &str {
    &msg.base_url
}

/// Notifies the permit's owner on their channels, with a link to the permit.
fn tell_owner(
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
fn day_card(
    c: &mut DbConnection,
    p: &db_permits::PermitRow,
    state: State,
) -> Result<Card, PermitError> {
    if p.kind != "day" {
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

pub struct PermitActor {
    pool: Pool,
    last_used: Instant,
}

impl Actor for PermitActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(IDLE_STOP / 2, |act, ctx| {
            if act.last_used.elapsed() > IDLE_STOP {
                ctx.stop();
            }
        });
    }
}

impl Handler<ChangePermit> for PermitActor {
    type Result = AtomicResponse<Self, Result<db_permits::PermitRow, PermitError>>;

    fn handle(&mut self, msg: ChangePermit, _: &mut Self::Context) -> Self::Result {
        self.last_used = Instant::now();
        let pool = self.pool.clone();
        // Atomic: the next message for this permit waits until this change is written.
        AtomicResponse::new(Box::pin(
            async move {
                actix_web::web::block(move || {
                    let mut conn = pool.get().map_err(|e| PermitError::Internal(e.into()))?;
                    apply(&mut conn, &msg)
                })
                .await
                .map_err(|e| PermitError::Internal(e.into()))?
            }
            .into_actor(self),
        ))
    }
}

/// Finds (or starts) the actor of a permit and hands it the change.
pub struct PermitRegistry {
    pool: Pool,
    actors: HashMap<i64, Addr<PermitActor>>,
}

impl PermitRegistry {
    pub fn new(pool: Pool) -> Self {
        PermitRegistry {
            pool,
            actors: HashMap::new(),
        }
    }
}

impl Actor for PermitRegistry {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(IDLE_STOP, |act, _| act.actors.retain(|_, a| a.connected()));
    }
}

impl Handler<ChangePermit> for PermitRegistry {
    type Result = ResponseFuture<Result<db_permits::PermitRow, PermitError>>;

    fn handle(&mut self, msg: ChangePermit, _: &mut Self::Context) -> Self::Result {
        let pool = self.pool.clone();
        let addr = self
            .actors
            .entry(msg.permit_id)
            .and_modify(|a| {
                if !a.connected() {
                    *a = PermitActor {
                        pool: pool.clone(),
                        last_used: Instant::now(),
                    }
                    .start();
                }
            })
            .or_insert_with(|| {
                PermitActor {
                    pool,
                    last_used: Instant::now(),
                }
                .start()
            })
            .clone();
        Box::pin(async move {
            addr.send(msg)
                .await
                .map_err(|e| PermitError::Internal(anyhow::anyhow!("permit actor: {e}")))?
        })
    }
}
