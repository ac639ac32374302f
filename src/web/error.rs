//! What a handler can fail with, and the page the user then sees (never an internal message).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};

use super::ctx::Ctx;
use super::layout::message_page;
use crate::i18n::Lang;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("login required")]
    LoginRequired { next: String, htmx: bool },
    #[error("CSRF token mismatch")]
    Csrf,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::auth::AuthError> for AppError {
    fn from(e: crate::auth::AuthError) -> Self {
        match e {
            crate::auth::AuthError::Csrf => AppError::Csrf,
            crate::auth::AuthError::Internal(e) => AppError::Internal(e),
        }
    }
}

impl From<crate::db::DbError> for AppError {
    fn from(e: crate::db::DbError) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::LoginRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let ctx = Ctx::plain(Lang::Sv);
        let t = ctx.t();
        let page = |status: StatusCode, title: &str, body: &str| {
            HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .body(message_page(&ctx, title, body).into_string())
        };
        match self {
            AppError::NotFound => page(StatusCode::NOT_FOUND, t.not_found_title, t.not_found_body),
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
            AppError::Csrf => page(StatusCode::FORBIDDEN, t.csrf_title, t.csrf_body),
            AppError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "request failed");
                page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    t.error_title,
                    t.error_body,
                )
            }
        }
    }
}

/// A request body an extractor could not take (too large, wrong content type): the Swedish
/// page with the extractor's status (413, 415, 400), not actix's plain-text error.
pub fn unreadable_body(err: &actix_web::Error, title: &str, text: &str) -> HttpResponse {
    HttpResponse::build(err.as_response_error().status_code())
        .content_type("text/html; charset=utf-8")
        .body(message_page(&Ctx::plain(Lang::Sv), title, text).into_string())
}

/// What [`unreadable_body`] says about a form.
pub const UNREADABLE_FORM: (&str, &str) = (
    "Formuläret kunde inte läsas",
    "Uppgifterna i formuläret kunde inte tolkas. Gå tillbaka och försök igen.",
);
