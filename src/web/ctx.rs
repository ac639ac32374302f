//! What every page needs to know about the request: language and where it was asked for.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use super::i18n::{Lang, Texts};

pub const LANG_COOKIE: &str = "lang";

#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    /// Path and query of this request, to come back to after switching language.
    pub here: String,
}

impl Ctx {
    pub fn t(&self) -> &'static Texts {
        self.lang.texts()
    }

    pub fn from_request_head(req: &HttpRequest) -> Ctx {
        let lang = req
            .cookie(LANG_COOKIE)
            .and_then(|c| Lang::parse(c.value()))
            .unwrap_or_default();
        let here = match req.uri().path_and_query() {
            Some(pq) => pq.as_str().to_string(),
            None => "/".to_string(),
        };
        Ctx { lang, here }
    }
}

impl FromRequest for Ctx {
    type Error = actix_web::Error;
    type Future = Ready<Result<Ctx, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Ctx::from_request_head(req)))
    }
}

/// A path on this site to go back to: only same-site absolute paths, never `//host` or a URL,
/// so a link cannot send the user to another site (no open redirect).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.starts_with("/\\")
                && !p.chars().any(|c| c.is_control()) =>
        {
            p.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_site_paths_are_followed() {
        assert_eq!(safe_next(Some("/permits/3?x=1")), "/permits/3?x=1");
        for evil in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "evil",
            "/a\nb",
        ] {
            assert_eq!(safe_next(Some(evil)), "/", "{evil}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
