//! "Betalsida": paying a permit that waits for payment, the progress while the provider
//! answers, the providers' callbacks and the way back from the card page.

use crate::domain::{PaymentId, PermitId, UserId};
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use crate::actors::{ChangePermit, PermitChange};
use crate::auth::SessionUser;
use crate::clock;
use crate::db::payments::{self as db_payments, NewPayment, PaymentRow};
use crate::db::{self, permits as db_permits};
use crate::domain::payment::PaymentStatus;
use crate::domain::permit::State;
use crate::domain::{MobileNumber, Money};
use crate::i18n::Texts;
use crate::payments::swish::{SwishError, new_instruction_id};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::AppError;
use crate::web::forms::{CsrfForm, Field, csrf, input, notice_error};
use crate::web::respond::see_other;

type Data = web::Data<AppState>;

/// Why a payment failed, in plain words.
pub fn failure_text(t: &Texts, status: PaymentStatus, code: Option<&str>) -> &'static str {
    match (status, code) {
        (_, Some("CARD_DECLINED")) => t.fail_card_declined,
        (PaymentStatus::Declined, _) => t.fail_declined,
        (PaymentStatus::Timeout, _) | (_, Some("TM01")) => t.fail_timeout,
        (_, Some("RF07")) => t.fail_bank,
        (_, Some("BANKIDCL")) => t.fail_bankid,
        (_, Some("ACMT03")) | (_, Some("BE18")) => t.fail_not_enrolled,
        (_, Some("PROVIDER_DOWN")) | (_, Some("NOT_CREATED")) => t.fail_provider,
        (PaymentStatus::Cancelled, _) => t.fail_cancelled,
        _ => t.fail_other,
    }
}

/// The progress box while the provider has not answered; HTMX asks again every second.
pub fn waiting(ctx: &Ctx, permit_id: PermitId) -> Markup {
    let t = ctx.t();
    html! {
        div #payment-progress role="status" aria-live="polite"
            hx-get={ "/permits/" (permit_id) "/payment-status" } hx-trigger="every 1s" hx-swap="outerHTML" {
            p.notice { (t.pay_waiting) }
            p { a href={ "/permits/" (permit_id) } { (t.refresh_status) } }
        }
    }
}

/// The payment section of a permit that waits for payment.
pub fn section(
    ctx: &Ctx,
    me: &SessionUser,
    permit_id: PermitId,
    price: Money,
    latest: Option<&PaymentRow>,
    error: Option<&str>,
    typed: Option<&str>,
) -> Markup {
    let t = ctx.t();
    let (swish, card) = (ctx.services.swish.offered(), ctx.services.card.offered());
    let default_number = me
        .user
        .swish_number
        .as_deref()
        .or(Some(me.user.mobile.as_str()))
        .and_then(|n| MobileNumber::parse(n).ok())
        .map(|m| m.national())
        .unwrap_or_default();
    html! {
        section aria-labelledby="pay-h" {
            h2 #pay-h { (t.amount_to_pay) ": " (price) }
            @match latest {
                Some(p) if p.status == PaymentStatus::Pending => {
                    (waiting(ctx, permit_id))
                    @if let Some(url) = &p.redirect_url {
                        p { a.button href=(url) { (t.card_continue) } }
                    }
                }
                _ => {
                    @if let Some(p) = latest.filter(|p| p.status != PaymentStatus::Paid) {
                        div.notice.error role="alert" {
                            p { (t.pay_failed_intro) " " (failure_text(t, p.status, p.error_code.as_deref())) }
                            p { (t.pay_try_again) }
                        }
                    }
                    @if let Some(e) = error { (notice_error(e)) }
                    form method="post" action={ "/permits/" (permit_id) "/pay" } novalidate {
                        (csrf(&me.csrf_token))
                        // Only the methods this portal offers (outside demo mode: what is configured).
                        fieldset {
                            legend { (t.pay_method) }
                            @if swish {
                                div.check {
                                    input #method-swish type="radio" name="method" value="swish" checked[!card || me.user.preferred_payment.as_deref() != Some("card")];
                                    label for="method-swish" { (t.method_swish) }
                                }
                            }
                            @if card {
                                div.check {
                                    input #method-card type="radio" name="method" value="card" checked[!swish || me.user.preferred_payment.as_deref() == Some("card")];
                                    label for="method-card" { (t.method_card) }
                                }
                            }
                        }
                        @if swish {
                            (input(Field::new("swish_number", t.swish_number, "tel").value(typed.unwrap_or(&default_number)).error(error.filter(|_| typed.is_some())).autocomplete("tel")))
                        }
                        button type="submit" { (t.pay_button) }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PayForm {
    method: String,
    swish_number: String,
}

enum Started {
    New(Box<(PaymentRow, db_permits::PermitRow)>),
    AlreadyPending,
    NotPayable,
    NotFound,
}

pub async fn pay(
    ctx: Ctx,
    state: Data,
    id: web::Path<PermitId>,
    form: CsrfForm<PayForm>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
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
    if form.method == "card" {
        return pay_by_card(&ctx, &state, me, id).await;
    }
    let number = match (
        form.method.as_str(),
        MobileNumber::parse(&form.swish_number),
    ) {
        ("swish", Ok(n)) => n,
        _ => {
            let typed: String = form.swish_number.chars().take(40).collect();
            return super::show_with_payment_error(
                &ctx,
                &state,
                me,
                id,
                t.err_swish_number,
                &typed,
            )
            .await;
        }
    };
    let user_id = me.user.id;
    let alias = number.e164().to_string();
    let started = db::query(&state.pool, move |c| {
        crate::db::write_tx(c, |c| {
            let Some(permit) = db_permits::owned(c, id, user_id)? else {
                return Ok(Started::NotFound);
            };
            if permit.state != State::AwaitingPayment {
                return Ok(Started::NotPayable);
            }
            if db_payments::of_permit_in(c, id, PaymentStatus::Pending)?.is_some() {
                return Ok(Started::AlreadyPending);
            }
            let now = clock::now();
            let payment = db_payments::insert(
                c,
                &NewPayment {
                    permit_id: id,
                    user_id,
                    method: "swish".into(),
                    provider_ref: new_instruction_id(),
                    amount_ore: permit.price_ore,
                    payer_alias: Some(alias),
                    status: PaymentStatus::Pending,
                    next_poll_at: now + chrono::Duration::seconds(1),
                    created_at: now,
                    updated_at: now,
                    redirect_url: None,
                },
            )?;
            db_permits::add_event(
                c,
                id,
                Some(user_id),
                "payment",
                &format!("started {} swish", payment.provider_ref),
                now,
            )?;
            Ok(Started::New(Box::new((payment, permit))))
        })
    })
    .await;
    let started = match started {
        // The unique index on pending attempts: a parallel click got there first.
        Err(e) if e.is_unique_violation() => Started::AlreadyPending,
        other => other?,
    };
    let (payment, permit) = match started {
        Started::New(new) => *new,
        Started::AlreadyPending => return Ok(see_other(&format!("/permits/{id}"))),
        Started::NotFound => return Err(AppError::NotFound),
        Started::NotPayable => {
            return super::show_with_payment_error(&ctx, &state, me, id, t.not_payable, "").await;
        }
    };
    let text = format!("Parkering {} {}", permit.regnr, permit.start_date);
    match state
        .swish
        .create(
            &payment.provider_ref,
            &number,
            Money::from_ore(payment.amount_ore),
            &format!("P{}", permit.id),
            &text,
        )
        .await
    {
        Ok(()) => {}
        Err(SwishError::Refused(errors)) => {
            let code = errors.first().map(|e| e.error_code.clone());
            record_outcome(
                &state,
                id,
                payment.id,
                Some(user_id),
                false,
                Some((PaymentStatus::Error, code)),
            )
            .await?;
        }
        // Unknown whether Swish got it: the poller asks, and gives up if Swish never heard of it.
        Err(e) => {
            tracing::warn!(payment = %payment.id, error = %e, "creating the Swish request failed")
        }
    }
    Ok(see_other(&format!("/permits/{id}")))
}

/// HTMX: still waiting → the same box; final → reload the page to show the new state.
pub async fn status(
    ctx: Ctx,
    state: Data,
    id: web::Path<PermitId>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    let id = id.into_inner();
    let uid = me.user.id;
    let latest = db::query(&state.pool, move |c| {
        if db_permits::owned(c, id, uid)?.is_none() {
            return Ok(None);
        }
        Ok(Some(db_payments::latest_for_permit(c, id)?))
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let pending = latest
        .as_ref()
        .is_some_and(|p| p.status == PaymentStatus::Pending);
    if pending {
        return Ok(crate::web::respond::html(
            actix_web::http::StatusCode::OK,
            waiting(&ctx, id),
        ));
    }
    Ok(HttpResponse::Ok()
        .insert_header(("HX-Refresh", "true"))
        .insert_header(("Cache-Control", "no-store"))
        .finish())
}

/// Swish's callback: only tells which payment has news. Its body is never trusted; the
/// poller asks Swish itself.
pub async fn swish_callback(state: Data, body: web::Bytes) -> Result<HttpResponse, AppError> {
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

/// Card: a payment at the provider, then the buyer goes to its hosted page to type the card
/// number there (it never reaches Parkportal).
async fn pay_by_card(
    ctx: &Ctx,
    state: &AppState,
    me: &SessionUser,
    id: PermitId,
) -> Result<HttpResponse, AppError> {
    let t = ctx.t();
    let uid = me.user.id;
    let check = db::query(&state.pool, move |c| {
        let Some(permit) = db_permits::owned(c, id, uid)? else {
            return Ok(None);
        };
        let pending = db_payments::of_permit_in(c, id, PaymentStatus::Pending)?;
        Ok(Some((permit, pending)))
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let (permit, pending) = check;
    if permit.state != State::AwaitingPayment {
        return super::show_with_payment_error(ctx, state, me, id, t.not_payable, "").await;
    }
    if let Some(p) = pending {
        return Ok(see_other(
            p.redirect_url
                .as_deref()
                .unwrap_or(&format!("/permits/{id}")),
        ));
    }
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
            return super::show_with_payment_error(ctx, state, me, id, t.fail_provider, "").await;
        }
    };
    let hosted = created.hosted_page.clone();
    let inserted = db::query(&state.pool, move |c| {
        crate::db::write_tx(c, |c| {
            let now = clock::now();
            if db_payments::of_permit_in(c, id, PaymentStatus::Pending)?.is_some() {
                return Ok(None);
            }
            let p = db_payments::insert(
                c,
                &NewPayment {
                    permit_id: id,
                    user_id: uid,
                    method: "card".into(),
                    provider_ref: created.payment_id,
                    amount_ore: permit.price_ore,
                    payer_alias: None,
                    status: PaymentStatus::Pending,
                    next_poll_at: now + chrono::Duration::seconds(5),
                    created_at: now,
                    updated_at: now,
                    redirect_url: Some(created.hosted_page),
                },
            )?;
            db_permits::add_event(
                c,
                id,
                Some(uid),
                "payment",
                &format!("started {} card", p.provider_ref),
                now,
            )?;
            Ok(Some(p))
        })
    })
    .await;
    match inserted {
        Ok(Some(_)) => Ok(see_other(&hosted)),
        // Another click got there first: show that attempt.
        Ok(None) => Ok(see_other(&format!("/permits/{id}"))),
        Err(e) if e.is_unique_violation() => Ok(see_other(&format!("/permits/{id}"))),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct CardReturn {
    result: Option<String>,
}

/// The browser back from the card page. It decides nothing: anyone can make a browser open
/// this address. A `result` of cancel or declined is passed on as a request to end the
/// checkout at the provider (so the hosted page can no longer charge); then the payment is
/// read back, and only what the provider says is recorded: charged → paid, ended with
/// nothing charged → not paid (worded by the hint), still open → polled until final.
pub async fn card_return(
    ctx: Ctx,
    state: Data,
    id: web::Path<PermitId>,
    query: web::Query<CardReturn>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    let id = id.into_inner();
    let uid = me.user.id;
    let pending = db::query(&state.pool, move |c| {
        if db_permits::owned(c, id, uid)?.is_none() {
            return Ok(None);
        }
        Ok(Some(db_payments::of_permit_in(
            c,
            id,
            PaymentStatus::Pending,
        )?))
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let Some(payment) = pending.filter(|p| p.method == "card") else {
        return Ok(see_other(&format!("/permits/{id}")));
    };
    let hint = query.result.as_deref();
    if matches!(hint, Some("cancel" | "declined"))
        && let Err(e) = state.nexi.terminate(&payment.provider_ref).await
    {
        // Refused once it is charged: reading it back tells.
        tracing::info!(payment = %payment.id, error = %e, "card checkout not ended on return");
    }
    match state.nexi.retrieve(&payment.provider_ref).await {
        Ok(p) if p.is_paid() && p.amount == payment.amount_ore => {
            record_outcome(&state, id, payment.id, Some(uid), true, None).await?;
        }
        Ok(p) if p.terminated && p.charged == 0 => {
            let failure = if hint == Some("declined") {
                (PaymentStatus::Declined, Some("CARD_DECLINED".to_string()))
            } else {
                (PaymentStatus::Cancelled, None)
            };
            record_outcome(&state, id, payment.id, Some(uid), false, Some(failure)).await?;
        }
        Ok(_) => wake_poller(&state, payment.id).await?,
        Err(e) => {
            tracing::warn!(payment = %payment.id, error = %e, "card provider not answering on return");
            wake_poller(&state, payment.id).await?;
        }
    }
    Ok(see_other(&format!("/permits/{id}")))
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

/// Nexi's webhook: checked by its Authorization header, then only a hint to poll.
pub async fn nexi_webhook(
    req: actix_web::HttpRequest,
    state: Data,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
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
        poll_provider_ref(&state, id).await?;
    }
    Ok(HttpResponse::Ok().finish())
}
