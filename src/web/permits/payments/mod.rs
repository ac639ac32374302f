//! "Betalsida": paying a permit that waits for payment, the progress while the provider
//! answers, cancelling an attempt, and the providers' callbacks. Card specifics are in
//! [`card`], what is drawn in [`view`].

mod card;
mod view;

pub use card::{card_return, nexi_webhook};
pub use view::{done, failure_text, section};

use crate::web::ctx::UserCtx;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::actors::{ChangePermit, PermitChange};
use crate::auth::SessionUser;
use crate::clock;
use crate::db::payments::{self as db_payments, PaymentRow};
use crate::db::{self, permits as db_permits};
use crate::domain::payment::PaymentStatus;
use crate::domain::{MobileNumber, Money, PaymentId, PermitId, UserId};
use crate::payments::swish::{SwishError, SwishStatus, new_instruction_id};
use crate::services::payments::{self as pay_service, Attempt, Started};
use crate::services::permits::BUYER_CANCELLED;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, Reply};
use crate::web::forms::{CsrfForm, CsrfOnly};
use crate::web::respond::see_other;

type Data = web::Data<AppState>;

/// The permit page, opened on the attempt `payment` (its outcome, or its waiting panel).
fn permit_at(id: PermitId, payment: PaymentId) -> String {
    format!("/permits/{id}?payment={payment}")
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PayForm {
    /// "swish" (to the number given), "swish_app" (Swish on this phone) or "card".
    method: String,
    swish_number: String,
}

pub async fn pay(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    id: web::Path<PermitId>,
    form: CsrfForm<PayForm>,
) -> Reply {
    let t = ctx.t();
    let id = id.into_inner();
    let form = form.into_inner();
    let offered = match form.method.as_str() {
        "card" => ctx.services.card.offered(),
        _ => ctx.services.swish.offered(),
    };
    if !offered {
        return super::show_with_payment_error(&ctx, &state, me, id, t.err_method_not_offered, "")
            .await;
    }
    match (
        form.method.as_str(),
        MobileNumber::parse(&form.swish_number),
    ) {
        ("card", _) => card::pay_by_card(&ctx, &state, me, id).await,
        ("swish_app", _) => pay_by_swish(&ctx, &state, me, id, None).await,
        ("swish", Ok(n)) => pay_by_swish(&ctx, &state, me, id, Some(n)).await,
        _ => {
            let typed: String = form.swish_number.chars().take(40).collect();
            super::show_with_payment_error(&ctx, &state, me, id, t.err_swish_number, &typed).await
        }
    }
}

/// Swish: a payment request to the payer's number, or (no number) one answered in the Swish
/// app on this phone, which the browser opens next.
async fn pay_by_swish(
    ctx: &Ctx,
    state: &AppState,
    me: &SessionUser,
    id: PermitId,
    payer: Option<MobileNumber>,
) -> Reply {
    let user_id = me.user.id;
    let attempt = Attempt {
        method: "swish",
        provider_ref: new_instruction_id(),
        payer_alias: payer.as_ref().map(|n| n.e164().to_string()),
        redirect_url: None,
        first_poll: chrono::Duration::seconds(1),
    };
    let started = db::run(&state.pool, move |c| {
        pay_service::start(c, id, user_id, attempt)
    })
    .await?;
    let (payment, permit) = match started {
        Started::New(new) => *new,
        Started::AlreadyPending(open) => return Ok(continue_open(id, &open)),
        Started::NotFound => return Err(AppError::NotFound),
        Started::NotPayable => {
            return super::show_with_payment_error(ctx, state, me, id, ctx.t().not_payable, "")
                .await;
        }
    };
    let text = format!("Parkering {} {}", permit.regnr, permit.start_date);
    let back = permit_at(id, payment.id);
    let from_app = format!("/permits/{id}/swish-return?payment={}", payment.id);
    match state
        .swish
        .create(
            &payment.provider_ref,
            payer.as_ref(),
            Money::from_ore(payment.amount_ore),
            &format!("P{}", permit.id),
            &text,
        )
        .await
    {
        Ok(Some(token)) if payer.is_none() => {
            let link = state.swish.app_link(&token, &state.link(&from_app));
            let (pid, stored) = (payment.id, link.clone());
            db::query(&state.pool, move |c| {
                db_payments::set_redirect(c, pid, &stored)
            })
            .await?;
            return Ok(see_other(&link));
        }
        Ok(_) => {}
        Err(SwishError::Refused(errors)) => {
            let code = errors.first().map(|e| e.error_code.clone());
            let failure = (PaymentStatus::Error, code);
            record_outcome(state, id, payment.id, Some(user_id), false, Some(failure)).await?;
        }
        // Unknown whether Swish got it: the poller asks, and gives up if Swish never heard of it.
        Err(e) => {
            tracing::warn!(payment = %payment.id, error = %e, "creating the Swish request failed")
        }
    }
    Ok(see_other(&back))
}

/// Which attempt of a permit.
#[derive(Clone, Copy)]
pub(super) enum Which {
    /// The one still open (pending), if any.
    Open,
    /// The latest, whatever its status.
    Latest,
}

/// An attempt of the buyer's own permit (someone else's permit: 404).
pub(super) async fn attempt(
    state: &AppState,
    id: PermitId,
    user: UserId,
    which: Which,
) -> Result<Option<PaymentRow>, AppError> {
    db::query(&state.pool, move |c| {
        if db_permits::owned(c, id, user)?.is_none() {
            return Ok(None);
        }
        Ok(Some(match which {
            Which::Open => db_payments::of_permit_in(c, id, PaymentStatus::Pending)?,
            Which::Latest => db_payments::latest_for_permit(c, id)?,
        }))
    })
    .await?
    .ok_or(AppError::NotFound)
}

/// An attempt is open already (a second click, another tab): go on with that one.
fn continue_open(id: PermitId, open: &PaymentRow) -> HttpResponse {
    match open.redirect_url.as_deref() {
        Some(url) => see_other(url),
        None => see_other(&permit_at(id, open.id)),
    }
}

/// "Avbryt och välj annat betalsätt": ends the open attempt at the provider, if it is still
/// open there, and shows the choice again. Only what the provider answers is recorded: an
/// attempt Swish has already passed to the bank (or that the payer approved meanwhile) is
/// followed to its end as before.
pub async fn cancel(
    UserCtx { ref me, .. }: UserCtx,
    state: Data,
    id: web::Path<PermitId>,
    _csrf: CsrfForm<CsrfOnly>,
) -> Reply {
    let id = id.into_inner();
    let uid = me.user.id;
    let open = attempt(&state, id, uid, Which::Open).await?;
    let Some(payment) = open else {
        return Ok(see_other(&format!("/permits/{id}#pay-h")));
    };
    let ended = if payment.method == "card" {
        card::settle(&state, id, &payment, Some(uid), card::Hint::Cancel).await?
    } else {
        match state.swish.cancel(&payment.provider_ref).await {
            Ok(pr) if pr.status == SwishStatus::Cancelled => {
                let failure = (PaymentStatus::Cancelled, Some(BUYER_CANCELLED.to_string()));
                record_outcome(&state, id, payment.id, Some(uid), false, Some(failure)).await?;
                true
            }
            // Approved meanwhile, already with the bank, or not reachable: the poller follows it.
            other => {
                if let Err(e) = other {
                    tracing::info!(payment = %payment.id, error = %e, "Swish request not cancelled");
                }
                wake_poller(&state, payment.id).await?;
                false
            }
        }
    };
    if ended {
        Ok(see_other(&format!("/permits/{id}#pay-h")))
    } else {
        Ok(see_other(&format!(
            "{}&m=pay_not_cancelled",
            permit_at(id, payment.id)
        )))
    }
}

#[derive(Deserialize)]
pub struct FromApp {
    payment: PaymentId,
}

/// Back from the Swish app: Swish has the answer by now (its callback may still be on the
/// way), so the poller asks at once and the page waits a moment for it, then shows the
/// outcome; a page without JavaScript then needs no "Uppdatera status".
pub async fn swish_return(
    UserCtx { ref me, .. }: UserCtx,
    state: Data,
    id: web::Path<PermitId>,
    query: web::Query<FromApp>,
) -> Reply {
    const WAIT: std::time::Duration = std::time::Duration::from_secs(3);
    let (id, pid, uid) = (id.into_inner(), query.payment, me.user.id);
    let waiting = |latest: Option<PaymentRow>| {
        latest.is_some_and(|p| p.id == pid && p.status == PaymentStatus::Pending)
    };
    if waiting(attempt(&state, id, uid, Which::Latest).await?) {
        wake_poller(&state, pid).await?;
        let until = std::time::Instant::now() + WAIT;
        while std::time::Instant::now() < until
            && waiting(attempt(&state, id, uid, Which::Latest).await?)
        {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    Ok(see_other(&permit_at(id, pid)))
}

/// HTMX: still waiting → the same small box; final → the permit page opened on this attempt.
pub async fn status(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    id: web::Path<PermitId>,
) -> Reply {
    let id = id.into_inner();
    let latest = attempt(&state, id, me.user.id, Which::Latest).await?;
    match latest {
        Some(p) if p.status == PaymentStatus::Pending => Ok(crate::web::respond::html(
            actix_web::http::StatusCode::OK,
            view::poll(&ctx, id, false),
        )),
        other => {
            let to = other.map_or_else(|| format!("/permits/{id}"), |p| permit_at(id, p.id));
            Ok(HttpResponse::Ok()
                .insert_header(("HX-Redirect", to))
                .insert_header(("Cache-Control", "no-store"))
                .finish())
        }
    }
}

/// A GET on a payment form's address (reload, Back): the permit page.
pub async fn to_permit(id: web::Path<PermitId>) -> HttpResponse {
    see_other(&format!("/permits/{}", id.into_inner()))
}

/// Swish's callback: only tells which payment has news. Its body is never trusted; the
/// poller asks Swish itself.
pub async fn swish_callback(state: Data, body: web::Bytes) -> Reply {
    let id = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string))
        .filter(|id| id.len() <= 64);
    if let Some(id) = id {
        poll_provider_ref(&state, id).await?;
    }
    Ok(HttpResponse::Ok().finish())
}

/// Records a payment's final outcome through the permit's actor, then wakes the mailbox.
async fn record_outcome(
    state: &AppState,
    permit_id: PermitId,
    payment_id: PaymentId,
    by_user: Option<UserId>,
    paid: bool,
    failure: Option<(PaymentStatus, Option<String>)>,
) -> Result<(), AppError> {
    let change = ChangePermit {
        permit_id,
        owner: None,
        by_user,
        change: PermitChange::PaymentOutcome {
            payment_id,
            paid,
            failure,
        },
    };
    state.permits.send(change).await??;
    state.wake_mailbox();
    if paid {
        // A charge for a permit that no longer waited for it is refunded at once.
        crate::payments::refund::send_pending(&state.pool, &state.swish, &state.nexi, payment_id)
            .await
            .map_err(AppError::Internal)?;
    }
    Ok(())
}

/// A provider's callback names a payment: the poller asks the provider about it now (the
/// callback itself is believed in nothing).
async fn poll_provider_ref(state: &AppState, provider_ref: String) -> Result<(), AppError> {
    db::query(&state.pool, move |c| {
        if let Some(p) = db_payments::by_provider_ref(c, &provider_ref)? {
            db_payments::poll_now(c, p.id, clock::now())?;
        }
        Ok(())
    })
    .await?;
    state.poll_payments();
    Ok(())
}

/// Has the poller ask the provider about this payment now.
async fn wake_poller(state: &AppState, payment_id: PaymentId) -> Result<(), AppError> {
    db::query(&state.pool, move |c| {
        db_payments::poll_now(c, payment_id, clock::now())
    })
    .await?;
    state.poll_payments();
    Ok(())
}
