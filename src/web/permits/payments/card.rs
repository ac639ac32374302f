//! Card payments at Nexi Checkout: the buyer types the card number on the provider's hosted
//! page (it never reaches Parkportal), comes back, and the payment is read back from Nexi.

use crate::web::ctx::UserCtx;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{Data, Which, attempt, continue_open, permit_at, record_outcome, wake_poller};
use crate::auth::SessionUser;
use crate::db;
use crate::db::payments::PaymentRow;
use crate::domain::payment::PaymentStatus;
use crate::domain::{Money, PermitId, UserId};
use crate::services::payments::{self as pay_service, Attempt, Payable, Started};
use crate::services::permits::BUYER_CANCELLED;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, Reply};
use crate::web::respond::see_other;

/// Card: a payment at the provider, then the buyer goes to its hosted page.
pub(super) async fn pay_by_card(
    ctx: &Ctx,
    state: &AppState,
    me: &SessionUser,
    id: PermitId,
) -> Reply {
    let t = ctx.t();
    let uid = me.user.id;
    let permit = match db::run(&state.pool, move |c| pay_service::payable(c, id, uid)).await? {
        Payable::Yes(p) => *p,
        Payable::Pending(open) => return Ok(continue_open(id, &open)),
        Payable::NotFound => return Err(AppError::NotFound),
        Payable::NotPayable => {
            return super::super::show_with_payment_error(ctx, state, me, id, t.not_payable, "")
                .await;
        }
    };
    let back = state.link(&format!("/permits/{id}/card-return"));
    let item = format!("{} {}", permit.type_name_sv, permit.regnr);
    let reference = format!("P{id}");
    let terms = state.link("/villkor");
    let order = crate::payments::nexi::CardOrder {
        reference: &reference,
        item: &item,
        total: Money::from_ore(permit.price_ore),
        vat_basis_points: permit.vat_basis_points,
        return_url: &back,
        cancel_url: &back,
        terms_url: &terms,
    };
    let created = match state.nexi.create(&order).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(permit = %id, error = %e, "creating the card payment failed");
            return super::super::show_with_payment_error(ctx, state, me, id, t.fail_provider, "")
                .await;
        }
    };
    let attempt = Attempt {
        method: "card",
        provider_ref: created.payment_id,
        payer_alias: None,
        redirect_url: Some(created.hosted_page.clone()),
        first_poll: chrono::Duration::seconds(5),
    };
    match db::run(&state.pool, move |c| {
        pay_service::start(c, id, uid, attempt)
    })
    .await?
    {
        Started::New(_) => Ok(see_other(&created.hosted_page)),
        // Another click got there first: go on with that attempt.
        Started::AlreadyPending(open) => Ok(continue_open(id, &open)),
        Started::NotFound | Started::NotPayable => Ok(see_other(&format!("/permits/{id}"))),
    }
}

/// What the buyer's browser says happened on the card page (never believed on its own).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Hint {
    /// Back without a word: read the payment back.
    Returned,
    /// The buyer cancelled, here or on the card page.
    Cancel,
    /// The card page says the card was declined.
    Declined,
}

/// Asks Nexi to end the checkout when the buyer wants out (so the hosted page can no longer
/// charge), then records what Nexi says: charged → paid, ended with nothing charged → not
/// paid, still open → polled until final. True when the attempt is over.
pub(super) async fn settle(
    state: &AppState,
    id: PermitId,
    payment: &PaymentRow,
    by: Option<UserId>,
    hint: Hint,
) -> Result<bool, AppError> {
    if hint != Hint::Returned
        && let Err(e) = state.nexi.terminate(&payment.provider_ref).await
    {
        // Refused once it is charged: reading it back tells.
        tracing::info!(payment = %payment.id, error = %e, "card checkout not ended");
    }
    match state.nexi.retrieve(&payment.provider_ref).await {
        Ok(p) if p.is_paid() && p.amount == payment.amount_ore => {
            record_outcome(state, id, payment.id, by, true, None).await?;
            Ok(true)
        }
        Ok(p) if p.terminated && p.charged == 0 => {
            let failure = match hint {
                Hint::Declined => (PaymentStatus::Declined, Some("CARD_DECLINED".to_string())),
                Hint::Cancel => (PaymentStatus::Cancelled, Some(BUYER_CANCELLED.to_string())),
                Hint::Returned => (PaymentStatus::Cancelled, None),
            };
            record_outcome(state, id, payment.id, by, false, Some(failure)).await?;
            Ok(true)
        }
        Ok(_) => {
            wake_poller(state, payment.id).await?;
            Ok(false)
        }
        Err(e) => {
            tracing::warn!(payment = %payment.id, error = %e, "card provider not answering");
            wake_poller(state, payment.id).await?;
            Ok(false)
        }
    }
}

#[derive(Deserialize)]
pub struct CardReturn {
    result: Option<String>,
}

/// The browser back from the card page. It decides nothing: anyone can make a browser open
/// this address. A `result` of cancel or declined is passed on as a request to end the
/// checkout at the provider; then only what the provider says is recorded ([`settle`]).
pub async fn card_return(
    req: actix_web::HttpRequest,
    UserCtx { ref me, .. }: UserCtx,
    state: Data,
    id: web::Path<PermitId>,
    query: web::Query<CardReturn>,
) -> Reply {
    let id = id.into_inner();
    let uid = me.user.id;
    let pending = attempt(&state, id, uid, Which::Open).await?;
    let Some(payment) = pending.filter(|p| p.method == "card") else {
        return Ok(see_other(&format!("/permits/{id}")));
    };
    let hint = match query.result.as_deref() {
        // Only a request from this site may end an open checkout (issue #34, 12): a link on
        // another site (or a browser that does not say where it comes from) only makes the
        // portal read the payment back; the provider's own status ends it.
        _ if !same_site(&req) => Hint::Returned,
        Some("cancel") => Hint::Cancel,
        Some("declined") => Hint::Declined,
        _ => Hint::Returned,
    };
    settle(&state, id, &payment, Some(uid), hint).await?;
    Ok(see_other(&permit_at(id, payment.id)))
}

/// Whether the browser says the request comes from this site (`Sec-Fetch-Site`).
fn same_site(req: &actix_web::HttpRequest) -> bool {
    req.headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "same-origin" || v == "same-site")
}

/// Nexi's webhook: checked by its Authorization header, then only a hint to poll.
pub async fn nexi_webhook(req: actix_web::HttpRequest, state: Data, body: web::Bytes) -> Reply {
    use secrecy::ExposeSecret;
    let Some(nexi) = &state.settings.nexi else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let given = req
        .headers()
        .get("Authorization")
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !crate::domain::token::constant_time_eq(given, nexi.webhook_auth.expose_secret().as_bytes())
    {
        return Ok(HttpResponse::Unauthorized().finish());
    }
    let id = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v.pointer("/data/paymentId")
                .and_then(|i| i.as_str())
                .map(str::to_string)
        })
        .filter(|id| id.len() <= 64);
    if let Some(id) = id {
        super::poll_provider_ref(&state, id).await?;
    }
    Ok(HttpResponse::Ok().finish())
}
