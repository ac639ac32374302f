//! "Meddelanden": the customer's cases with the parking office. "Nytt ärende" opens one
//! ("Ämne", "Meddelande", optionally a permit, "Skicka"); the thread shows both sides and takes
//! a reply. Reading a thread marks the office's replies read (the top bar's count).

use crate::domain::status::CaseStatus;
use crate::domain::{PermitId, UserId};
use crate::web::ctx::UserCtx;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use crate::auth::SessionUser;
use crate::cases::{self, CaseError};
use crate::clock;
use crate::db::cases::{CaseRow, MessageRow};
use crate::db::permits::PermitRow;
use crate::db::{self, cases as db_cases, permits as db_permits};
use crate::i18n::Texts;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, Reply};
use crate::web::forms::{CsrfForm, Field, csrf, error_summary, input, notice};
use crate::web::layout::{page, unread_badge};
use crate::web::permits::permit_type_name;
use crate::web::respond::{html as respond, see_other};
use crate::web::settings::frame;

type Data = web::Data<AppState>;

fn status_text(t: &Texts, c: &CaseRow) -> &'static str {
    if c.status == CaseStatus::Open {
        t.case_open
    } else {
        t.case_closed
    }
}

/// A labelled textarea with its error, like `forms::input`.
pub fn textarea(id: &str, label: &str, value: &str, error: Option<&str>) -> Markup {
    let error_id = format!("{id}-error");
    html! {
        label for=(id) { (label) }
        textarea id=(id) name=(id) rows="6" required
            aria-invalid=[error.map(|_| "true")]
            aria-describedby=[error.map(|_| error_id.as_str())] { (value) }
        @if let Some(e) = error { p.field-error id=(error_id) { (e) } }
    }
}

/// `GET /messages`: the list of cases, newest activity first.
pub async fn list(UserCtx { ctx, ref me }: UserCtx, state: Data) -> Reply {
    let t = ctx.t();
    let uid = me.user.id;
    let list = db::query(&state.pool, move |c| db_cases::for_user(c, uid)).await?;
    let body = html! {
        p { a.button href="/messages/new" { (t.new_case) } }
        @if list.is_empty() {
            p { (t.cases_empty) }
        } @else {
            table.list {
                thead { tr { th scope="col" { (t.col_subject) } th scope="col" { (t.col_status) } th scope="col" { (t.col_updated) } } }
                tbody {
                    @for (case, unread) in &list {
                        tr {
                            td data-label=(t.col_subject) {
                                a href={ "/messages/" (case.id) } { (case.subject) }
                                @if *unread > 0 { " " span.badge aria-label={ (unread) " " (t.unread_label) } { (unread) } }
                            }
                            td data-label=(t.col_status) { (status_text(t, case)) }
                            td data-label=(t.col_updated) { (clock::local_display(case.updated_at)) }
                        }
                    }
                }
            }
        }
    };
    Ok(respond(
        StatusCode::OK,
        page(&ctx, Some(&frame(me)), t.nav_messages, body),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewCaseForm {
    subject: String,
    message: String,
    permit: String,
}

#[derive(Default)]
struct NewCaseErrors {
    subject: Option<&'static str>,
    message: Option<&'static str>,
    permit: Option<&'static str>,
}

fn new_case_page(
    ctx: &Ctx,
    me: &SessionUser,
    permits: &[PermitRow],
    form: &NewCaseForm,
    e: &NewCaseErrors,
) -> Markup {
    let t = ctx.t();
    let body = html! {
        (error_summary(t, &[("subject", e.subject), ("message", e.message), ("permit", e.permit)]))
        form method="post" action="/messages/new" novalidate {
            (csrf(&me.csrf_token))
            (input(Field::new("subject", t.subject_label, "text").value(&form.subject).error(e.subject)))
            (textarea("message", t.message_label, &form.message, e.message))
            @if !permits.is_empty() {
                label for="permit" { (t.case_permit_label) }
                select #permit name="permit" aria-invalid=[e.permit.map(|_| "true")] {
                    option value="" { (t.case_no_permit) }
                    @for p in permits {
                        @let v = p.id.to_string();
                        option value=(v) selected[form.permit == v] { (permit_type_name(p, ctx.lang)) " – " (p.regnr) }
                    }
                }
            }
            @if let Some(err) = e.permit { p.field-error { (err) } }
            button type="submit" { (t.send) }
        }
    };
    page(ctx, Some(&frame(me)), t.new_case, body)
}

#[derive(Deserialize, Default)]
pub struct NewCaseQuery {
    permit: Option<String>,
}

/// `GET /messages/new` (`?permit=ID` chooses the permit the case is about).
pub async fn new_form(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    query: web::Query<NewCaseQuery>,
) -> Reply {
    let uid = me.user.id;
    let permits = db::query(&state.pool, move |c| db_permits::for_user(c, uid)).await?;
    let form = NewCaseForm {
        permit: query.permit.clone().unwrap_or_default(),
        ..Default::default()
    };
    Ok(respond(
        StatusCode::OK,
        new_case_page(&ctx, me, &permits, &form, &NewCaseErrors::default()),
    ))
}

/// `POST /messages/new`: "Skicka".
pub async fn create(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    form: CsrfForm<NewCaseForm>,
) -> Reply {
    let t = ctx.t();
    let uid = me.user.id;
    let permit_id = match form.permit.trim() {
        "" => Ok(None),
        raw => raw
            .parse::<PermitId>()
            .map(Some)
            .map_err(|_| CaseError::Permit),
    };
    let (subject, message) = (form.subject.clone(), form.message.clone());
    let base = state.link("");
    let outcome = match permit_id {
        Err(e) => Err(e),
        Ok(pid) => {
            db::run(&state.pool, move |c| {
                cases::open(c, uid, pid, &subject, &message, &base)
            })
            .await
        }
    };
    let mut e = NewCaseErrors::default();
    match outcome {
        Ok(id) => {
            state.wake_mailbox();
            return Ok(see_other(&format!("/messages/{id}?m=sent")));
        }
        Err(CaseError::Db(err)) => return Err(AppError::Db(err)),
        Err(CaseError::NotFound) => return Err(AppError::NotFound),
        Err(CaseError::Subject(err)) => e.subject = Some(subject_error(t, err)),
        Err(CaseError::Body(err)) => e.message = Some(message_error(t, err)),
        Err(CaseError::Permit) => e.permit = Some(t.err_case_permit),
    }
    // The subject may be fine while the message is not: say everything that is wrong.
    if let Err(err) = crate::domain::text::Text::parse(&form.subject, cases::SUBJECT_MAX) {
        e.subject = Some(subject_error(t, err));
    }
    if let Err(CaseError::Body(err)) = cases::parse_body(&form.message) {
        e.message = Some(message_error(t, err));
    }
    let permits = db::query(&state.pool, move |c| db_permits::for_user(c, uid)).await?;
    Ok(respond(
        StatusCode::UNPROCESSABLE_ENTITY,
        new_case_page(&ctx, me, &permits, &form, &e),
    ))
}

struct Thread {
    case: CaseRow,
    messages: Vec<MessageRow>,
    permit: Option<PermitRow>,
}

/// Loads the customer's own case and marks the office's replies read.
async fn load_thread(
    state: &AppState,
    id: crate::domain::CaseId,
    user_id: UserId,
) -> Result<Thread, AppError> {
    db::query(&state.pool, move |c| {
        let Some(case) = db_cases::owned(c, id, user_id)? else {
            return Ok(None);
        };
        db_cases::mark_read(c, id, false, clock::now())?;
        let messages = db_cases::messages(c, id)?;
        let permit = match case.permit_id {
            Some(pid) => db_permits::owned(c, pid, user_id)?,
            None => None,
        };
        Ok(Some(Thread {
            case,
            messages,
            permit,
        }))
    })
    .await?
    .ok_or(AppError::NotFound)
}

fn thread_page(
    ctx: &Ctx,
    me: &SessionUser,
    th: &Thread,
    flash: Option<&str>,
    typed: &str,
    error: Option<&str>,
) -> Markup {
    let t = ctx.t();
    let c = &th.case;
    let body = html! {
        @if let Some(f) = flash { (notice(f)) }
        (error_summary(t, &[("message", error)]))
        dl.card {
            dt { (t.col_subject) } dd { (c.subject) }
            dt { (t.col_status) } dd { (status_text(t, c)) }
            @if let Some(p) = &th.permit {
                dt { (t.case_permit_label) }
                dd { a href={ "/permits/" (p.id) } { (permit_type_name(p, ctx.lang)) " – " (p.regnr) } }
            }
        }
        ol.thread {
            @for m in &th.messages {
                li class=[m.from_operator.then_some("from-office")] {
                    p.meta {
                        strong { @if m.from_operator { (t.author_office) } @else { (t.author_you) } }
                        " · " (clock::local_display(m.created_at))
                    }
                    p.body { (m.body) }
                }
            }
        }
        section aria-labelledby="reply-h" {
            h2 #reply-h { (t.reply_heading) }
            @if c.status != CaseStatus::Open { p { (t.case_closed_note) } }
            form method="post" action={ "/messages/" (c.id) } novalidate {
                (csrf(&me.csrf_token))
                (textarea("message", t.message_label, typed, error))
                button type="submit" { (t.send) }
            }
        }
        p { a href="/messages" { (t.back_to_messages) } }
    };
    page(
        ctx,
        Some(&frame(me)),
        &format!("{}: {}", t.case_title, c.subject),
        body,
    )
}

#[derive(Deserialize, Default)]
pub struct ThreadQuery {
    m: Option<String>,
}

/// `GET /messages/{id}`: the thread.
pub async fn show(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    id: web::Path<crate::domain::CaseId>,
    query: web::Query<ThreadQuery>,
) -> Reply {
    let th = load_thread(&state, id.into_inner(), me.user.id).await?;
    let flash = query
        .m
        .as_deref()
        .filter(|m| *m == "sent")
        .map(|_| ctx.t().case_sent);
    // The count in the top bar was read before this page marked the replies read.
    let me_now = SessionUser {
        unread_messages: 0,
        ..(**me).clone()
    };
    let me_now = if me.unread_messages > 0 {
        let uid = me.user.id;
        SessionUser {
            unread_messages: db::query(&state.pool, move |c| db_cases::unread_for_user(c, uid))
                .await?,
            ..me_now
        }
    } else {
        me_now
    };
    Ok(respond(
        StatusCode::OK,
        thread_page(&ctx, &me_now, &th, flash, "", None),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReplyForm {
    message: String,
}

/// `POST /messages/{id}`: the customer's reply.
pub async fn reply(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    id: web::Path<crate::domain::CaseId>,
    form: CsrfForm<ReplyForm>,
) -> Reply {
    let id = id.into_inner();
    let uid = me.user.id;
    let text = form.message.clone();
    let base = state.link("");
    let outcome = db::run(&state.pool, move |c| {
        cases::customer_reply(c, uid, id, &text, &base)
    })
    .await;
    match outcome {
        Ok(()) => {
            state.wake_mailbox();
            Ok(see_other(&format!("/messages/{id}?m=sent")))
        }
        Err(CaseError::NotFound) => Err(AppError::NotFound),
        Err(CaseError::Db(e)) => Err(AppError::Db(e)),
        Err(e) => {
            let error = match e {
                CaseError::Body(err) => message_error(ctx.t(), err),
                _ => ctx.t().err_message,
            };
            let th = load_thread(&state, id, uid).await?;
            Ok(respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                thread_page(&ctx, me, &th, None, &form.message, Some(error)),
            ))
        }
    }
}

/// `GET /messages/unread`: the top bar's count, for its light poll (a fragment, so the
/// session brings no count: it is read here, in the same trip).
#[derive(Deserialize, Default)]
pub struct UnreadQuery {
    /// The count the page shows now.
    seen: Option<i64>,
}

pub async fn unread(req: actix_web::HttpRequest, state: Data, q: web::Query<UnreadQuery>) -> Reply {
    let (ctx, count) = crate::web::ctx::load(&req, &state, |c, me| {
        Ok(db_cases::unread_for_user(c, me.user.id)?)
    })
    .await?;
    ctx.require_user()?;
    let count = count.unwrap_or(0);
    if q.seen == Some(count) {
        // Nothing new: nothing to swap, nothing to announce.
        return Ok(HttpResponse::NoContent()
            .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
            .finish());
    }
    Ok(crate::web::respond::html(
        StatusCode::OK,
        unread_badge(ctx.t(), count),
    ))
}

/// What to do about the subject: write one, or shorten it.
fn subject_error(t: &crate::i18n::Texts, e: crate::domain::text::TextError) -> &'static str {
    match e {
        crate::domain::text::TextError::Empty => t.err_subject_empty,
        crate::domain::text::TextError::TooLong(_) => t.err_subject,
    }
}

/// What to do about a message: write one, or shorten it.
pub(crate) fn message_error(
    t: &crate::i18n::Texts,
    e: crate::domain::text::TextError,
) -> &'static str {
    match e {
        crate::domain::text::TextError::Empty => t.err_message_empty,
        crate::domain::text::TextError::TooLong(_) => t.err_message,
    }
}
