//! What the built-in simulators (demo mode only) share: their error, the check that a caller
//! is the portal's own client, and their pages in the portal's frame. The simulators are HTTP
//! servers mounted beside the portal's own pages (the web layer's level), so this may use the
//! app state; the real clients never do.

/// What a simulator's handler can fail with (its database): a 500 with a JSON message, as
/// a provider's API would answer.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct SimError(#[from] crate::db::DbError);

impl actix_web::ResponseError for SimError {
    fn error_response(&self) -> actix_web::HttpResponse {
        tracing::error!(error = %format!("{:#}", self.0), "simulator failed");
        actix_web::HttpResponse::InternalServerError()
            .json(serde_json::json!({ "message": "The simulator failed." }))
    }
}

/// Whether a simulator request carries the portal's own key (compared in constant time).
fn sim_caller_ok(
    req: &actix_web::HttpRequest,
    header: &str,
    secret: &secrecy::SecretString,
) -> bool {
    use secrecy::ExposeSecret;
    req.headers().get(header).is_some_and(|v| {
        crate::domain::token::constant_time_eq(v.as_bytes(), secret.expose_secret().as_bytes())
    })
}

/// A simulated provider: where its API expects the portal's key, and how it refuses others.
pub trait SimProvider {
    const KEY_HEADER: &'static str;
    fn unknown_caller() -> actix_web::HttpResponse;
}

/// The portal's own client calling a simulator's API. As the handler's first extractor it
/// answers anyone else with the provider's 401 before the body is read.
pub struct SimCaller<P>(std::marker::PhantomData<P>);

impl<P: SimProvider> actix_web::FromRequest for SimCaller<P> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let ok = req
            .app_data::<actix_web::web::Data<crate::state::AppState>>()
            .is_some_and(|state| sim_caller_ok(req, P::KEY_HEADER, &state.sim_secret));
        std::future::ready(if ok {
            Ok(SimCaller(std::marker::PhantomData))
        } else {
            Err(actix_web::error::InternalError::from_response(
                "unknown caller",
                P::unknown_caller(),
            )
            .into())
        })
    }
}

/// What the simulators' pages share with the portal's, given by the web layer: the URL of its
/// stylesheet, and the demo-mode banner (CONTRACT.md: every page shows it), as HTML.
#[derive(Clone)]
pub struct SimFrame {
    pub css: &'static str,
    pub banner: String,
}

/// A simulator's page for the browser (the card page, the stand-in for the Swish app), in
/// Swedish, with the portal's stylesheet and the demo banner.
pub(crate) fn sim_page(
    frame: &SimFrame,
    title: &str,
    body: maud::Markup,
) -> actix_web::HttpResponse {
    let markup = maud::html! {
        (maud::DOCTYPE)
        html lang="sv" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " (simulator)" }
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(frame.css);
            }
            body { (maud::PreEscaped(&frame.banner)) main #main { (body) } }
        }
    };
    actix_web::HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(markup.into_string())
}

/// Whether `url` is on the portal itself: the scheme, host and port of `PUBLIC_URL`, under its
/// path. The simulators call back and send the browser back only there.
pub(crate) fn on_portal(url: &str, public_url: &url::Url) -> bool {
    let Ok(u) = url::Url::parse(url) else {
        return false;
    };
    u.scheme() == public_url.scheme()
        && u.host_str() == public_url.host_str()
        && u.port_or_known_default() == public_url.port_or_known_default()
        && u.username().is_empty()
        && u.password().is_none()
        && u.path().starts_with(public_url.path())
}

#[cfg(test)]
mod tests {
    use super::on_portal;

    #[test]
    fn only_urls_on_the_portal_itself_count() {
        let base = url::Url::parse("https://parkering.example.se/").unwrap();
        assert!(on_portal(
            "https://parkering.example.se/permits/1/card-return",
            &base
        ));
        assert!(on_portal(
            "https://parkering.example.se:443/callbacks/swish",
            &base
        ));
        for other in [
            "http://parkering.example.se/permits/1",
            "https://parkering.example.se.evil.example/",
            "https://evil.example/?https://parkering.example.se/",
            "https://user@parkering.example.se/",
            "https://parkering.example.se:8443/",
            "//parkering.example.se/",
            "javascript:alert(1)",
        ] {
            assert!(!on_portal(other, &base), "{other}");
        }
        let sub = url::Url::parse("https://example.se/parkering/").unwrap();
        assert!(on_portal("https://example.se/parkering/x", &sub));
        assert!(!on_portal("https://example.se/other", &sub));
    }
}
