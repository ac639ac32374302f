//! Starting a payment attempt. The rules a new attempt must meet — the buyer's own permit,
//! waiting for payment, no other attempt open — are checked and the attempt written in one
//! transaction; the unique index on open attempts settles two at once (two clicks, two
//! instances): the second finds the first.

use chrono::Duration;

use crate::clock;
use crate::db::payments::{self as db_payments, NewPayment, PaymentRow};
use crate::db::permits::{self as db_permits, PermitRow};
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::payment::PaymentStatus;
use crate::domain::permit::State;
use crate::domain::{PermitId, UserId};

/// Whether the buyer may start paying this permit now.
pub enum Payable {
    Yes(Box<PermitRow>),
    /// An attempt is open already: that one is shown (or continued) instead.
    Pending(Box<PaymentRow>),
    NotPayable,
    NotFound,
}

pub fn payable(c: &mut DbConnection, id: PermitId, user: UserId) -> Result<Payable, DbError> {
    let Some(permit) = db_permits::owned(c, id, user)? else {
        return Ok(Payable::NotFound);
    };
    if permit.state != State::AwaitingPayment {
        return Ok(Payable::NotPayable);
    }
    if let Some(open) = db_payments::of_permit_in(c, id, PaymentStatus::Pending)? {
        return Ok(Payable::Pending(Box::new(open)));
    }
    Ok(Payable::Yes(Box::new(permit)))
}

/// A new attempt, as the provider knows it.
pub struct Attempt {
    /// "swish" or "card".
    pub method: &'static str,
    /// Our instruction id at Swish, or the provider's payment id.
    pub provider_ref: String,
    /// The payer's number (Swish to another phone), in E.164.
    pub payer_alias: Option<String>,
    /// Where the buyer continues: the card page, or the Swish app.
    pub redirect_url: Option<String>,
    /// When the poller first asks the provider.
    pub first_poll: Duration,
}

/// What starting an attempt came to.
pub enum Started {
    New(Box<(PaymentRow, PermitRow)>),
    /// Another attempt is open (a parallel click, or one started before).
    AlreadyPending(Box<PaymentRow>),
    NotPayable,
    NotFound,
}

/// Writes a new pending attempt and its history line, if the permit may be paid now.
pub fn start(
    c: &mut DbConnection,
    id: PermitId,
    user: UserId,
    attempt: Attempt,
) -> Result<Started, DbError> {
    let written = write_tx(c, |c| {
        let permit = match payable(c, id, user)? {
            Payable::Yes(p) => *p,
            Payable::Pending(open) => return Ok(Started::AlreadyPending(open)),
            Payable::NotPayable => return Ok(Started::NotPayable),
            Payable::NotFound => return Ok(Started::NotFound),
        };
        let now = clock::now();
        let payment = db_payments::insert(
            c,
            &NewPayment {
                permit_id: id,
                user_id: user,
                method: attempt.method.into(),
                provider_ref: attempt.provider_ref,
                amount_ore: permit.price_ore,
                payer_alias: attempt.payer_alias,
                status: PaymentStatus::Pending,
                next_poll_at: now + attempt.first_poll,
                created_at: now,
                updated_at: now,
                redirect_url: attempt.redirect_url,
            },
        )?;
        db_permits::add_event(
            c,
            id,
            Some(user),
            "payment",
            &format!("started {} {}", payment.provider_ref, payment.method),
            now,
        )?;
        Ok::<_, DbError>(Started::New(Box::new((payment, permit))))
    });
    match written {
        // The unique index on open attempts: a parallel click got there first.
        Err(e) if e.is_unique_violation() => {
            match db_payments::of_permit_in(c, id, PaymentStatus::Pending)? {
                Some(open) => Ok(Started::AlreadyPending(Box::new(open))),
                None => Err(e),
            }
        }
        other => other,
    }
}
