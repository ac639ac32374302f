//! What a handler can fail with, and the page the user then sees (never an internal message).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpResponse, ResponseError};

use super::ctx::Ctx;
use super::layout::message_page;
use crate::i18n::Texts;

/// What a handler returns: its response, or the error that [`render_error_pages`] draws as a
/// page in the request's language and frame (or as a fragment for htmx).
pub type Reply = Result<actix_web::HttpResponse, AppError>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("login required")]
    LoginRequired { next: String, htmx: bool },
    #[error("CSRF token mismatch")]
    Csrf,
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    /// An actor (the permit registry, a permit's actor) went away before it answered.
    #[error("actor: {0}")]
    Actor(#[from] actix::MailboxError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
    /// Too much of one kind of work at once (uploads in flight): 503 with `Retry-After`.
    #[error("busy")]
    Busy,
}

/// What a change came to when the request itself went well: done, or refused for a reason the
/// page explains (a rule of the permit, a full car park, the form's errors). The request's own
/// failures — a missing permit, the database — are its [`AppError`] beside this, never inside.
#[derive(Debug)]
pub enum Outcome<T, R> {
    Done(T),
    Refused(R),
}

impl<T, R> Outcome<T, R> {
    /// The refusal said another way (its text for the page, say).
    pub fn map_refused<S>(self, f: impl FnOnce(R) -> S) -> Outcome<T, S> {
        match self {
            Outcome::Done(t) => Outcome::Done(t),
            Outcome::Refused(r) => Outcome::Refused(f(r)),
        }
    }
}

impl From<crate::cases::CaseError> for AppError {
    /// For a case change the handler does not show a reason for.
    fn from(e: crate::cases::CaseError) -> Self {
        use crate::cases::CaseError;
        match e {
            CaseError::NotFound => AppError::NotFound,
            CaseError::Db(e) => AppError::Db(e),
            e => AppError::Internal(e.into()),
        }
    }
}

impl From<crate::services::permits::PermitError> for AppError {
    /// For a change the handler did not expect to be refused: a refusal here is a bug.
    fn from(e: crate::services::permits::PermitError) -> Self {
        use crate::services::permits::PermitError;
        match e {
            PermitError::NotFound => AppError::NotFound,
            PermitError::Db(e) => AppError::Db(e),
            PermitError::Stopped(e) => AppError::Actor(e),
            e => AppError::Internal(e.into()),
        }
    }
}

impl From<crate::auth::AuthError> for AppError {
    fn from(e: crate::auth::AuthError) -> Self {
        use crate::auth::AuthError;
        match e {
            AuthError::Csrf => AppError::Csrf,
            AuthError::Db(e) => AppError::Db(e),
            AuthError::Internal(e) => AppError::Internal(e),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::Db(e.into())
    }
}

impl From<crate::services::orders::OrderError> for AppError {
    fn from(e: crate::services::orders::OrderError) -> Self {
        use crate::services::orders::OrderError;
        match e {
            // A replayed or forged review page: refused without saying whose permit it is.
            OrderError::ForeignKey => AppError::NotFound,
            // Said on the wizard (the handler checks it first); a conflict otherwise.
            OrderError::Full => AppError::Internal(anyhow::anyhow!("car park full")),
            OrderError::Unpaid(_) => AppError::Internal(anyhow::anyhow!("unpaid order exists")),
            OrderError::Db(e) => AppError::Db(e),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::LoginRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Db(e) if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Db(_) | AppError::Actor(_) | AppError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        let page = |status: StatusCode, what: ErrorPage| error_page(status, what);
        match self {
            AppError::NotFound => page(StatusCode::NOT_FOUND, ErrorPage::NOT_FOUND),
            AppError::LoginRequired { next, htmx } => {
                let to = format!(
                    "/login?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                if *htmx {
                    // htmx follows a 303 itself and would swap the login page into a fragment.
                    HttpResponse::Ok()
                        .insert_header(("HX-Redirect", to))
                        .finish()
                } else {
                    HttpResponse::SeeOther()
                        .insert_header((header::LOCATION, to))
                        .finish()
                }
            }
            AppError::Csrf => page(StatusCode::FORBIDDEN, ErrorPage::CSRF),
            AppError::Busy => {
                let mut resp = page(StatusCode::SERVICE_UNAVAILABLE, ErrorPage::BUSY);
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
                resp
            }
            AppError::Db(e) if e.is_unavailable() => {
                tracing::warn!(error = %e, "the database is away: 503");
                let mut resp = page(StatusCode::SERVICE_UNAVAILABLE, ErrorPage::UNAVAILABLE);
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
                resp
            }
            AppError::Db(e) => {
                tracing::error!(error = %e, "request failed in the database");
                page(StatusCode::INTERNAL_SERVER_ERROR, ErrorPage::INTERNAL)
            }
            AppError::Actor(e) => {
                tracing::error!(error = %e, "request failed in an actor");
                page(StatusCode::INTERNAL_SERVER_ERROR, ErrorPage::INTERNAL)
            }
            AppError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "request failed");
                page(StatusCode::INTERNAL_SERVER_ERROR, ErrorPage::INTERNAL)
            }
        }
    }
}

/// A request body an extractor could not take (too large, wrong content type): the page
/// with the extractor's status (413, 415, 400), not actix's plain-text error.
pub fn unreadable_body(err: &actix_web::Error, what: ErrorPage) -> HttpResponse {
    error_page(err.as_response_error().status_code(), what)
}

/// What an error page says, as texts picked in the request's language when it is drawn.
#[derive(Clone, Copy)]
pub struct ErrorPage {
    pub title: fn(&Texts) -> &'static str,
    pub body: fn(&Texts) -> &'static str,
    /// Drawn without asking the database who is logged in (it is away): the frame of a
    /// logged-out page, in the language of the cookie or the browser.
    pub without_session: bool,
}

impl ErrorPage {
    pub const fn of(title: fn(&Texts) -> &'static str, body: fn(&Texts) -> &'static str) -> Self {
        ErrorPage {
            title,
            body,
            without_session: false,
        }
    }
    /// The database is away: "Försök igen om en minut", nothing saved.
    pub const UNAVAILABLE: ErrorPage = ErrorPage {
        without_session: true,
        ..ErrorPage::BUSY
    };
    pub const NOT_FOUND: ErrorPage = ErrorPage::of(|t| t.not_found_title, |t| t.not_found_body);
    pub const CSRF: ErrorPage = ErrorPage::of(|t| t.csrf_title, |t| t.csrf_body);
    pub const INTERNAL: ErrorPage = ErrorPage::of(|t| t.error_title, |t| t.error_body);
    pub const BUSY: ErrorPage = ErrorPage::of(|t| t.busy_title, |t| t.busy_body);
    pub const FORM: ErrorPage =
        ErrorPage::of(|t| t.form_unreadable_title, |t| t.form_unreadable_body);
    pub const ADDRESS: ErrorPage = ErrorPage::of(
        |t| t.address_unreadable_title,
        |t| t.address_unreadable_body,
    );
    pub const ATTACHMENT: ErrorPage = ErrorPage::of(|t| t.attach_heading, |t| t.err_pdf);
}

/// An error answer whose page [`render_error_pages`] draws: the status now, the words later,
/// in the request's language and frame.
pub fn error_page(status: StatusCode, what: ErrorPage) -> HttpResponse {
    let mut resp = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .finish();
    resp.extensions_mut().insert(what);
    resp
}

/// The one renderer of error pages (every [`error_page`]: 400, 403, 404, 408, 413, 500 …):
/// in the request's language, inside the logged-in frame when the request has a session,
/// and as a fragment (the message alone) for an htmx request.
pub async fn render_error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // (Middleware inside this one answer their errors as responses, like the operator
    // guard, so that they are drawn here too.)
    let res = next.call(req).await?;
    if res.response().extensions().get::<ErrorPage>().is_none() {
        return Ok(res.map_into_boxed_body());
    }
    let (req, resp) = res.into_parts();
    let Some(what) = resp.extensions().get::<ErrorPage>().copied() else {
        return Ok(ServiceResponse::new(req, resp.map_into_boxed_body()));
    };
    let (ctx, markup) = error_markup(&req, what).await;
    let mut out = HttpResponse::build(resp.status());
    for (name, value) in resp.headers() {
        if name != header::CONTENT_LENGTH {
            out.insert_header((name.clone(), value.clone()));
        }
    }
    if ctx.htmx_fragment {
        out.insert_header(("Vary", "HX-Request"));
        if what.without_session {
            // Swapped (htmx.config: a 503 is) in place of the page's content, as the whole
            // page would be: a poll or a form part stops there until the user reloads.
            out.insert_header(("HX-Retarget", "#main"));
            out.insert_header(("HX-Reswap", "innerHTML"));
        }
    }
    let out = out.body(markup.into_string());
    Ok(ServiceResponse::new(req, out))
}

/// An error page's markup for this request: its language, its frame (the operator portal's,
/// the logged-in one, or none), or the message alone for htmx.
pub async fn error_markup(req: &actix_web::HttpRequest, what: ErrorPage) -> (Ctx, maud::Markup) {
    let ctx = if what.without_session {
        Ctx::anonymous(req)
    } else {
        match Ctx::extract(req).await {
            Ok(ctx) => ctx,
            Err(_) => Ctx::anonymous(req),
        }
    };
    let t = ctx.t();
    let (title, body) = ((what.title)(t), (what.body)(t));
    let markup = if ctx.htmx_fragment {
        maud::html! { div.notice.error role="alert" { strong { (title) } " " (body) } }
    } else {
        match &ctx.user {
            Some(me) if me.is_operator() && ctx.here.starts_with("/operator") => {
                crate::web::layout::operator_page(
                    &ctx,
                    &me.csrf_token,
                    title,
                    maud::html! { p { (body) } p { a href="/operator" { (t.back_home) } } },
                )
            }
            Some(me) => crate::web::layout::page(
                &ctx,
                Some(&crate::web::settings::frame(me)),
                title,
                maud::html! { p { (body) } p { a href="/" { (t.back_home) } } },
            ),
            None => message_page(&ctx, title, body),
        }
    };
    (ctx, markup)
}
