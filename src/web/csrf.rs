//! Cross-site request forgery: every state-changing request must come from a page of this
//! site. Browsers say where a request comes from (`Sec-Fetch-Site`, `Origin`); a request from
//! another site is refused before any handler runs. Logged-in forms also carry the session's
//! token (see [`crate::auth::SessionUser::check_csrf`]).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, web};

use crate::state::AppState;

/// Paths that other systems post to (payment providers, the check API, simulators): they are
/// authenticated by their own means, not by a browser session.
const EXEMPT_PREFIXES: &[&str] = &["/api/", "/sim/", "/callbacks/"];

fn same_origin(req: &ServiceRequest, origin: &str) -> bool {
    let public = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.public_url.origin().ascii_serialization());
    if public.as_deref() == Some(origin) {
        return true;
    }
    let scheme = req.connection_info().scheme().to_string();
    let host = req.connection_info().host().to_string();
    origin == format!("{scheme}://{host}")
}

pub fn allowed(req: &ServiceRequest) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let path = req.path();
    if EXEMPT_PREFIXES.iter().any(|p| path.starts_with(p)) {
        return true;
    }
    let h = req.headers();
    const SEC_FETCH_SITE: header::HeaderName = header::HeaderName::from_static("sec-fetch-site");
    if let Some(site) = h.get(SEC_FETCH_SITE).and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    if let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        return same_origin(req, origin);
    }
    if let Some(referer) = h.get(header::REFERER).and_then(|v| v.to_str().ok())
        && let Ok(u) = url::Url::parse(referer)
    {
        return same_origin(req, &u.origin().ascii_serialization());
    }
    false
}

pub async fn check_origin(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if allowed(&req) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    tracing::warn!(path = req.path(), "cross-site request refused");
    // (This runs outside the error renderer, before anything else: it draws its page itself,
    // in the user's language and frame like every error page.)
    let (_, page) =
        crate::web::error::error_markup(req.request(), crate::web::error::ErrorPage::CSRF).await;
    let resp = crate::web::respond::html(actix_web::http::StatusCode::FORBIDDEN, page);
    Ok(req.into_response(resp))
}
