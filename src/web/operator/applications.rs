//! Ansökningar: applications that wait for a decision, their attachments, approve and reject.

use super::*;
use crate::domain::PermitId;
use crate::web::error::Outcome;
use crate::web::forms::{CsrfForm, CsrfOnly};

pub async fn applications(op: OperatorCtx, state: Data, q: web::Query<Flash>) -> Reply {
    let f = flash(op.ctx.t(), &q);
    applications_view(&op, &state, f, None, StatusCode::OK).await
}

/// A refused "Avslå": which application, why, and the reason as typed.
struct Refused<'a> {
    id: PermitId,
    error: &'a str,
    typed: String,
}

async fn applications_view(
    op: &OperatorCtx,
    state: &AppState,
    f: Markup,
    refused: Option<Refused<'_>>,
    status: StatusCode,
) -> Reply {
    let t = op.ctx.t();
    let list = db::query(&state.pool, office::pending_applications).await?;
    let wrong_field = refused.as_ref().map(|r| format!("motivering-{}", r.id));
    let body = html! {
        (f)
        @if let (Some(r), Some(field)) = (&refused, &wrong_field) {
            (error_summary(t, &[(field.as_str(), Some(r.error))]))
        }
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
                @let this = refused.as_ref().filter(|r| r.id == p.id);
                form method="post" action={ "/operator/applications/" (p.id) "/reject" } novalidate {
                    (csrf(&op.me.csrf_token))
                    label for={ "motivering-" (p.id) } { (t.op_reason) }
                    input id={ "motivering-" (p.id) } type="text" name="reason" required maxlength="500"
                        value=[this.map(|r| r.typed.as_str())]
                        aria-invalid=[this.map(|_| "true")]
                        aria-describedby=[this.map(|_| format!("motivering-{}-error", p.id))];
                    @if let Some(r) = this { p.field-error id={ "motivering-" (p.id) "-error" } { (r.error) } }
                    button.danger-outline type="submit" { (t.op_reject) }
                }
            }
        }
    };
    Ok(respond(
        status,
        operator_page(&op.ctx, &op.me.csrf_token, t.op_applications, body),
    ))
}

pub async fn attachment(_op: OperatorCtx, state: Data, id: web::Path<PermitId>) -> Reply {
    let id = id.into_inner();
    let (name, data) = db::query(&state.pool, move |c| office::attachment(c, id))
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

pub async fn approve(
    op: OperatorCtx,
    state: Data,
    id: web::Path<PermitId>,
    _csrf: CsrfForm<CsrfOnly>,
) -> Reply {
    let change = PermitChange::Transition {
        event: Event::Approve,
        detail: "approved".into(),
    };
    match office_change(&state, &op, id.into_inner(), change).await? {
        Outcome::Done(_) => Ok(see_other("/operator/applications?m=approved")),
        Outcome::Refused(e) => Ok(error_page(&op, refused_text(op.ctx.t(), &e))),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RejectForm {
    reason: String,
}

pub async fn reject(
    op: OperatorCtx,
    state: Data,
    id: web::Path<PermitId>,
    form: CsrfForm<RejectForm>,
) -> Reply {
    let t = op.ctx.t();
    let id = id.into_inner();
    let Ok(reason) = crate::domain::text::Text::parse(&form.reason, 500) else {
        let refused = Refused {
            id,
            error: t.op_reason_needed,
            typed: form.reason.chars().take(500).collect(),
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return applications_view(&op, &state, html! {}, Some(refused), status).await;
    };
    let change = PermitChange::Reject {
        reason: reason.as_str().to_string(),
    };
    match office_change(&state, &op, id, change).await? {
        Outcome::Done(_) => Ok(see_other("/operator/applications?m=rejected")),
        Outcome::Refused(e) => Ok(error_page(&op, refused_text(t, &e))),
    }
}

pub(super) fn error_page(op: &OperatorCtx, text: &str) -> HttpResponse {
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
