//! Ärenden: the inbox of cases, a case, reply and close.

use super::*;
use crate::domain::status::CaseStatus;
use crate::web::forms::{CsrfForm, CsrfOnly};

pub async fn inbox(op: OperatorCtx, state: Data) -> Reply {
    let t = op.ctx.t();
    let list = db::query(&state.pool, db_cases::inbox).await?;
    let body = html! {
        @if list.is_empty() { p { (t.op_no_cases) } }
        @else {
            table.list {
                thead { tr { th scope="col" { (t.col_subject) } th scope="col" { (t.col_status) } th scope="col" { (t.col_updated) } } }
                tbody {
                    @for (c, waiting) in &list {
                        tr class=[waiting.then_some("waiting")] {
                            td data-label=(t.col_subject) { a href={ "/operator/cases/" (c.id) } { (c.subject) } @if *waiting { " " span.badge.dark { (t.op_unanswered) } } }
                            td data-label=(t.col_status) { @if c.status == CaseStatus::Open { (t.case_open) } @else { (t.case_closed) } }
                            td data-label=(t.col_updated) { (clock::local_display(c.updated_at)) }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&op, t.op_cases, body))
}

pub(super) async fn case_view(
    op: &OperatorCtx,
    state: &AppState,
    id: crate::domain::CaseId,
    flash_markup: Markup,
    typed: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Reply {
    let t = op.ctx.t();
    let (case, messages, customer) = db::query(&state.pool, move |c| {
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
        (error_summary(t, &[("message", error)]))
        dl.card {
            dt { (t.col_subject) } dd { (case.subject) }
            dt { (t.col_status) } dd { @if case.status == CaseStatus::Open { (t.case_open) } @else { (t.case_closed) } }
            @if let Some(u) = &customer { dt { (t.op_customer) } dd { a href={ "/operator/customers/" (u.id) } { (u.name) } " (" (u.email) ")" } }
            @if let Some(pid) = case.permit_id { dt { (t.op_permit) } dd { a href={ "/operator/permits/" (pid) } { "#" (pid) } } }
        }
        ol.thread {
            @for m in &messages {
                li class=[m.from_operator.then_some("from-office")] {
                    p.meta { strong { @if m.from_operator { (t.author_office) } @else { (t.op_customer) } } " · " (clock::local_display(m.created_at)) }
                    p.body { (m.body) }
                }
            }
        }
        form method="post" action={ "/operator/cases/" (case.id) } novalidate {
            (csrf(&op.me.csrf_token))
            (textarea("message", t.message_label, typed, error))
            button type="submit" { (t.send) }
        }
        @if case.status == CaseStatus::Open {
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
    id: web::Path<crate::domain::CaseId>,
    q: web::Query<Flash>,
) -> Reply {
    let id = id.into_inner();
    // The office has now seen what the customer wrote.
    db::query(&state.pool, move |c| {
        db_cases::mark_read(c, id, true, clock::now())
    })
    .await?;
    let f = flash(op.ctx.t(), &q);
    case_view(&op, &state, id, f, "", None, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReplyForm {
    message: String,
}

pub async fn case_reply(
    op: OperatorCtx,
    state: Data,
    id: web::Path<crate::domain::CaseId>,
    form: CsrfForm<ReplyForm>,
) -> Reply {
    let id = id.into_inner();
    let (opid, text, base) = (op.me.user.id, form.message.clone(), state.link(""));
    let outcome = db::run(&state.pool, move |c| {
        crate::cases::operator_reply(c, Some(opid), id, &text, &base)
    })
    .await;
    match outcome {
        Ok(()) => {
            state.wake_mailbox();
            Ok(see_other(&format!("/operator/cases/{id}?m=replied")))
        }
        Err(CaseError::NotFound) => Err(AppError::NotFound),
        Err(CaseError::Db(e)) => Err(AppError::Db(e)),
        Err(e) => {
            let t = op.ctx.t();
            let error = match e {
                CaseError::Body(err) => crate::web::pages::messages::message_error(t, err),
                _ => t.err_message,
            };
            case_view(
                &op,
                &state,
                id,
                html! {},
                &form.message,
                Some(error),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn case_close(
    op: OperatorCtx,
    state: Data,
    id: web::Path<crate::domain::CaseId>,
    _csrf: CsrfForm<CsrfOnly>,
) -> Reply {
    let id = id.into_inner();
    let opid = op.me.user.id;
    db::run(&state.pool, move |c| crate::cases::close(c, Some(opid), id)).await?;
    Ok(see_other(&format!("/operator/cases/{id}?m=closed")))
}
