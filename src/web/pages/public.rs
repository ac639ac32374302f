//! Pages anyone can see: login, terms, language switch, health.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use maud::Markup;
use serde::Deserialize;

use crate::i18n::Lang;
use crate::state::AppState;
use crate::web::ctx::{Ctx, lang_cookie, safe_next};
use crate::web::layout::{message_page, page, paragraphs};

pub async fn terms(ctx: Ctx) -> Markup {
    page(
        &ctx,
        None,
        ctx.t().terms_title,
        paragraphs(ctx.t().terms_body),
    )
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Switches language with a plain link (works without JavaScript) and goes back.
pub async fn switch_language(
    ctx: Ctx,
    state: web::Data<AppState>,
    code: web::Path<String>,
    query: web::Query<NextQuery>,
) -> HttpResponse {
    let Some(lang) = Lang::parse(&code) else {
        return not_found_response(&ctx);
    };
    HttpResponse::SeeOther()
        .cookie(lang_cookie(&state.settings, lang))
        .insert_header((header::LOCATION, safe_next(query.next.as_deref())))
        .finish()
}

pub async fn health() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

pub fn not_found_response(ctx: &Ctx) -> HttpResponse {
    let t = ctx.t();
    crate::web::respond::html(
        actix_web::http::StatusCode::NOT_FOUND,
        message_page(ctx, t.not_found_title, t.not_found_body),
    )
}

pub async fn not_found(ctx: Ctx) -> HttpResponse {
    not_found_response(&ctx)
}
