//! The operator portal (`/operator/…`, PRODUCT.md §7–8): the parking office's work. One file
//! per page or area: [`check`] (Kontroll), [`dashboard`] (Översikt), [`applications`]
//! (Ansökningar), [`cases`] (Ärenden), [`search`] (Sök), [`customers`], [`permits`] (a permit's
//! page and the office's changes and refunds), [`catalogue`] (Katalog), [`staff`] (Personal)
//! and [`reports`] (Rapporter). Every route but Kontroll and `/operator` (any staff's, through
//! [`StaffCtx`]) sits in one scope behind [`guard`]; handlers take [`OperatorCtx`] too, so a
//! route cannot be reached by a customer or an attendant even if it were registered elsewhere
//! by mistake. Permit changes go through the permit's actor, which writes the audit
//! row in the change's own transaction.

use crate::actors::{PermitChange, PermitError, RuleError};
use crate::cases::CaseError;
use crate::clock;
use crate::db::{self, audit, cases as db_cases, office, permits as db_permits, refunds};
use crate::domain::PermitId;
use crate::domain::payment::PaymentStatus;
use crate::domain::permit::{Event, State, today};
use crate::domain::regnr::RegNumberError;
use crate::domain::{Money, RegNumber};
use crate::i18n::{Texts, labels};
use crate::state::AppState;
use crate::web::api::{self, CheckAnswer};
use crate::web::ctx::{Ctx, OperatorCtx, StaffCtx};
use crate::web::error::{AppError, Reply};
use crate::web::forms::{Field, csrf, error_summary, input, notice, notice_error};
use crate::web::layout::operator_page;
use crate::web::pages::messages::textarea;
use crate::web::permits::{permit_type_name, regnr_error, send_change, status_label};
use crate::web::respond::see_other;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::{Datelike, NaiveDate};
use maud::{Markup, html};
use serde::Deserialize;

mod applications;
mod cases;
mod catalogue;
mod check;
mod customers;
mod dashboard;
mod oncall_report;
mod permits;
mod queues;
mod reports;
mod search;
mod staff;

use self::{
    applications::*, cases::*, catalogue::*, check::*, customers::*, dashboard::*,
    oncall_report::*, permits::*, queues::*, reports::*, search::*, staff::*,
};

/// The guard of the office's `/operator` scope: logged out → login and back; a customer or a
/// "Kontrollant" → 404.
/// A refusal is answered as a response (not an error), so the error-page renderer around
/// the app draws it in the user's language and frame.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let (http, mut payload) = req.into_parts();
    if let Err(e) = OperatorCtx::from_request(&http, &mut payload).await {
        let resp = actix_web::ResponseError::error_response(&e);
        return Ok(ServiceResponse::new(http, resp));
    }
    Ok(next
        .call(ServiceRequest::from_parts(http, payload))
        .await?
        .map_into_boxed_body())
}

/// `/operator`: the portal opens on "Översikt", what needs the office today (issue #36); a
/// "Kontrollant" on Kontroll, the one page theirs.
pub async fn index(op: StaffCtx) -> HttpResponse {
    if op.me.user.is_office() {
        see_other("/operator/dashboard")
    } else {
        see_other("/operator/check")
    }
}

/// The routes of the operator portal: Kontroll and `/operator` (which leads there) for any
/// staff, a "Kontrollant" too (registered first, outside the scope, their handlers taking
/// [`StaffCtx`]); everything else in one scope behind the office's guard.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/operator", web::get().to(index))
        .route("/operator/", web::get().to(index))
        .route("/operator/check", web::get().to(check_page));
    cfg.service(
        web::scope("/operator")
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
            .route("/permits/{id}/pause/end", web::post().to(permit_end_pause))
            .route(
                "/permits/{id}/refunds/{rid}/retry",
                web::post().to(refund_retry),
            )
            .route("/catalogue", web::get().to(catalogue))
            .route("/catalogue/types/{id}", web::post().to(update_type))
            .route("/catalogue/packages", web::post().to(add_package))
            .route("/catalogue/packages/{id}", web::post().to(update_package))
            .route("/catalogue/car-parks", web::post().to(add_car_park))
            .route("/catalogue/capacity", web::post().to(set_capacity))
            .route("/queues", web::get().to(queues_page))
            .route("/queues/{park}/{type}", web::get().to(line_page))
            .route("/queues/entries/{id}", web::post().to(change_line))
            .route("/staff", web::get().to(staff))
            .route("/staff", web::post().to(invite))
            .route("/staff/{id}/mfa-reset", web::post().to(mfa_reset))
            .route("/reports", web::get().to(reports))
            .route("/reports/permits.csv", web::get().to(permits_csv))
            .route("/reports/payments.csv", web::get().to(payments_csv))
            .route("/reports/oncall", web::get().to(oncall_report))
            .route("/reports/oncall.csv", web::get().to(oncall_csv))
            .wrap(actix_web::middleware::from_fn(guard))
            .default_service(web::to(crate::web::pages::public::not_found)),
    );
}

type Data = web::Data<AppState>;

fn respond(status: StatusCode, markup: Markup) -> HttpResponse {
    crate::web::respond::html(status, markup)
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
    permit_id: PermitId,
    change: PermitChange,
) -> Result<crate::web::error::Outcome<db_permits::PermitRow, PermitError>, AppError> {
    send_change(state, permit_id, None, op.me.user.id, change).await
}

fn refused_text(t: &Texts, e: &PermitError) -> &'static str {
    match e {
        PermitError::Rule(RuleError::Refused(r)) => t.refusal(r),
        PermitError::Rule(RuleError::RefundTooLarge) => t.op_refund_too_large,
        PermitError::Rule(RuleError::NothingPaid) => t.op_nothing_paid,
        PermitError::Rule(RuleError::Full) => t.lang().queue().op_full,
        PermitError::Rule(RuleError::Backwards) => t.rule_backwards,
        PermitError::Conflict => t.rule_conflict,
        _ => t.rule_not_changeable,
    }
}
