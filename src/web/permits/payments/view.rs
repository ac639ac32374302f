//! What the payment section shows: the choice of how to pay, the waiting panel while the
//! provider has not answered, and the confirmation once the permit is paid.

use maud::{Markup, html};

use crate::auth::SessionUser;
use crate::clock;
use crate::db::payments::PaymentRow;
use crate::db::permits::PermitRow;
use crate::domain::payment::PaymentStatus;
use crate::domain::{MobileNumber, Money, PermitId};
use crate::i18n::Texts;
use crate::payments::swish::EXPIRES_AFTER;
use crate::services::permits::BUYER_CANCELLED;
use crate::web::ctx::Ctx;
use crate::web::forms::{Field, csrf, input, notice_error};

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

/// Whether the buyer ended this attempt ("Avbryt och välj annat betalsätt").
fn cancelled_by_buyer(p: &PaymentRow) -> bool {
    p.status == PaymentStatus::Cancelled && p.error_code.as_deref() == Some(BUYER_CANCELLED)
}

fn status_url(permit_id: PermitId) -> String {
    format!("/permits/{permit_id}/payment-status")
}

/// The part of the waiting panel HTMX asks for again every second. The first one on the
/// page is empty (so a page without JavaScript never claims it updates itself) and asks at
/// once; while waiting, the answer says the page updates by itself.
pub fn poll(ctx: &Ctx, permit_id: PermitId, first: bool) -> Markup {
    let trigger = if first {
        "load delay:500ms, every 1s"
    } else {
        "every 1s"
    };
    html! {
        div #payment-poll hx-get=(status_url(permit_id)) hx-trigger=(trigger) hx-swap="outerHTML" {
            @if !first { p { (ctx.t().pay_auto) } }
        }
    }
}

/// The waiting panel: what was sent where, what to do, until when, and the way out.
fn waiting(ctx: &Ctx, me: &SessionUser, permit_id: PermitId, p: &PaymentRow) -> Markup {
    let t = ctx.t();
    let sum = Money::from_ore(p.amount_ore);
    let here = format!("/permits/{permit_id}?payment={}", p.id);
    let payer = p
        .payer_alias
        .as_deref()
        .and_then(|a| MobileNumber::parse(a).ok());
    html! {
        section #payment-progress.panel.waiting aria-labelledby="waiting-h" {
            div.spinner aria-hidden="true" {}
            h3 #waiting-h { (t.pay_waiting_heading) }
            @if p.method == "card" {
                p { (t.pay_card_started) }
                @if let Some(url) = &p.redirect_url {
                    p { a.button href=(url) { (t.card_continue) } }
                }
            } @else if let Some(n) = payer {
                p { (t.pay_sent_before) " " strong { (sum) } " " (t.pay_sent_to) " " strong.nowrap { (n.spaced()) } "." }
                p { (t.pay_approve) }
            } @else {
                p { (t.pay_app_before) " " strong { (sum) } " " (t.pay_app_after) }
                @if let Some(url) = &p.redirect_url {
                    p { a.button href=(url) { (t.pay_open_swish) } }
                }
            }
            @if p.method != "card" {
                p { (t.pay_deadline_before) " " strong { (clock::local_time(p.created_at + EXPIRES_AFTER)) } (t.pay_deadline_after) }
            }
            div role="status" aria-live="polite" { (poll(ctx, permit_id, true)) }
            noscript { p { a.button.secondary href=(here) { (t.refresh_status) } } }
            form method="post" action={ "/permits/" (permit_id) "/pay/cancel" } {
                (csrf(&me.csrf_token))
                button.secondary type="submit" { (t.pay_cancel_button) }
            }
        }
    }
}

/// The confirmation at the top of the permit page right after its payment went through.
pub fn done(ctx: &Ctx, permit: &PermitRow) -> Markup {
    let t = ctx.t();
    html! {
        // The page comes back here after the payment: the focus goes to what happened.
        section #payment-done.panel.done role="status" aria-labelledby="done-h" tabindex="-1" autofocus {
            h2 #done-h { (t.pay_done_heading) }
            p { (t.pay_done_before) " " strong.nowrap { (permit.regnr) } " " (t.pay_done_valid) " "
                strong.nowrap { (permit.start_date) } " – " strong.nowrap { (permit.end_date) } "." }
            // A day card is valid on its booked days only: how many there are, and where.
            @if let Some(bought) = permit.days_bought {
                p { a href="#book-h" { ((ctx.lang.flow().days_to_book)((bought - permit.days_used).max(0))) } }
            }
            p { a.button href={ "/permits/" (permit.id) "/receipt" } { (t.receipt_link) } }
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
    let action = format!("/permits/{permit_id}/pay");
    // The method last tried stays chosen (a declined card: "Kort" again), else the one the
    // buyer prefers; a refused Swish number: Swish.
    let by_card = typed.is_none()
        && latest.map_or(me.user.preferred_payment.as_deref() == Some("card"), |p| {
            p.method == "card"
        });
    html! {
        section aria-labelledby="pay-h" {
            h2 #pay-h { (t.amount_to_pay) ": " (price) }
            @match latest {
                Some(p) if p.status == PaymentStatus::Pending => { (waiting(ctx, me, permit_id, p)) }
                _ => {
                    // A new refusal replaces the last attempt's outcome (issue #35, 6).
                    @match latest.filter(|p| p.status != PaymentStatus::Paid && error.is_none()) {
                        Some(p) if cancelled_by_buyer(p) => { div.notice role="status" { (t.pay_cancelled) } }
                        Some(p) => {
                            div.notice.error role="alert" {
                                p { (t.pay_failed_intro) " " (failure_text(t, p.status, p.error_code.as_deref())) }
                                p { (t.pay_try_again) }
                            }
                        }
                        None => {}
                    }
                    // A refusal is in the page's error summary, and at the field when it is
                    // the number's; the one not about a field is said here.
                    @if let Some(e) = error.filter(|_| typed.is_none()) { (notice_error(e)) }
                    // On a phone, Swish opens right here: the first choice.
                    @if swish && ctx.phone {
                        form method="post" action=(action) {
                            (csrf(&me.csrf_token))
                            input type="hidden" name="method" value="swish_app";
                            button type="submit" { (t.pay_this_phone) }
                        }
                        h3 { (t.pay_other_way) }
                    }
                    form method="post" action=(action) novalidate {
                        (csrf(&me.csrf_token))
                        // Only the methods this portal offers (outside demo mode: what is configured).
                        fieldset {
                            legend { (t.pay_method) }
                            @if swish {
                                div.check {
                                    input #method-swish type="radio" name="method" value="swish" checked[!card || !by_card];
                                    label for="method-swish" { (t.method_swish) }
                                }
                            }
                            @if card {
                                div.check {
                                    input #method-card type="radio" name="method" value="card" checked[!swish || by_card];
                                    label for="method-card" { (t.method_card) }
                                }
                            }
                        }
                        @if swish {
                            // Hidden by the stylesheet while "Kort" is chosen (no script needed).
                            div.swish-only {
                                (input(Field::new("swish_number", t.swish_number, "tel").value(typed.unwrap_or(&default_number)).error(error.filter(|_| typed.is_some())).autocomplete("tel")))
                            }
                        }
                        button class=[(swish && ctx.phone).then_some("secondary")] type="submit" { (t.pay_button) }
                    }
                }
            }
        }
    }
}
