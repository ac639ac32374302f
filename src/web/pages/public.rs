//! Pages anyone can see: login, terms, language switch, health.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use maud::Markup;
use serde::Deserialize;

use crate::i18n::Lang;
use crate::state::AppState;
use crate::web::ctx::{Ctx, lang_cookie, safe_next};
use crate::web::layout::{page, paragraphs};

pub async fn terms(ctx: Ctx) -> Markup {
    page(
        &ctx,
        None,
        ctx.t().terms_title,
        paragraphs(ctx.t().terms_body),
    )
}

/// "Tillgänglighetsredogörelse" (DOS-lagen, in the form DIGG prescribes), linked from every
/// page's footer; in the logged-in frame for a logged-in user.
pub async fn accessibility(ctx: Ctx) -> Markup {
    let t = ctx.t();
    let body = maud::html! {
        @for (heading, paragraphs, link) in t.a11y_sections {
            @if !heading.is_empty() { h2 { (heading) } }
            (with_lists(paragraphs))
            @if let Some((href, text)) = link { p { a href=(href) { (text) } } }
        }
    };
    match &ctx.user {
        Some(me) => page(
            &ctx,
            Some(&crate::web::settings::frame(me)),
            t.a11y_title,
            body,
        ),
        None => page(&ctx, None, t.a11y_title, body),
    }
}

/// Paragraphs, with each run of lines that start with "- " as one list.
fn with_lists(lines: &[&str]) -> Markup {
    let mut blocks: Vec<Result<&str, Vec<&str>>> = Vec::new();
    for line in lines {
        match (line.strip_prefix("- "), blocks.last_mut()) {
            (Some(item), Some(Err(items))) => items.push(item),
            (Some(item), _) => blocks.push(Err(vec![item])),
            (None, _) => blocks.push(Ok(line)),
        }
    }
    maud::html! {
        @for block in &blocks {
            @match block {
                Ok(p) => p { (p) },
                Err(items) => ul { @for item in items { li { (item) } } },
            }
        }
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Switches language with a plain link (works without JavaScript) and goes back.
pub async fn switch_language(
    state: web::Data<AppState>,
    code: web::Path<String>,
    query: web::Query<NextQuery>,
) -> HttpResponse {
    let Some(lang) = Lang::parse(&code) else {
        return not_found_response();
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

/// `/health/ready`: whether this instance can serve, i.e. reach its database within 2 s
/// (`/health` says only that the process answers). 503 with `Retry-After` when not, so a load
/// balancer sends the traffic elsewhere meanwhile.
pub async fn ready(state: actix_web::web::Data<crate::state::AppState>) -> HttpResponse {
    use diesel::RunQueryDsl;
    let probe = crate::db::query(&state.pool, |c| {
        diesel::sql_query("SELECT 1").execute(c).map(drop)
    });
    match tokio::time::timeout(std::time::Duration::from_secs(2), probe).await {
        Ok(Ok(())) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready"),
        outcome => {
            tracing::warn!(
                timed_out = outcome.is_err(),
                "not ready: the database does not answer"
            );
            HttpResponse::ServiceUnavailable()
                .insert_header((actix_web::http::header::RETRY_AFTER, "30"))
                .content_type("text/plain; charset=utf-8")
                .body("not ready: the database does not answer")
        }
    }
}

/// "Sidan finns inte", drawn by the one error renderer: in the request's language, in the
/// logged-in frame for a logged-in user, as a fragment for htmx.
pub fn not_found_response() -> HttpResponse {
    crate::web::error::error_page(
        actix_web::http::StatusCode::NOT_FOUND,
        crate::web::error::ErrorPage::NOT_FOUND,
    )
}

/// No route answers this request. A GET of an address that only takes a form's POST (a
/// reload or Back after a refused form, the language switch on such a page) goes to the
/// page the form belongs to instead of ending on a 404.
pub async fn not_found(req: actix_web::HttpRequest) -> HttpResponse {
    if matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    ) && let Some(to) = page_of_form(req.path())
        && to != req.path()
    {
        return crate::web::respond::see_other(&to);
    }
    not_found_response()
}

/// The page whose form posts to `path`, for the POST-only addresses of both portals.
fn page_of_form(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let id = |s: &str| s.parse::<i64>().is_ok();
    Some(match parts.as_slice() {
        ["logout"] | ["confirm", "resend"] => "/".into(),
        ["permits", "confirm"] => "/permits/new".into(),
        ["permits", n, _, ..] if id(n) => format!("/permits/{n}"),
        ["settings", ..] => "/settings".into(),
        ["operator", "permits", n, _, ..] if id(n) => format!("/operator/permits/{n}"),
        ["operator", "applications", n, _, ..] if id(n) => "/operator/applications".into(),
        ["operator", "cases", n, _, ..] if id(n) => format!("/operator/cases/{n}"),
        ["operator", "catalogue", _, ..] => "/operator/catalogue".into(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::page_of_form;

    #[test]
    fn a_post_only_address_leads_to_its_page() {
        for (path, page) in [
            ("/permits/3/temporary", Some("/permits/3")),
            ("/permits/3/temporary/7/end", Some("/permits/3")),
            ("/permits/3/sessions/2026-12-03/cancel", Some("/permits/3")),
            ("/permits/confirm", Some("/permits/new")),
            ("/settings/email/undo", Some("/settings")),
            ("/logout", Some("/")),
            ("/operator/permits/9/cancel", Some("/operator/permits/9")),
            ("/operator/cases/4/close", Some("/operator/cases/4")),
            (
                "/operator/catalogue/packages/2",
                Some("/operator/catalogue"),
            ),
            ("/permits/x/pay", None),
            ("/nothing", None),
            ("/permits/3", None),
        ] {
            assert_eq!(page_of_form(path).as_deref(), page, "{path}");
        }
    }
}
