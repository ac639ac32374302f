//! A permit's page in the operator portal: its history and payments, the office's changes (number, dates, "Makulera" with a refund) and sending a failed refund again.

use super::*;
use crate::domain::PermitId;
use crate::domain::payment::RefundStatus;
use crate::web::error::Outcome;
use crate::web::forms::{CsrfForm, CsrfOnly};

#[derive(Default)]
pub(super) struct PermitMsgs<'a> {
    regnr_error: Option<&'a str>,
    regnr_typed: Option<String>,
    dates_error: Option<&'a str>,
    /// The dates as typed (start, end), shown again with their error.
    dates_typed: Option<(String, String)>,
    cancel_error: Option<&'a str>,
    /// The refund as typed, shown again with its error.
    refund_typed: Option<String>,
}

pub(super) async fn permit_view(
    op: &OperatorCtx,
    state: &AppState,
    id: PermitId,
    f: Markup,
    m: PermitMsgs<'_>,
    status: StatusCode,
) -> Reply {
    let t = op.ctx.t();
    let (p, events, audit_rows, pays, refs, owner, (names, park, pauses)) =
        db::query(&state.pool, move |c| {
            let Some(p) = db_permits::by_id(c, id)? else {
                return Ok(None);
            };
            let events = db_permits::events(c, id)?;
            let audit_rows = audit::for_subject(c, &format!("permit:{id}"))?;
            let pays = office::payments_for_permit(c, id)?;
            let refs = refunds::for_permit(c, id)?;
            let owner = crate::db::accounts::user_by_id(c, p.user_id)?;
            // Who did what, by name (never "#1"): the people of the history and the audit.
            let people: Vec<crate::domain::UserId> = events
                .iter()
                .filter_map(|e| e.by_user_id)
                .chain(audit_rows.iter().filter_map(|a| a.actor_id))
                .collect();
            let names = office::names_of(c, &people)?;
            let pauses = crate::db::pauses::of_permit(c, id)?;
            let park = crate::db::catalogue::car_park_name(c, p.car_park_id)?;
            Ok(Some((
                p,
                events,
                audit_rows,
                pays,
                refs,
                owner,
                (names, park, pauses),
            )))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let name_of = |who: crate::domain::UserId| {
        names
            .iter()
            .find(|(id, _)| *id == who)
            .map_or_else(|| format!("#{who}"), |(_, name)| name.clone())
    };
    // The same answer for today as the customer and the attendant get (issue #36, 5).
    let today_answer = match RegNumber::for_lookup(&p.regnr) {
        Ok(regnr) => Some(Ok(api::answer_with_reason(state, regnr, None).await?)),
        Err(_) => None,
    };
    let state_now = Some(p.state);
    let paid = pays.iter().find(|x| x.status == PaymentStatus::Paid);
    let refunded: i64 = refs
        .iter()
        .filter(|r| r.status != RefundStatus::Failed)
        .map(|r| r.amount_ore)
        .sum();
    let refundable = paid.map(|x| x.amount_ore - refunded).unwrap_or(0).max(0);
    // The summary links each error to its field; when the forms are not drawn (the permit
    // can no longer change) to its status.
    let open = state_now.is_some_and(State::allows_changes);
    let (regnr_at, dates_at, cancel_at) = match (open, paid.is_some()) {
        (true, true) => ("regnr", "start", "refund"),
        (true, false) => ("regnr", "start", "op-cancel-h"),
        (false, _) => ("status", "status", "status"),
    };
    let body = html! {
        (f)
        (error_summary(t, &[(regnr_at, m.regnr_error), (dates_at, m.dates_error), (cancel_at, m.cancel_error)]))
        dl.card {
            dt { "#" } dd { (p.id) }
            dt { (t.type_label) } dd { (permit_type_name(&p, op.ctx.lang)) }
            @if let Some(u) = &owner { dt { (t.op_customer) } dd { a href={ "/operator/customers/" (u.id) } { (u.name) } " (" (u.email) ")" } }
            dt { (t.regnr_label) } dd { (p.regnr) }
            dt { (t.car_park_label) } dd { (park) }
            dt { (t.period_label) } dd { (p.start_date) " – " (p.end_date) }
            @if let Some(b) = p.days_bought { dt { (t.days_left_label) } dd { ((b - p.days_used).max(0)) " / " (b) } }
            dt { (t.status_label) } dd { strong #status { (status_label(&p, op.ctx.lang)) } }
            dt { (t.price_label) } dd { (Money::from_ore(p.price_ore)) }
        }
        section aria-labelledby="check-h" {
            h2 #check-h { (op.ctx.lang.office().check_today) }
            (super::check::answer_box(&op.ctx, today_answer.as_ref(), None))
        }
        @let today = today(chrono::Utc::now());
        @if let Some(r) = pauses.iter().find(|r| r.to_date >= today && r.pause().days() > 0) {
            section aria-labelledby="op-pause-h" {
                h2 #op-pause-h { (op.ctx.lang.pause().paused) " " (r.from_date) " – " (r.to_date) }
                form method="post" action={ "/operator/permits/" (p.id) "/pause/end" } {
                    (csrf(&op.me.csrf_token))
                    button.secondary type="submit" { (op.ctx.lang.pause().end) }
                }
            }
        }
        @if state_now.is_some_and(State::allows_changes) {
            section aria-labelledby="op-regnr-h" {
                h2 #op-regnr-h { (t.op_change_regnr) }
                form method="post" action={ "/operator/permits/" (p.id) "/regnr" } novalidate {
                    (csrf(&op.me.csrf_token))
                    (input(Field::new("regnr", t.regnr_label, "text").value(m.regnr_typed.as_deref().unwrap_or(&p.regnr)).error(m.regnr_error).plate(t)))
                    button type="submit" { (t.update_button) }
                }
            }
            section aria-labelledby="op-dates-h" {
                h2 #op-dates-h { (t.op_change_dates) }
                form method="post" action={ "/operator/permits/" (p.id) "/dates" } novalidate {
                    (csrf(&op.me.csrf_token))
                    @let (start, end) = m.dates_typed.clone().unwrap_or_else(|| (p.start_date.to_string(), p.end_date.to_string()));
                    (input(Field::new("start", t.start_label, "date").value(&start).error(m.dates_error)))
                    (input(Field::new("end", t.op_end_label, "date").value(&end)))
                    button type="submit" { (t.op_save_dates) }
                }
            }
            section aria-labelledby="op-cancel-h" {
                h2 #op-cancel-h { (t.op_cancel_heading) }
                @if paid.is_none() && let Some(e) = m.cancel_error { (notice_error(e)) }
                form method="post" action={ "/operator/permits/" (p.id) "/cancel" } novalidate {
                    (csrf(&op.me.csrf_token))
                    @if paid.is_some() {
                        @let refund = m.refund_typed.clone().unwrap_or_else(|| Money::from_ore(refundable).sek_typed());
                        (input(Field::new("refund", t.op_refund_label, "text").value(&refund).error(m.cancel_error).optional().inputmode("decimal").hint(t.op_refund_hint)))
                    }
                    button.danger type="submit" { (t.op_cancel_button) }
                }
            }
        }
        @if !pays.is_empty() {
            h2 { (t.op_payments) }
            ul { @for x in &pays { li {
                (clock::local_display(x.created_at)) " · " (labels::method(t, &x.method)) " · "
                (Money::from_ore(x.amount_ore)) " · " strong { (labels::payment(t, x.status)) }
                " · " (t.op_reference) " " span.ref { (x.provider_ref) }
            } } }
        }
        @if !refs.is_empty() {
            h2 { (t.op_refunds) }
            ul {
                @for r in &refs {
                    li {
                        (clock::local_display(r.created_at)) " · " (Money::from_ore(r.amount_ore)) " · " strong { (labels::refund(t, r.status)) }
                        @if let Some(e) = &r.error { " · " (e) }
                        @if r.status == RefundStatus::Failed || r.status == RefundStatus::Pending {
                            form.inline method="post" action={ "/operator/permits/" (p.id) "/refunds/" (r.id) "/retry" } {
                                (csrf(&op.me.csrf_token))
                                button.small.secondary type="submit" { (t.op_refund_retry) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t.history) }
        ul.history {
            @for e in &events { li { (clock::local_display(e.at)) " · " (crate::web::permits::history::line(t, &p, &e.kind, &e.detail))
                @if let Some(by) = e.by_user_id { " · " (t.op_by) " " (name_of(by)) } } }
        }
        @if !audit_rows.is_empty() {
            h2 { (t.op_audit) }
            ul.history {
                @for a in &audit_rows {
                    li {
                        (clock::local_display(a.at)) " · " (audit_line(t, &p, a))
                        @if let Some(by) = a.actor_id { " · " (t.op_by) " " (name_of(by)) }
                    }
                }
            }
        }
    };
    Ok(respond(
        status,
        operator_page(
            &op.ctx,
            &op.me.csrf_token,
            &format!("{} #{} – {}", t.permit_title, p.id, p.regnr),
            body,
        ),
    ))
}

/// A refused change: the permit's page again (422) with the reason beside its form.
pub(super) async fn refused(
    op: &OperatorCtx,
    state: &AppState,
    id: PermitId,
    m: PermitMsgs<'_>,
) -> Reply {
    permit_view(op, state, id, html! {}, m, StatusCode::UNPROCESSABLE_ENTITY).await
}

pub async fn permit_page(
    op: OperatorCtx,
    state: Data,
    id: web::Path<PermitId>,
    q: web::Query<Flash>,
) -> Reply {
    let f = flash(op.ctx.t(), &q);
    permit_view(
        &op,
        &state,
        id.into_inner(),
        f,
        PermitMsgs::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegnrForm {
    regnr: String,
}

/// "Avsluta pausen" by the office (issue #39): the days not used go back to the customer.
pub async fn permit_end_pause(
    op: OperatorCtx,
    state: Data,
    id: web::Path<PermitId>,
    _csrf: CsrfForm<crate::web::forms::CsrfOnly>,
) -> Reply {
    let id = id.into_inner();
    match office_change(&state, &op, id, PermitChange::EndPause).await? {
        Outcome::Done(_) => Ok(see_other(&format!("/operator/permits/{id}?m=changed"))),
        Outcome::Refused(e) => {
            let m = PermitMsgs {
                cancel_error: Some(crate::web::permits::pause_refusal(&op.ctx, &e)),
                ..Default::default()
            };
            refused(&op, &state, id, m).await
        }
    }
}

pub async fn permit_regnr(
    op: OperatorCtx,
    state: Data,
    id: web::Path<PermitId>,
    form: CsrfForm<RegnrForm>,
) -> Reply {
    let id = id.into_inner();
    let t = op.ctx.t();
    let typed: String = form.regnr.chars().take(40).collect();
    let error = match RegNumber::parse(&form.regnr, false) {
        Err(e) => Some(regnr_error(t, e, false)),
        Ok(r) => match office_change(&state, &op, id, PermitChange::SetRegnr(r)).await? {
            Outcome::Done(_) => return Ok(see_other(&format!("/operator/permits/{id}?m=changed"))),
            Outcome::Refused(e) => Some(refused_text(t, &e)),
        },
    };
    let m = PermitMsgs {
        regnr_error: error,
        regnr_typed: Some(typed),
        ..Default::default()
    };
    refused(&op, &state, id, m).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DatesForm {
    start: String,
    end: String,
}

pub async fn permit_dates(
    op: OperatorCtx,
    state: Data,
    id: web::Path<PermitId>,
    form: CsrfForm<DatesForm>,
) -> Reply {
    let id = id.into_inner();
    let t = op.ctx.t();
    let parse = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    let error = match (parse(&form.start), parse(&form.end)) {
        (Some(start), Some(end)) => {
            match office_change(&state, &op, id, PermitChange::SetDates { start, end }).await? {
                Outcome::Done(_) => {
                    return Ok(see_other(&format!("/operator/permits/{id}?m=changed")));
                }
                Outcome::Refused(e) => refused_text(t, &e),
            }
        }
        _ => t.err_start_invalid,
    };
    let typed = |s: &str| s.chars().take(20).collect::<String>();
    let m = PermitMsgs {
        dates_error: Some(error),
        dates_typed: Some((typed(&form.start), typed(&form.end))),
        ..Default::default()
    };
    refused(&op, &state, id, m).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CancelForm {
    refund: String,
    /// "yes" from the check page's "Ja, makulera"; without it the check page is shown.
    confirm: String,
}

/// "Makulera": the permit is cancelled and the refund written in one change; then the
/// provider is asked. A refund the provider refused stays "failed" with a retry button.
pub async fn permit_cancel(
    op: OperatorCtx,
    state: Data,
    id: web::Path<PermitId>,
    form: CsrfForm<CancelForm>,
) -> Reply {
    let id = id.into_inner();
    let t = op.ctx.t();
    let refund = if form.refund.trim().is_empty() {
        None
    } else {
        match Money::parse_sek(&form.refund) {
            Some(m) => Some(m.ore()),
            None => {
                let m = PermitMsgs {
                    cancel_error: Some(t.op_refund_invalid),
                    refund_typed: Some(form.refund.chars().take(20).collect()),
                    ..Default::default()
                };
                return refused(&op, &state, id, m).await;
            }
        }
    };
    if form.confirm != "yes" {
        return cancel_check(&op, &state, id, refund, &form.refund).await;
    }
    match office_change(&state, &op, id, PermitChange::Cancel { refund_ore: refund }).await? {
        Outcome::Refused(e) => {
            let m = PermitMsgs {
                cancel_error: Some(refused_text(t, &e)),
                refund_typed: Some(form.refund.chars().take(20).collect()),
                ..Default::default()
            };
            refused(&op, &state, id, m).await
        }
        Outcome::Done(_) => {
            state.wake_mailbox();
            // The place it held goes to the queue at once.
            state.queue_now();
            let pending: Vec<crate::domain::RefundId> = db::query(&state.pool, move |c| {
                Ok(refunds::for_permit(c, id)?
                    .into_iter()
                    .filter(|r| r.status == RefundStatus::Pending)
                    .map(|r| r.id)
                    .collect())
            })
            .await?;
            let mut all_done = true;
            for rid in pending {
                all_done &=
                    crate::payments::refund::send(&state.pool, &state.swish, &state.nexi, rid)
                        .await?;
            }
            let m = if all_done {
                "cancelled"
            } else {
                "refund_failed"
            };
            Ok(see_other(&format!("/operator/permits/{id}?m={m}")))
        }
    }
}

pub async fn refund_retry(
    op: OperatorCtx,
    state: Data,
    path: web::Path<(PermitId, crate::domain::RefundId)>,
    _csrf: CsrfForm<CsrfOnly>,
) -> Reply {
    let (id, rid) = path.into_inner();
    let opid = op.me.user.id;
    let found = db::query(&state.pool, move |c| {
        db::write_tx(c, |c| {
            let Some(r) = refunds::by_id(c, rid)?.filter(|r| r.permit_id == id) else {
                return Ok(false);
            };
            let now = clock::now();
            if r.status == RefundStatus::Failed {
                refunds::retry(c, rid, now)?;
            }
            let subject = format!("permit:{id}");
            audit::record(
                c,
                Some(opid),
                "refund.retry",
                &subject,
                Some(r.status.as_str()),
                Some(RefundStatus::Pending.as_str()),
                now,
            )?;
            Ok(true)
        })
    })
    .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    let done = crate::payments::refund::send(&state.pool, &state.swish, &state.nexi, rid).await?;
    let m = if done { "cancelled" } else { "refund_failed" };
    Ok(see_other(&format!("/operator/permits/{id}?m={m}")))
}

/// An audit row in words: a change by the office as the permit's history says it, a refund
/// sent again; an action without words of its own by its name.
fn audit_line(t: &Texts, p: &db_permits::PermitRow, a: &audit::AuditRow) -> String {
    match a.action.strip_prefix("permit.") {
        Some(kind) => {
            // The after value is "summary; detail" (services::permits).
            let detail = a
                .after_value
                .as_deref()
                .and_then(|v| v.split_once("; "))
                .map_or("", |(_, d)| d);
            let line = crate::web::permits::history::line(t, p, kind, detail);
            // The office also sees what a number or the dates were before.
            match kind {
                "regnr" | "dates" if detail.contains('→') => format!("{line} ({detail})"),
                _ => line,
            }
        }
        None if a.action == "refund.retry" => t.op_refund_retry.to_string(),
        None => a.action.clone(),
    }
}

/// "Makulera" asks once more (#16 item 4): what is cancelled, what is refunded and how, that the
/// customer is told and that it cannot be undone; "Ja, makulera" posts again with `confirm`.
/// A refund over what is left to refund, or a permit that cannot be cancelled, is refused
/// here already (the domain checks both again on the second post).
async fn cancel_check(
    op: &OperatorCtx,
    state: &AppState,
    id: PermitId,
    refund: Option<i64>,
    typed_refund: &str,
) -> Reply {
    let t = op.ctx.t();
    let (p, paid, committed) = db::query(&state.pool, move |c| {
        let Some(p) = db_permits::by_id(c, id)? else {
            return Ok(None);
        };
        let paid = office::payments_for_permit(c, id)?
            .into_iter()
            .find(|x| x.status == PaymentStatus::Paid);
        let committed = match &paid {
            Some(x) => refunds::committed_for_payment(c, x.id)?,
            None => 0,
        };
        Ok(Some((p, paid, committed)))
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let refund = refund.filter(|ore| *ore > 0);
    let refusal = if let Err(e) = p.state.apply(Event::Cancel) {
        Some(refused_text(t, &PermitError::Rule(RuleError::from(e))))
    } else {
        match (refund, &paid) {
            (Some(_), None) => Some(t.op_nothing_paid),
            (Some(ore), Some(x)) if committed + ore > x.amount_ore => Some(t.op_refund_too_large),
            _ => None,
        }
    };
    if let Some(e) = refusal {
        let m = PermitMsgs {
            cancel_error: Some(e),
            refund_typed: Some(typed_refund.chars().take(20).collect()),
            ..Default::default()
        };
        return refused(op, state, id, m).await;
    }
    let back = format!("/operator/permits/{id}");
    let body = html! {
        div.notice.warning role="status" { (t.op_cancel_check_intro) }
        dl.card {
            dt { (t.type_label) } dd { (permit_type_name(&p, op.ctx.lang)) }
            dt { (t.regnr_label) } dd { (p.regnr) }
            dt { (t.period_label) } dd { (p.start_date) " – " (p.end_date) }
            dt { (t.op_refund_label) }
            dd {
                @match (refund, &paid) {
                    (Some(ore), Some(x)) => { (Money::from_ore(ore)) " · " (labels::method(t, &x.method)) }
                    _ => { (t.op_cancel_check_no_refund) }
                }
            }
        }
        p { (t.op_cancel_check_told) }
        form method="post" action={ "/operator/permits/" (id) "/cancel" } {
            (csrf(&op.me.csrf_token))
            input type="hidden" name="refund" value=(refund.map(|ore| Money::from_ore(ore).sek_typed()).unwrap_or_default());
            input type="hidden" name="confirm" value="yes";
            div.actions {
                button.danger type="submit" { (t.op_cancel_confirm) }
                a.button.secondary href=(back) { (t.op_cancel_back) }
            }
        }
    };
    Ok(respond(
        StatusCode::OK,
        operator_page(
            &op.ctx,
            &op.me.csrf_token,
            &format!("{} {}", t.op_cancel_check_title, p.regnr),
            body,
        ),
    ))
}
