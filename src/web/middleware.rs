//! Headers on every response, and one log line per request.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{Error, HttpMessage};

/// No inline scripts or styles and no eval anywhere; forms post only to this site, and
/// the redirects after them go only here, to the Swish app or to the card page of the Nexi
/// that is configured (browsers hold form-action to redirects too): Nexi's test host only when
/// `NEXI_API_URL` is Nexi's test API (issue #34, 17); the portal is never framed.
pub fn content_security_policy(nexi: Option<&crate::settings::NexiSettings>) -> String {
    let card_page = match nexi {
        None => "",
        Some(n) if n.api_url.host_str().is_some_and(|h| h.starts_with("test.")) => {
            " https://test.checkout.dibspayment.eu"
        }
        Some(_) => " https://checkout.dibspayment.eu",
    };
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; form-action 'self' swish:{card_page}; frame-ancestors 'none'; \
         base-uri 'none'"
    )
}

pub fn security_headers(https: bool, csp: &str) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", csp.to_string()))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ));
    if https {
        headers.add((
            "Strict-Transport-Security",
            "max-age=63072000; includeSubDomains",
        ))
    } else {
        headers
    }
}

/// One line per request: method, path (never the query, which may hold a token), status, time;
/// and the request's count and latency for `/metrics`, by route pattern (`/permits/{id}`, so
/// the labels stay few) — "unmatched" for paths no route has.
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let res = next.call(req).await;
    let elapsed = started.elapsed();
    let micros = elapsed.as_micros();
    let (route, status) = match &res {
        Ok(r) => (r.request().match_pattern(), r.status()),
        Err(e) => (None, e.as_response_error().status_code()),
    };
    let route = route.unwrap_or_else(|| "unmatched".to_string());
    metrics::counter!(
        crate::telemetry::REQUESTS,
        "route" => route.clone(),
        "method" => method.to_string(),
        "status" => status.as_str().to_string()
    )
    .increment(1);
    metrics::histogram!(crate::telemetry::REQUEST_SECONDS, "route" => route)
        .record(elapsed.as_secs_f64());
    // Method, path and request id are the fields of the request's span ([`RequestSpan`]).
    match &res {
        Ok(r) if r.status().is_server_error() => {
            tracing::error!(status = r.status().as_u16(), micros, "request")
        }
        Ok(r) => tracing::info!(status = r.status().as_u16(), micros, "request"),
        Err(e) => tracing::error!(error = %e, micros, "request"),
    }
    res
}

/// The root span of every request (`tracing_actix_web::TracingLogger`): the method, the
/// path and a request id, so that everything logged while a request runs says which one.
/// Never the query string: it can hold a link's token.
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> tracing::Span {
        let id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(|r| r.to_string())
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.path(),
            request_id = %id
        )
    }

    fn on_request_end<B: MessageBody>(_: tracing::Span, _: &Result<ServiceResponse<B>, Error>) {
        // The outcome is the line `log_request` writes inside the span.
    }
}

/// `Cache-Control: no-store` on every response but the content-hashed assets (which keep
/// their `immutable` caching): pages, receipts, exports, the check API and `/dev/mailbox`
/// hold personal data, and even a logged-out page may show what was typed (a login form after
/// an error, a reset link's page). So after "Logga ut", Back on a shared computer shows nothing
/// from the browser's cache. One rule here rather than one header per handler, so a new page
/// cannot forget it.
pub async fn no_store(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let asset = req.path().starts_with("/assets/");
    let mut res = next.call(req).await?;
    if !asset {
        res.headers_mut().insert(
            actix_web::http::header::CACHE_CONTROL,
            actix_web::http::header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(res)
}
