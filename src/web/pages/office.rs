//! The parking office's work in the operator portal: "Översikt", "Ansökningar", "Ärenden",
//! "Sök", a customer's page, a permit's page with its changes and refunds, the catalogue and
//! the CSV reports. Every route is inside the `/operator` scope behind its guard, and every
//! handler takes [`OperatorCtx`]. Permit changes go through the permit's actor, which writes
//! the audit row in the change's own transaction.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use maud::{Markup, html};
use serde::Deserialize;

use super::messages::textarea;
use super::permits::{permit_type_name, regnr_error, send_change, status_label};
use crate::actors::{PermitChange, PermitError, RuleError};
use crate::cases::{self, CaseError};
use crate::clock;
use crate::db::schema::{car_parks, packages, permit_types};
use crate::db::{self, audit, cases as db_cases, office, permits as db_permits, refunds};
use crate::domain::permit::{Event, State, today};
use crate::domain::{Money, RegNumber};
use crate::state::AppState;
use crate::web::ctx::{Ctx, OperatorCtx};
use crate::web::error::AppError;
use crate::web::forms::{Field, csrf, input, notice, notice_error};
use crate::web::i18n::Texts;
use crate::web::layout::operator_page;
use crate::web::respond::see_other;

type Data = web::Data<AppState>;

pub fn routes(scope: actix_web::Scope) -> actix_web::Scope {
    scope
        .route("/dashboard", web::get().to(dashboard))
        .route("/applications", web::get().to(applications))
        .route("/applications/{id}/attachment", web::get().to(attachment))
        .route("/applications/{id}/approve", web::post().to(approve))
        .route("/applications/{id}/reject", web::post().to(reject))
        .route("/cases", web::get().to(inbox))
        .route("/cases/{id}", web::get().to(case_page))
        .route("/cases/{id}", web::post().to(case_reply))
        .route("/cases/{id}/close", web::post().to(case_close))
        .route("/search", web::get().to(search))
        .route("/customers/{id}", web::get().to(customer))
        .route("/permits/{id}", web::get().to(permit_page))
        .route("/permits/{id}/regnr", web::post().to(permit_regnr))
        .route("/permits/{id}/dates", web::post().to(permit_dates))
        .route("/permits/{id}/cancel", web::post().to(permit_cancel))
        .route(
            "/permits/{id}/refunds/{rid}/retry",
            web::post().to(refund_retry),
        )
        .route("/catalogue", web::get().to(catalogue))
        .route("/catalogue/packages", web::post().to(add_package))
        .route("/catalogue/packages/{id}", web::post().to(update_package))
        .route("/catalogue/car-parks", web::post().to(add_car_park))
        .route("/staff", web::get().to(staff))
        .route("/staff", web::post().to(invite))
        .route("/reports", web::get().to(reports))
        .route("/reports/permits.csv", web::get().to(permits_csv))
        .route("/reports/payments.csv", web::get().to(payments_csv))
}

fn respond(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(markup.into_string())
}

fn page(op: &OperatorCtx, title: &str, body: Markup) -> HttpResponse {
    respond(
        StatusCode::OK,
        operator_page(&op.ctx, &op.me.csrf_token, title, body),
    )
}

#[derive(Deserialize, Default)]
pub struct Flash {
    m: Option<String>,
}

fn flash(t: &Texts, f: &Flash) -> Markup {
    let text = match f.m.as_deref() {
        Some("approved") => t.op_approved,
        Some("rejected") => t.op_rejected,
        Some("replied") => t.op_replied,
        Some("closed") => t.op_case_closed,
        Some("changed") => t.op_permit_changed,
        Some("cancelled") => t.op_permit_cancelled,
        Some("refund_failed") => return notice_error(t.op_refund_failed),
        Some("saved") => t.op_saved,
        _ => return html! {},
    };
    notice(text)
}

/// Sends an office change to the permit's actor.
async fn office_change(
    state: &AppState,
    op: &OperatorCtx,
    permit_id: i64,
    change: PermitChange,
) -> Result<Result<db_permits::PermitRow, PermitError>, AppError> {
    send_change(state, permit_id, None, op.me.user.id, change).await
}

fn refused_text(t: &Texts, e: &PermitError) -> &'static str {
    match e {
        PermitError::Rule(RuleError::Refused(r)) => t.refusal(r),
        PermitError::Rule(RuleError::RefundTooLarge) => t.op_refund_too_large,
        PermitError::Rule(RuleError::NothingPaid) => t.op_nothing_paid,
        PermitError::Rule(RuleError::Backwards) => t.rule_backwards,
        PermitError::Conflict => t.rule_conflict,
        _ => t.rule_not_changeable,
    }
}

// ---- Översikt ----

pub async fn dashboard(op: OperatorCtx, state: Data) -> Result<HttpResponse, AppError> {
    let t = op.ctx.t();
    let today = today(chrono::Utc::now());
    let month_start = today
        .with_day(1)
        .unwrap_or(today)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let d = db::run(&state.pool, move |c| {
        Ok(office::dashboard(c, today, month_start)?)
    })
    .await?;
    let body = html! {
        dl.card.counters {
            dt { (t.op_active_today) } dd { strong #active-today { (d.active_today) } }
            dt { (t.op_sales_month) } dd { strong #sales-month { (Money::from_ore(d.sales_month_ore)) } " (" (d.sales_month_count) ")" }
            dt { a href="/operator/applications" { (t.op_applications) } } dd { strong #pending-applications { (d.pending_applications) } }
            dt { a href="/operator/cases" { (t.op_cases) } } dd { strong #open-cases { (d.open_cases) } }
        }
    };
    Ok(page(&op, t.op_dashboard, body))
}

// ---- Ansökningar ----

pub async fn applications(
    op: OperatorCtx,
    state: Data,
    q: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    let t = op.ctx.t();
    let list = db::run(&state.pool, |c| Ok(office::pending_applications(c)?)).await?;
    let body = html! {
        (flash(t, &q))
        @if list.is_empty() { p { (t.op_no_applications) } }
        @for a in &list {
            @let p = &a.permit;
            section.card aria-labelledby={ "app-" (p.id) } {
                h2 #{ "app-" (p.id) } { (permit_type_name(p, op.ctx.lang)) " – " (p.regnr) }
                dl {
                    @if let Some(u) = &a.applicant {
                        dt { (t.op_applicant) } dd { a href={ "/operator/customers/" (u.id) } { (u.name) } " (" (u.email) ")" }
                    }
                    dt { (t.app_org) } dd { (a.organisation) }
                    dt { (t.app_role) } dd { (a.role) }
                    dt { (t.app_reason) } dd { (a.reason) }
                    dt { (t.period_label) } dd { (p.start_date) " – " (p.end_date) }
                    @if a.has_attachment {
                        dt { (t.attach_heading) }
                        dd { a href={ "/operator/applications/" (p.id) "/attachment" } { (crate::domain::text::display_safe(a.attachment_name.as_deref().unwrap_or("PDF"))) } }
                    }
                }
                form method="post" action={ "/operator/applications/" (p.id) "/approve" } {
                    (csrf(&op.me.csrf_token))
                    button type="submit" { (t.op_approve) }
                }
                form method="post" action={ "/operator/applications/" (p.id) "/reject" } novalidate {
                    (csrf(&op.me.csrf_token))
                    label for={ "motivering-" (p.id) } { (t.op_reason) }
                    input id={ "motivering-" (p.id) } type="text" name="reason" required maxlength="500";
                    button.secondary type="submit" { (t.op_reject) }
                }
            }
        }
    };
    Ok(page(&op, t.op_applications, body))
}

pub async fn attachment(
    _op: OperatorCtx,
    state: Data,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (name, data) = db::run(&state.pool, move |c| Ok(office::attachment(c, id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    // Served under the server's own name (as stored since the upload check), never sniffed.
    let name: String = name
        .filter(|n| n.starts_with("bilaga-") && n.ends_with(".pdf"))
        .unwrap_or_else(|| format!("bilaga-{id}.pdf"))
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(data))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn approve(
    op: OperatorCtx,
    state: Data,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    op.me.check_csrf(&form.csrf)?;
    let change = PermitChange::Transition {
        event: Event::Approve,
        detail: "approved".into(),
    };
    match office_change(&state, &op, id.into_inner(), change).await? {
        Ok(_) => Ok(see_other("/operator/applications?m=approved")),
        Err(e) => Ok(error_page(&op, refused_text(op.ctx.t(), &e))),
    }
}

#[derive(Deserialize)]
pub struct RejectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

pub async fn reject(
    op: OperatorCtx,
    state: Data,
    id: web::Path<i64>,
    form: web::Form<RejectForm>,
) -> Result<HttpResponse, AppError> {
    op.me.check_csrf(&form.csrf)?;
    let t = op.ctx.t();
    let Ok(reason) = crate::domain::text::Text::parse(&form.reason, 500) else {
        return Ok(respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            operator_page(
                &op.ctx,
                &op.me.csrf_token,
                t.op_applications,
                html! {
                    (notice_error(t.op_reason_needed))
                    p { a href="/operator/applications" { (t.op_applications) } }
                },
            ),
        ));
    };
    let change = PermitChange::Reject {
        reason: reason.as_str().to_string(),
    };
    match office_change(&state, &op, id.into_inner(), change).await? {
        Ok(_) => Ok(see_other("/operator/applications?m=rejected")),
        Err(e) => Ok(error_page(&op, refused_text(t, &e))),
    }
}

fn error_page(op: &OperatorCtx, text: &str) -> HttpResponse {
    let t = op.ctx.t();
    respond(
        StatusCode::UNPROCESSABLE_ENTITY,
        operator_page(
            &op.ctx,
            &op.me.csrf_token,
            t.error_title,
            html! { (notice_error(text)) p { a href="/operator/dashboard" { (t.op_dashboard) } } },
        ),
    )
}

// ---- Ärenden ----

pub async fn inbox(op: OperatorCtx, state: Data) -> Result<HttpResponse, AppError> {
    let t = op.ctx.t();
    let list = db::run(&state.pool, |c| Ok(db_cases::inbox(c)?)).await?;
    let body = html! {
        @if list.is_empty() { p { (t.op_no_cases) } }
        @else {
            table.list {
                thead { tr { th scope="col" { (t.col_subject) } th scope="col" { (t.col_status) } th scope="col" { (t.col_updated) } } }
                tbody {
                    @for (c, waiting) in &list {
                        tr.waiting[*waiting] {
                            td { a href={ "/operator/cases/" (c.id) } { (c.subject) } @if *waiting { " " span.badge.dark { (t.op_unanswered) } } }
                            td { @if c.status == "open" { (t.case_open) } @else { (t.case_closed) } }
                            td { (clock::local_display(c.updated_at)) }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&op, t.op_cases, body))
}

async fn case_view(
    op: &OperatorCtx,
    state: &AppState,
    id: i64,
    flash_markup: Markup,
    typed: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let t = op.ctx.t();
    let (case, messages, customer) = db::run(&state.pool, move |c| {
        let Some(case) = db_cases::by_id(c, id)? else {
            return Ok(None);
        };
        let messages = db_cases::messages(c, id)?;
        let customer = crate::db::accounts::user_by_id(c, case.user_id)?;
        Ok(Some((case, messages, customer)))
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let body = html! {
        (flash_markup)
        dl.card {
            dt { (t.col_subject) } dd { (case.subject) }
            dt { (t.col_status) } dd { @if case.status == "open" { (t.case_open) } @else { (t.case_closed) } }
            @if let Some(u) = &customer { dt { (t.op_customer) } dd { a href={ "/operator/customers/" (u.id) } { (u.name) } " (" (u.email) ")" } }
            @if let Some(pid) = case.permit_id { dt { (t.op_permit) } dd { a href={ "/operator/permits/" (pid) } { "#" (pid) } } }
        }
        ol.thread {
            @for m in &messages {
                li.from-office[m.from_operator] {
                    p.meta { strong { @if m.from_operator { (t.author_office) } @else { (t.op_customer) } } " · " (clock::local_display(m.created_at)) }
                    p.body { (m.body) }
                }
            }
        }
        @if let Some(e) = error { (notice_error(e)) }
        form method="post" action={ "/operator/cases/" (case.id) } novalidate {
            (csrf(&op.me.csrf_token))
            (textarea("message", t.message_label, typed, error))
            button type="submit" { (t.send) }
        }
        @if case.status == "open" {
            form method="post" action={ "/operator/cases/" (case.id) "/close" } {
                (csrf(&op.me.csrf_token))
                button.secondary type="submit" { (t.op_close_case) }
            }
        }
    };
    Ok(respond(
        status,
        operator_page(
            &op.ctx,
            &op.me.csrf_token,
            &format!("{}: {}", t.case_title, case.subject),
            body,
        ),
    ))
}

pub async fn case_page(
    op: OperatorCtx,
    state: Data,
    id: web::Path<i64>,
    q: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    // The office has now seen what the customer wrote.
    db::run(&state.pool, move |c| {
        Ok(db_cases::mark_read(c, id, true, clock::now())?)
    })
    .await?;
    let f = flash(op.ctx.t(), &q);
    case_view(&op, &state, id, f, "", None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    message: String,
}

pub async fn case_reply(
    op: OperatorCtx,
    state: Data,
    id: web::Path<i64>,
    form: web::Form<ReplyForm>,
) -> Result<HttpResponse, AppError> {
    op.me.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    let (opid, text, base) = (op.me.user.id, form.message.clone(), state.link(""));
    let outcome = db::run(&state.pool, move |c| {
        Ok(cases::operator_reply(c, Some(opid), id, &text, &base))
    })
    .await?;
    match outcome {
        Ok(()) => {
            state.wake_mailbox();
            Ok(see_other(&format!("/operator/cases/{id}?m=replied")))
        }
        Err(CaseError::NotFound) => Err(AppError::NotFound),
        Err(CaseError::Db(e)) => Err(AppError::Internal(e.into())),
        Err(_) => {
            let t = op.ctx.t();
            case_view(
                &op,
                &state,
                id,
                html! {},
                &form.message,
                Some(t.err_message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn case_close(
    op: OperatorCtx,
    state: Data,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    op.me.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    let opid = op.me.user.id;
    match db::run(&state.pool, move |c| Ok(cases::close(c, Some(opid), id))).await? {
        Ok(_) => Ok(see_other(&format!("/operator/cases/{id}?m=closed"))),
        Err(CaseError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(AppError::Internal(anyhow::anyhow!("{e}"))),
    }
}

// ---- Sök ----

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    q: Option<String>,
}

fn permit_table(ctx: &Ctx, list: &[db_permits::PermitRow]) -> Markup {
    let t = ctx.t();
    html! {
        table.list {
            thead { tr { th scope="col" { "#" } th scope="col" { (t.col_regnr) } th scope="col" { (t.col_type) } th scope="col" { (t.col_period) } th scope="col" { (t.col_status) } } }
            tbody {
                @for p in list {
                    tr {
                        td { a href={ "/operator/permits/" (p.id) } { (p.id) } }
                        td { (p.regnr) }
                        td { (permit_type_name(p, ctx.lang)) }
                        td { (p.start_date) " – " (p.end_date) }
                        td { (status_label(p, ctx.lang)) }
                    }
                }
            }
        }
    }
}

pub async fn search(
    op: OperatorCtx,
    state: Data,
    q: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    let t = op.ctx.t();
    let typed: String = q.q.clone().unwrap_or_default().chars().take(100).collect();
    let found = if typed.trim().is_empty() {
        None
    } else {
        let regnr = RegNumber::for_lookup(&typed)
            .ok()
            .map(|r| r.as_str().to_string());
        let text = typed.clone();
        Some(
            db::run(&state.pool, move |c| {
                Ok(office::search(c, &text, regnr.as_deref())?)
            })
            .await?,
        )
    };
    let body = html! {
        form method="get" action="/operator/search" {
            (input(Field::new("q", t.op_search_label, "search").value(&typed).optional().hint(t.op_search_hint)))
            button type="submit" { (t.op_search_button) }
        }
        @if let Some(f) = &found {
            @if f.permits.is_empty() && f.users.is_empty() { p { (t.op_nothing_found) } }
            @if !f.users.is_empty() {
                h2 { (t.op_customers) }
                ul { @for u in &f.users { li { a href={ "/operator/customers/" (u.id) } { (u.name) } " – " (u.email) } } }
            }
            @if !f.permits.is_empty() {
                h2 { (t.op_permits) }
                (permit_table(&op.ctx, &f.permits))
            }
        }
    };
    Ok(page(&op, t.op_search, body))
}

// ---- Kund ----

pub async fn customer(
    op: OperatorCtx,
    state: Data,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let t = op.ctx.t();
    let id = id.into_inner();
    let c = db::run(&state.pool, move |c| Ok(office::customer(c, id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let body = html! {
        dl.card {
            dt { (t.name) } dd { (c.user.name) }
            dt { (t.email) } dd { (c.user.email) }
            dt { (t.mobile) } dd { (c.user.mobile) }
            dt { (t.op_role) } dd { (c.user.role) }
        }
        h2 { (t.op_permits) }
        (permit_table(&op.ctx, &c.permits))
        h2 { (t.op_payments) }
        table.list {
            thead { tr { th scope="col" { "#" } th scope="col" { (t.op_permit) } th scope="col" { (t.pay_method) } th scope="col" { (t.price_label) } th scope="col" { (t.col_status) } } }
            tbody { @for p in &c.payments { tr { td { (p.id) } td { a href={ "/operator/permits/" (p.permit_id) } { "#" (p.permit_id) } } td { (p.method) } td { (Money::from_ore(p.amount_ore)) } td { (p.status) } } } }
        }
        h2 { (t.op_cases) }
        ul { @for k in &c.cases { li { a href={ "/operator/cases/" (k.id) } { (k.subject) } } } }
        h2 { (t.nav_notifications) }
        ul { @for n in &c.notifications { li { (clock::local_display(n.created_at)) " · " (n.channel) " · " (n.subject) " · " (n.status) } } }
    };
    Ok(page(&op, &c.user.name, body))
}

// ---- Tillstånd ----

#[derive(Default)]
struct PermitMsgs<'a> {
    regnr_error: Option<&'a str>,
    regnr_typed: Option<String>,
    dates_error: Option<&'a str>,
    cancel_error: Option<&'a str>,
}

async fn permit_view(
    op: &OperatorCtx,
    state: &AppState,
    id: i64,
    f: Markup,
    m: PermitMsgs<'_>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let t = op.ctx.t();
    let (p, events, audit_rows, pays, refs, owner) = db::run(&state.pool, move |c| {
        let Some(p) = db_permits::by_id(c, id)? else {
            return Ok(None);
        };
        let events = db_permits::events(c, id)?;
        let audit_rows = audit::for_subject(c, &format!("permit:{id}"))?;
        let pays = office::payments_for_permit(c, id)?;
        let refs = refunds::for_permit(c, id)?;
        let owner = crate::db::accounts::user_by_id(c, p.user_id)?;
        Ok(Some((p, events, audit_rows, pays, refs, owner)))
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let state_now = State::parse(&p.state);
    let paid = pays.iter().find(|x| x.status == "paid");
    let refunded: i64 = refs
        .iter()
        .filter(|r| r.status != "failed")
        .map(|r| r.amount_ore)
        .sum();
    let refundable = paid.map(|x| x.amount_ore - refunded).unwrap_or(0).max(0);
    let body = html! {
        (f)
        dl.card {
            dt { "#" } dd { (p.id) }
            dt { (t.type_label) } dd { (permit_type_name(&p, op.ctx.lang)) }
            @if let Some(u) = &owner { dt { (t.op_customer) } dd { a href={ "/operator/customers/" (u.id) } { (u.name) } " (" (u.email) ")" } }
            dt { (t.regnr_label) } dd { (p.regnr) }
            dt { (t.period_label) } dd { (p.start_date) " – " (p.end_date) }
            @if let Some(b) = p.days_bought { dt { (t.days_left_label) } dd { ((b - p.days_used).max(0)) " / " (b) } }
            dt { (t.status_label) } dd { strong #status { (status_label(&p, op.ctx.lang)) } }
            dt { (t.price_label) } dd { (Money::from_ore(p.price_ore)) }
        }
        @if state_now.is_some_and(State::allows_changes) {
            section aria-labelledby="op-regnr-h" {
                h2 #op-regnr-h { (t.op_change_regnr) }
                form method="post" action={ "/operator/permits/" (p.id) "/regnr" } novalidate {
                    (csrf(&op.me.csrf_token))
                    (input(Field::new("regnr", t.regnr_label, "text").value(m.regnr_typed.as_deref().unwrap_or(&p.regnr)).error(m.regnr_error).autocomplete("off")))
                    button type="submit" { (t.update_button) }
                }
            }
            section aria-labelledby="op-dates-h" {
                h2 #op-dates-h { (t.op_change_dates) }
                @if let Some(e) = m.dates_error { (notice_error(e)) }
                form method="post" action={ "/operator/permits/" (p.id) "/dates" } novalidate {
                    (csrf(&op.me.csrf_token))
                    (input(Field::new("start", t.start_label, "date").value(&p.start_date.to_string())))
                    (input(Field::new("end", t.op_end_label, "date").value(&p.end_date.to_string())))
                    button type="submit" { (t.op_save_dates) }
                }
            }
            section aria-labelledby="op-cancel-h" {
                h2 #op-cancel-h { (t.op_cancel_heading) }
                @if let Some(e) = m.cancel_error { (notice_error(e)) }
                form method="post" action={ "/operator/permits/" (p.id) "/cancel" } novalidate {
                    (csrf(&op.me.csrf_token))
                    @if paid.is_some() {
                        (input(Field::new("refund", t.op_refund_label, "text").value(&Money::from_ore(refundable).sek().replace(" kr", "")).optional().hint(t.op_refund_hint)))
                    }
                    button.danger type="submit" { (t.op_cancel_button) }
                }
            }
        }
        @if !pays.is_empty() {
            h2 { (t.op_payments) }
            ul { @for x in &pays { li { (clock::local_display(x.created_at)) " · " (x.method) " · " (Money::from_ore(x.amount_ore)) " · " (x.status) " · " (x.provider_ref) } } }
        }
        @if !refs.is_empty() {
            h2 { (t.op_refunds) }
            ul {
                @for r in &refs {
                    li {
                        (clock::local_display(r.created_at)) " · " (Money::from_ore(r.amount_ore)) " · " strong { (r.status) }
                        @if let Some(e) = &r.error { " · " (e) }
                        @if r.status == "failed" || r.status == "pending" {
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
            @for e in &events { li { (clock::local_display(e.at)) " · " (e.kind) " · " (e.detail) } }
        }
        @if !audit_rows.is_empty() {
            h2 { (t.op_audit) }
            ul.history {
                @for a in &audit_rows {
                    li { (clock::local_display(a.at)) " · " (a.action) " · " (a.actor_id.map(|i| i.to_string()).unwrap_or_default()) " · " (a.before_value.as_deref().unwrap_or("")) " → " (a.after_value.as_deref().unwrap_or("")) }
                }
            }
        }
    };
    Ok(respond(
        status,
        operator_page(&op.ctx, &op.me.csrf_token, t.permit_title, body),
    ))
}

/// A refused change: the permit's page again (422) with the reason beside its form.
async fn refused(
    op: &OperatorCtx,
    state: &AppState,
    id: i64,
    m: PermitMsgs<'_>,
) -> Result<HttpResponse, AppError> {
    permit_view(op, state, id, html! {}, m, StatusCode::UNPROCESSABLE_ENTITY).await
}

pub async fn permit_page(
    op: OperatorCtx,
    state: Data,
    id: web::Path<i64>,
    q: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
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

#[derive(Deserialize)]
pub struct RegnrForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    regnr: String,
}

pub async fn permit_regnr(
    op: OperatorCtx,
    state: Data,
    id: web::Path<i64>,
    form: web::Form<RegnrForm>,
) -> Result<HttpResponse, AppError> {
    op.me.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    let t = op.ctx.t();
    let typed: String = form.regnr.chars().take(40).collect();
    let error = match RegNumber::parse(&form.regnr, false) {
        Err(e) => Some(regnr_error(t, e, false)),
        Ok(r) => match office_change(&state, &op, id, PermitChange::SetRegnr(r)).await? {
            Ok(_) => return Ok(see_other(&format!("/operator/permits/{id}?m=changed"))),
            Err(e) => Some(refused_text(t, &e)),
        },
    };
    let m = PermitMsgs {
        regnr_error: error,
        regnr_typed: Some(typed),
        ..Default::default()
    };
    refused(&op, &state, id, m).await
}

#[derive(Deserialize)]
pub struct DatesForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
}

pub async fn permit_dates(
    op: OperatorCtx,
    state: Data,
    id: web::Path<i64>,
    form: web::Form<DatesForm>,
) -> Result<HttpResponse, AppError> {
    op.me.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    let t = op.ctx.t();
    let parse = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    let error = match (parse(&form.start), parse(&form.end)) {
        (Some(start), Some(end)) => {
            match office_change(&state, &op, id, PermitChange::SetDates { start, end }).await? {
                Ok(_) => return Ok(see_other(&format!("/operator/permits/{id}?m=changed"))),
                Err(e) => refused_text(t, &e),
            }
        }
        _ => t.err_start_invalid,
    };
    let m = PermitMsgs {
        dates_error: Some(error),
        ..Default::default()
    };
    refused(&op, &state, id, m).await
}

#[derive(Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    refund: String,
}

/// "Makulera": the permit is cancelled and the refund written in one change; then the
/// provider is asked. A refund the provider refused stays "failed" with a retry button.
pub async fn permit_cancel(
    op: OperatorCtx,
    state: Data,
    id: web::Path<i64>,
    form: web::Form<CancelForm>,
) -> Result<HttpResponse, AppError> {
    op.me.check_csrf(&form.csrf)?;
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
                    ..Default::default()
                };
                return refused(&op, &state, id, m).await;
            }
        }
    };
    match office_change(&state, &op, id, PermitChange::Cancel { refund_ore: refund }).await? {
        Err(e) => {
            let m = PermitMsgs {
                cancel_error: Some(refused_text(t, &e)),
                ..Default::default()
            };
            refused(&op, &state, id, m).await
        }
        Ok(_) => {
            state.wake_mailbox();
            let pending: Vec<i64> = db::run(&state.pool, move |c| {
                Ok(refunds::for_permit(c, id)?
                    .into_iter()
                    .filter(|r| r.status == "pending")
                    .map(|r| r.id)
                    .collect())
            })
            .await?;
            let mut all_done = true;
            for rid in pending {
                all_done &= crate::payments::refund::execute(&state, rid).await?;
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
    path: web::Path<(i64, i64)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    op.me.check_csrf(&form.csrf)?;
    let (id, rid) = path.into_inner();
    let opid = op.me.user.id;
    let found = db::run(&state.pool, move |c| {
        db::write_tx(c, |c| {
            let Some(r) = refunds::by_id(c, rid)?.filter(|r| r.permit_id == id) else {
                return Ok(false);
            };
            let now = clock::now();
            if r.status == "failed" {
                refunds::retry(c, rid, now)?;
            }
            let subject = format!("permit:{id}");
            audit::record(
                c,
                Some(opid),
                "refund.retry",
                &subject,
                Some(&r.status),
                Some("pending"),
                now,
            )?;
            Ok(true)
        })
    })
    .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    let done = crate::payments::refund::execute(&state, rid).await?;
    let m = if done { "cancelled" } else { "refund_failed" };
    Ok(see_other(&format!("/operator/permits/{id}?m={m}")))
}

// ---- Katalog ----

pub async fn catalogue(
    op: OperatorCtx,
    state: Data,
    q: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    let t = op.ctx.t();
    type Pkg = (i64, i64, String, i32, i64, bool);
    let (types, pkgs, parks) = db::run(&state.pool, |c| {
        let types: Vec<(i64, String, String, bool)> = permit_types::table
            .order(permit_types::sort_order.asc())
            .select((
                permit_types::id,
                permit_types::name_sv,
                permit_types::kind,
                permit_types::needs_approval,
            ))
            .load(c)?;
        let pkgs: Vec<Pkg> = packages::table
            .order((packages::permit_type_id.asc(), packages::sort_order.asc()))
            .select((
                packages::id,
                packages::permit_type_id,
                packages::name_sv,
                packages::months,
                packages::price_ore,
                packages::active,
            ))
            .load(c)?;
        let parks: Vec<(i64, String, String, bool)> = car_parks::table
            .order(car_parks::id.asc())
            .select((
                car_parks::id,
                car_parks::name,
                car_parks::site,
                car_parks::active,
            ))
            .load(c)?;
        Ok((types, pkgs, parks))
    })
    .await?;
    let body = html! {
        (flash(t, &q))
        p { (t.op_catalogue_note) }
        @for (tid, name, kind, approval) in &types {
            section.card aria-labelledby={ "type-" (tid) } {
                h2 #{ "type-" (tid) } { (name) }
                p { (kind) @if *approval { " · " (t.op_needs_approval) } }
                ul {
                    @for (pid, _, pname, months, price, active) in pkgs.iter().filter(|p| p.1 == *tid) {
                        li {
                            form.inline method="post" action={ "/operator/catalogue/packages/" (pid) } {
                                (csrf(&op.me.csrf_token))
                                strong { (pname) } " (" (months) ") "
                                label for={ "price-" (pid) } { (t.op_price_label) }
                                input id={ "price-" (pid) } type="text" name="price" value=(Money::from_ore(*price).sek().replace(" kr", "")) inputmode="decimal";
                                div.check {
                                    input id={ "active-" (pid) } type="checkbox" name="active" value="yes" checked[*active];
                                    label for={ "active-" (pid) } { (t.op_active) }
                                }
                                button.small type="submit" { (t.op_save) }
                            }
                        }
                    }
                }
                @if kind == "period" {
                    form method="post" action="/operator/catalogue/packages" novalidate {
                        (csrf(&op.me.csrf_token))
                        input type="hidden" name="type_id" value=(tid);
                        (input(Field::new(&format!("name-{tid}"), t.op_package_name, "text").optional()))
                        (input(Field::new(&format!("months-{tid}"), t.op_package_months, "number").optional()))
                        (input(Field::new(&format!("newprice-{tid}"), t.op_price_label, "text").optional()))
                        button.secondary type="submit" { (t.op_add_package) }
                    }
                }
            }
        }
        section.card aria-labelledby="parks-h" {
            h2 #parks-h { (t.op_car_parks) }
            ul { @for (_, name, site, active) in &parks { li { (name) " – " (site) @if !*active { " (" (t.op_inactive) ")" } } } }
            form method="post" action="/operator/catalogue/car-parks" novalidate {
                (csrf(&op.me.csrf_token))
                (input(Field::new("park_name", t.op_park_name, "text").optional()))
                (input(Field::new("park_site", t.op_park_site, "text").optional()))
                button.secondary type="submit" { (t.op_add_car_park) }
            }
        }
    };
    Ok(page(&op, t.op_catalogue, body))
}

/// The add-package form names its fields per type (`name-3`, …) so each type's form has
/// its own labels; read them from the raw pairs.
pub async fn add_package(
    op: OperatorCtx,
    state: Data,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    op.me.check_csrf(&get("csrf"))?;
    let t = op.ctx.t();
    let tid: i64 = get("type_id").parse().map_err(|_| AppError::NotFound)?;
    let name = crate::domain::text::Text::parse(&get(&format!("name-{tid}")), 60);
    let months: Option<i32> = get(&format!("months-{tid}"))
        .trim()
        .parse()
        .ok()
        .filter(|m| (1..=36).contains(m));
    let price = Money::parse_sek(&get(&format!("newprice-{tid}")));
    let (Ok(name), Some(months), Some(price)) = (name, months, price) else {
        return Ok(error_page(&op, t.op_package_invalid));
    };
    let opid = op.me.user.id;
    db::run(&state.pool, move |c| {
        db::write_tx(c, |c| {
            let vat: i32 = permit_types::table
                .find(tid)
                .filter(permit_types::kind.eq("period"))
                .select(permit_types::vat_basis_points)
                .first(c)
                .optional()?
                .ok_or(diesel::result::Error::NotFound)?;
            diesel::insert_into(packages::table)
                .values((
                    packages::permit_type_id.eq(tid),
                    packages::name_sv.eq(name.as_str()),
                    packages::name_en.eq(name.as_str()),
                    packages::months.eq(months),
                    packages::price_ore.eq(price.ore()),
                    packages::vat_basis_points.eq(vat),
                    packages::active.eq(true),
                    packages::sort_order.eq(months),
                ))
                .execute(c)?;
            let after = format!("{} {months} {}", name.as_str(), price.ore());
            audit::record(
                c,
                Some(opid),
                "package.add",
                &format!("permit_type:{tid}"),
                None,
                Some(&after),
                clock::now(),
            )?;
            Ok(())
        })
    })
    .await
    .map_err(|e| match e.downcast_ref::<diesel::result::Error>() {
        Some(diesel::result::Error::NotFound) => AppError::NotFound,
        _ => AppError::Internal(e),
    })?;
    Ok(see_other("/operator/catalogue?m=saved"))
}

#[derive(Deserialize)]
pub struct PackageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    price: String,
    active: Option<String>,
}

/// A new price or (in)activation applies to later purchases only: a sold permit keeps its
/// own copy of name and price.
pub async fn update_package(
    op: OperatorCtx,
    state: Data,
    id: web::Path<i64>,
    form: web::Form<PackageForm>,
) -> Result<HttpResponse, AppError> {
    op.me.check_csrf(&form.csrf)?;
    let t = op.ctx.t();
    let Some(price) = Money::parse_sek(&form.price) else {
        return Ok(error_page(&op, t.op_package_invalid));
    };
    let (id, active, opid) = (id.into_inner(), form.active.is_some(), op.me.user.id);
    let found = db::run(&state.pool, move |c| {
        db::write_tx(c, |c| {
            let before: Option<(i64, bool)> = packages::table
                .find(id)
                .select((packages::price_ore, packages::active))
                .first(c)
                .optional()?;
            let Some((old_price, old_active)) = before else {
                return Ok(false);
            };
            diesel::update(packages::table.find(id))
                .set((
                    packages::price_ore.eq(price.ore()),
                    packages::active.eq(active),
                ))
                .execute(c)?;
            audit::record(
                c,
                Some(opid),
                "package.update",
                &format!("package:{id}"),
                Some(&format!("price={old_price} active={old_active}")),
                Some(&format!("price={} active={active}", price.ore())),
                clock::now(),
            )?;
            Ok(true)
        })
    })
    .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/operator/catalogue?m=saved"))
}

#[derive(Deserialize)]
pub struct CarParkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    park_name: String,
    #[serde(default)]
    park_site: String,
}

pub async fn add_car_park(
    op: OperatorCtx,
    state: Data,
    form: web::Form<CarParkForm>,
) -> Result<HttpResponse, AppError> {
    op.me.check_csrf(&form.csrf)?;
    let t = op.ctx.t();
    let (Ok(name), Ok(site)) = (
        crate::domain::text::Text::parse(&form.park_name, 100),
        crate::domain::text::Text::parse(&form.park_site, 100),
    ) else {
        return Ok(error_page(&op, t.op_park_invalid));
    };
    let opid = op.me.user.id;
    db::run(&state.pool, move |c| {
        db::write_tx(c, |c| {
            let code = format!(
                "park-{}",
                crate::domain::token::new_token().get(..12).unwrap_or("x")
            );
            diesel::insert_into(car_parks::table)
                .values((
                    car_parks::code.eq(&code),
                    car_parks::name.eq(name.as_str()),
                    car_parks::site.eq(site.as_str()),
                    car_parks::active.eq(true),
                ))
                .execute(c)?;
            audit::record(
                c,
                Some(opid),
                "car_park.add",
                &format!("car_park:{code}"),
                None,
                Some(name.as_str()),
                clock::now(),
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(see_other("/operator/catalogue?m=saved"))
}

// ---- Personal (admins) ----

fn require_admin(op: &OperatorCtx) -> Result<(), AppError> {
    if op.me.user.role == "admin" {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Deserialize, Default)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

async fn staff_page(
    op: &OperatorCtx,
    state: &AppState,
    form: &InviteForm,
    error: Option<&str>,
    done: bool,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    use crate::db::schema::users;
    let t = op.ctx.t();
    let staff: Vec<(String, String, String)> = db::run(&state.pool, |c| {
        Ok(users::table
            .filter(users::role.ne("customer"))
            .filter(users::deleted_at.is_null())
            .order(users::id.asc())
            .select((users::name, users::email, users::role))
            .load(c)?)
    })
    .await?;
    let body = html! {
        @if done { (notice(t.op_invited)) }
        @if let Some(e) = error { (notice_error(e)) }
        table.list {
            thead { tr { th scope="col" { (t.name) } th scope="col" { (t.email) } th scope="col" { (t.op_role) } } }
            tbody { @for (n, e, r) in &staff { tr { td { (n) } td { (e) } td { (r) } } } }
        }
        h2 { (t.op_invite) }
        p { (t.op_invite_intro) }
        form method="post" action="/operator/staff" novalidate {
            (csrf(&op.me.csrf_token))
            (input(Field::new("email", t.email, "email").value(&form.email).autocomplete("off")))
            (input(Field::new("name", t.name, "text").value(&form.name).autocomplete("off")))
            fieldset {
                legend { (t.op_role) }
                div.check {
                    input #role-operator type="radio" name="role" value="operator" checked[form.role != "admin"];
                    label for="role-operator" { (t.op_role_operator) }
                }
                div.check {
                    input #role-admin type="radio" name="role" value="admin" checked[form.role == "admin"];
                    label for="role-admin" { (t.op_role_admin) }
                }
            }
            button type="submit" { (t.op_invite) }
        }
    };
    Ok(respond(
        status,
        operator_page(&op.ctx, &op.me.csrf_token, t.op_staff, body),
    ))
}

pub async fn staff(
    op: OperatorCtx,
    state: Data,
    q: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    require_admin(&op)?;
    let done = q.m.as_deref() == Some("invited");
    staff_page(
        &op,
        &state,
        &InviteForm::default(),
        None,
        done,
        StatusCode::OK,
    )
    .await
}

/// An admin invites an operator (or admin): the account is made (or an existing one given the
/// role) and a link to choose a password is e-mailed; it is the reset-password link, valid
/// for 7 days, so the one password page serves both.
pub async fn invite(
    op: OperatorCtx,
    state: Data,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, AppError> {
    require_admin(&op)?;
    op.me.check_csrf(&form.csrf)?;
    let t = op.ctx.t();
    let email = crate::domain::Email::parse(&form.email);
    let name = crate::domain::Name::parse(&form.name);
    let role = if form.role == "admin" {
        "admin"
    } else {
        "operator"
    };
    let (Ok(email), Ok(name)) = (email, name) else {
        return staff_page(
            &op,
            &state,
            &form,
            Some(t.op_invite_invalid),
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let opid = op.me.user.id;
    let employee = email.is_in_domain(&state.settings.employee_email_domain);
    let base = state.link("");
    db::run(&state.pool, move |c| {
        db::write_tx(c, |c| {
            use crate::db::accounts::{self, NewUser, TokenPurpose};
            use crate::db::schema::users;
            let now = clock::now();
            let user = match accounts::user_by_email(c, email.as_str())? {
                Some(u) => {
                    diesel::update(users::table.find(u.id))
                        .set(users::role.eq(role))
                        .execute(c)?;
                    u
                }
                None => accounts::insert_user(
                    c,
                    &NewUser {
                        email: email.as_str(),
                        // Not a hash: no password matches until the invitee chooses one.
                        password_hash: "!invited",
                        name: name.as_str(),
                        mobile: "",
                        is_employee: employee,
                        role,
                        language: "sv",
                        created_at: now,
                    },
                )?,
            };
            let token = crate::domain::token::new_token();
            accounts::insert_token(
                c,
                &token,
                user.id,
                TokenPurpose::Reset,
                None,
                now,
                chrono::Duration::days(7),
            )?;
            let link = format!("{base}/reset-password?token={token}");
            let lang = crate::web::i18n::Lang::parse(&user.language).unwrap_or_default();
            let message = crate::notify::messages::operator_invite(lang, name.as_str(), &link);
            crate::notify::queue_email(
                c,
                Some(user.id),
                email.as_str(),
                "operator_invite",
                message,
                now,
            )?;
            audit::record(
                c,
                Some(opid),
                "user.invite",
                &format!("user:{}", user.id),
                Some(&user.role),
                Some(role),
                now,
            )?;
            Ok(())
        })
    })
    .await?;
    state.wake_mailbox();
    Ok(see_other("/operator/staff?m=invited"))
}

// ---- Rapporter ----

#[derive(Deserialize, Default)]
pub struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

/// The report's days as typed, and the stored UTC times they span: `[start, end)` from
/// midnight of `from` to midnight after `to`, Swedish time.
struct Range {
    from: NaiveDate,
    to: NaiveDate,
    start: chrono::NaiveDateTime,
    end: chrono::NaiveDateTime,
}

fn range(q: &RangeQuery) -> Option<Range> {
    let parse = |s: &Option<String>| {
        s.as_deref()
            .and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
    };
    let (from, to) = (parse(&q.from)?, parse(&q.to)?);
    (from <= to).then(|| Range {
        from,
        to,
        start: clock::local_midnight_utc(from),
        end: clock::local_midnight_utc(to.succ_opt().unwrap_or(to)),
    })
}

pub async fn reports(op: OperatorCtx) -> Result<HttpResponse, AppError> {
    let t = op.ctx.t();
    let today = today(chrono::Utc::now());
    let first = today.with_day(1).unwrap_or(today).to_string();
    let body = html! {
        p { (t.op_reports_intro) }
        @for (action, label) in [("/operator/reports/permits.csv", t.op_export_permits), ("/operator/reports/payments.csv", t.op_export_payments)] {
            form method="get" action=(action) {
                h2 { (label) }
                @let fid = format!("{}-from", if action.contains("permits") { "permits" } else { "payments" });
                @let tid = format!("{}-to", if action.contains("permits") { "permits" } else { "payments" });
                label for=(fid) { (t.op_from) }
                input id=(fid) type="date" name="from" value=(first) required;
                label for=(tid) { (t.op_to) }
                input id=(tid) type="date" name="to" value=(today.to_string()) required;
                button type="submit" { (t.op_download) }
            }
        }
    };
    Ok(page(&op, t.op_reports, body))
}

/// One CSV field: quoted when needed, and a leading `=`, `+`, `-` or `@` made harmless so a
/// spreadsheet never runs it as a formula.
pub fn csv_field(raw: &str) -> String {
    let guarded = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{raw}")
    } else {
        raw.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r', ';']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn csv_line(fields: &[String]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

const PAGE: i64 = 500;

/// Streams a CSV read page by page (keyset on id), so a long range never sits in memory.
fn csv_stream<F>(
    state: Data,
    header: &'static [&'static str],
    filename: String,
    next_page: F,
) -> HttpResponse
where
    F: Fn(&mut crate::db::DbConnection, i64) -> diesel::QueryResult<(Vec<Vec<String>>, i64)>
        + Send
        + Sync
        + Clone
        + 'static,
{
    let head = csv_line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    let stream = futures_util::stream::unfold(Some((0i64, true)), move |cursor| {
        let state = state.clone();
        let next_page = next_page.clone();
        let head = head.clone();
        async move {
            let (after, first) = cursor?;
            let f = next_page.clone();
            let page = db::run(&state.pool, move |c| Ok(f(c, after)?)).await;
            match page {
                Err(e) => {
                    tracing::error!(error = %e, "CSV export");
                    Some((
                        Err(actix_web::error::ErrorInternalServerError("export")),
                        None,
                    ))
                }
                Ok((rows, last)) => {
                    let mut chunk = if first { head } else { String::new() };
                    let done = rows.len() < PAGE as usize;
                    for r in &rows {
                        chunk.push_str(&csv_line(r));
                    }
                    let next = (!done).then_some((last, false));
                    Some((Ok::<_, actix_web::Error>(web::Bytes::from(chunk)), next))
                }
            }
        }
    });
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .streaming(stream)
}

pub async fn permits_csv(
    op: OperatorCtx,
    state: Data,
    q: web::Query<RangeQuery>,
) -> Result<HttpResponse, AppError> {
    let Some(Range {
        from,
        to,
        start,
        end,
    }) = range(&q)
    else {
        return Ok(error_page(&op, op.ctx.t().op_range_invalid));
    };
    const HEADER: &[&str] = &[
        "permit",
        "created",
        "customer_email",
        "type",
        "package",
        "days",
        "regnr",
        "start",
        "end",
        "state",
        "price_ore",
        "vat_basis_points",
        "car_park_id",
    ];
    Ok(csv_stream(
        state,
        HEADER,
        format!("tillstand-{from}-{to}.csv"),
        move |c, after| {
            let rows = office::permits_page(c, start, end, after, PAGE)?;
            let last = rows.last().map_or(after, |(p, _)| p.id);
            let mut out = Vec::with_capacity(rows.len());
            for (p, email) in rows {
                out.push(vec![
                    p.id.to_string(),
                    clock::local_display(p.created_at),
                    email,
                    p.type_name_sv,
                    p.package_name_sv.unwrap_or_default(),
                    p.days_bought.map(|d| d.to_string()).unwrap_or_default(),
                    p.regnr,
                    p.start_date.to_string(),
                    p.end_date.to_string(),
                    p.state,
                    p.price_ore.to_string(),
                    p.vat_basis_points.to_string(),
                    p.car_park_id.to_string(),
                ]);
            }
            Ok((out, last))
        },
    ))
}

pub async fn payments_csv(
    op: OperatorCtx,
    state: Data,
    q: web::Query<RangeQuery>,
) -> Result<HttpResponse, AppError> {
    let Some(Range {
        from,
        to,
        start,
        end,
    }) = range(&q)
    else {
        return Ok(error_page(&op, op.ctx.t().op_range_invalid));
    };
    const HEADER: &[&str] = &[
        "payment",
        "permit",
        "paid_at",
        "receipt_number",
        "item",
        "regnr",
        "method",
        "provider_ref",
        "net_ore",
        "vat_rate",
        "vat_ore",
        "total_ore",
    ];
    Ok(csv_stream(
        state,
        HEADER,
        format!("betalningar-{from}-{to}.csv"),
        move |c, after| {
            let rows = office::paid_page(c, start, end, after, PAGE)?;
            let last = rows.last().map_or(after, |p| p.payment_id);
            let out = rows
                .into_iter()
                .map(|r| {
                    vec![
                        r.payment_id.to_string(),
                        r.permit_id.to_string(),
                        r.paid_at.map(clock::local_display).unwrap_or_default(),
                        r.receipt_number.to_string(),
                        r.item,
                        r.regnr,
                        r.method,
                        r.provider_ref,
                        r.net_ore.to_string(),
                        format!("{}%", r.vat_basis_points / 100),
                        r.vat_ore.to_string(),
                        r.total_ore.to_string(),
                    ]
                })
                .collect();
            Ok((out, last))
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("ABC123"), "ABC123");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("sa \"x\""), "\"sa \"\"x\"\"\"");
        assert_eq!(csv_field("rad1\nrad2"), "\"rad1\nrad2\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-5"), "'-5");
    }
}
