//! What every page needs to know about the request: language, where it was asked for, and
//! who is logged in.

use std::sync::Arc;

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::error::AppError;
use crate::auth::SessionUser;
use crate::auth::session;
use crate::db::DbConnection;
use crate::i18n::{Lang, Texts};
use crate::state::AppState;

pub const LANG_COOKIE: &str = "lang";

/// The language cookie, set like the session cookie: `Secure` when `PUBLIC_URL` is https,
/// `HttpOnly`, `SameSite=Lax`, for a year.
pub fn lang_cookie(settings: &crate::settings::Settings, lang: Lang) -> Cookie<'static> {
    Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .same_site(SameSite::Lax)
        .http_only(true)
        .secure(settings.is_https())
        .max_age(time::Duration::days(365))
        .finish()
}

#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    /// Path and query of this request, to come back to after switching language or logging in.
    pub here: String,
    pub user: Option<Arc<SessionUser>>,
    /// Whether this is an HTMX request that wants a fragment (not boosted, not a history restore).
    pub htmx_fragment: bool,
    /// Whether the browser is on a phone or tablet (where the Swish app is at hand).
    pub phone: bool,
    /// What is real, simulated or off (the demo banner, the SMS and payment choices).
    pub services: crate::settings::Services,
}

impl Ctx {
    pub fn t(&self) -> &'static Texts {
        self.lang.texts()
    }

    /// A context without a request (error pages built outside a handler).
    pub fn plain(lang: Lang) -> Ctx {
        Ctx {
            lang,
            here: "/".into(),
            user: None,
            htmx_fragment: false,
            phone: false,
            services: Default::default(),
        }
    }

    /// Language and path from the request, without looking up the session.
    pub fn anonymous(req: &HttpRequest) -> Ctx {
        let lang = req
            .cookie(LANG_COOKIE)
            .and_then(|c| Lang::parse(c.value()))
            .unwrap_or_default();
        let here = match req.uri().path_and_query() {
            Some(pq) => pq.as_str().to_string(),
            None => "/".to_string(),
        };
        let htmx_fragment = session::is_fragment(req);
        let phone = is_phone(req.headers());
        let services = req
            .app_data::<actix_web::web::Data<crate::state::AppState>>()
            .map(|s| s.services)
            .unwrap_or_default();
        Ctx {
            lang,
            here,
            user: None,
            htmx_fragment,
            phone,
            services,
        }
    }

    /// The logged-in user, or a trip through the login page that comes back here.
    pub fn require_user(&self) -> Result<&Arc<SessionUser>, AppError> {
        self.user.as_ref().ok_or_else(|| AppError::LoginRequired {
            next: if self.here.starts_with('/') {
                self.here.clone()
            } else {
                "/".into()
            },
            htmx: self.htmx_fragment,
        })
    }
}

/// A phone or tablet, by the client hint where the browser sends it, else by the user agent
/// (the words every mobile browser puts there).
fn is_phone(h: &actix_web::http::header::HeaderMap) -> bool {
    const MOBILE_HINT: actix_web::http::header::HeaderName =
        actix_web::http::header::HeaderName::from_static("sec-ch-ua-mobile");
    if h.get(MOBILE_HINT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|hint| hint.trim() == "?1")
    {
        return true;
    }
    h.get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ua| {
            ["Mobi", "Android", "iPhone", "iPad"]
                .iter()
                .any(|w| ua.contains(w))
        })
}

/// The request of a logged-in user: the guard of every customer page and form (taken as
/// `UserCtx { ctx, ref me }`). Not logged in: a trip through the login page that comes back
/// (for htmx, a redirect of the whole page). A form's CSRF check ([`super::forms::CsrfForm`])
/// reads the same session, looked up once per request.
#[derive(Debug, Clone)]
pub struct UserCtx {
    pub ctx: Ctx,
    pub me: Arc<SessionUser>,
}

impl FromRequest for UserCtx {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<UserCtx, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let guarded = guarded(req, payload, Ctx::require_user);
        Box::pin(async move { guarded.await.map(|(ctx, me)| UserCtx { ctx, me }) })
    }
}

/// The request's context and the user `check` admits (its refusal is the request's error):
/// what [`UserCtx`] and [`StaffCtx`] share.
fn guarded(
    req: &HttpRequest,
    payload: &mut Payload,
    check: fn(&Ctx) -> Result<&Arc<SessionUser>, AppError>,
) -> LocalBoxFuture<'static, Result<(Ctx, Arc<SessionUser>), AppError>> {
    let ctx = Ctx::from_request(req, payload);
    Box::pin(async move {
        let ctx = ctx.await?;
        let me = check(&ctx)?.clone();
        Ok((ctx, me))
    })
}

/// The request of an operator or admin: the one guard of every `/operator` route. Not logged
/// in: a trip through the login page that comes back; a customer: 404, as if there were no
/// operator portal.
#[derive(Debug, Clone)]
pub struct OperatorCtx {
    pub ctx: Ctx,
    pub me: Arc<SessionUser>,
}

impl Ctx {
    /// Any staff with the second factor, a "Kontrollant" too: what Kontroll asks.
    pub fn require_staff(&self) -> Result<&Arc<SessionUser>, AppError> {
        let me = self.require_user()?;
        if me.needs_second_factor() {
            // Logged in with the password alone: the login again, with "Engångskod".
            return Err(AppError::LoginRequired {
                next: self.here.clone(),
                htmx: self.htmx_fragment,
            });
        }
        if me.is_operator() {
            Ok(me)
        } else {
            Err(AppError::NotFound)
        }
    }
}

/// The request of any staff, a "Kontrollant" (attendant) included: the guard of Kontroll
/// alone. Every other `/operator` route takes [`OperatorCtx`], which refuses an attendant
/// with 404 as it refuses a customer.
#[derive(Debug, Clone)]
pub struct StaffCtx {
    pub ctx: Ctx,
    pub me: Arc<SessionUser>,
}

impl FromRequest for StaffCtx {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<StaffCtx, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let guarded = guarded(req, payload, Ctx::require_staff);
        Box::pin(async move { guarded.await.map(|(ctx, me)| StaffCtx { ctx, me }) })
    }
}

/// Staff ([`StaffCtx`]) who are the office: an attendant meets 404 here, as a customer does.
impl FromRequest for OperatorCtx {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<OperatorCtx, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let staff = StaffCtx::from_request(req, payload);
        Box::pin(async move {
            let StaffCtx { ctx, me } = staff.await?;
            if !me.user.is_office() {
                return Err(AppError::NotFound);
            }
            Ok(OperatorCtx { ctx, me })
        })
    }
}

impl FromRequest for Ctx {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Ctx, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let mut ctx = Ctx::anonymous(&req);
            let user = match req.app_data::<web::Data<AppState>>() {
                Some(state) => session::current(&req, &state.pool, &state.settings).await?,
                None => None,
            };
            ctx.set_user(user, req.cookie(LANG_COOKIE).is_some());
            Ok(ctx)
        })
    }
}

impl Ctx {
    /// The logged-in user, and the language of their account when no language cookie says
    /// otherwise.
    fn set_user(&mut self, user: Option<Arc<SessionUser>>, lang_cookie: bool) {
        if !lang_cookie
            && let Some(lang) = user.as_ref().and_then(|u| Lang::parse(&u.user.language))
        {
            self.lang = lang;
        }
        self.user = user;
    }
}

/// A logged-in page's one trip to the database: the session (with the top bar's unread count
/// when the page draws it) and the page's own rows, on one connection, read in place on
/// SQLite ([`crate::db::read`]), else in one blocking-pool task. `f` runs only for a logged-in user; the data is `None` when nobody is (and then there
/// is no trip at all without a session cookie). A handler that takes `Ctx` as an extractor
/// looks the session up in a trip of its own first; this is for the pages asked for most
/// (Hem, a permit, the calendar).
pub async fn load<T, F>(
    req: &HttpRequest,
    state: &AppState,
    f: F,
) -> Result<(Ctx, Option<T>), AppError>
where
    F: FnOnce(&mut DbConnection, &Arc<SessionUser>) -> Result<T, AppError> + Clone + Send + 'static,
    T: Send + 'static,
{
    let mut ctx = Ctx::anonymous(req);
    let lang_cookie = req.cookie(LANG_COOKIE).is_some();
    // The user already looked up in this request, or the session token to look up.
    let who = match (
        session::cached(req),
        session::token_of(req, &state.settings),
    ) {
        (Some(Some(user)), _) => Ok(user),
        (None, Some(token)) => Err(token),
        (Some(None), _) | (None, None) => {
            session::remember(req, None);
            return Ok((ctx, None));
        }
    };
    let with_unread = !ctx.htmx_fragment;
    let activity = session::is_activity(req);
    let (user, data) = crate::db::read(&state.pool, move |c| -> Result<_, AppError> {
        let user = match who {
            Ok(user) => Some(user),
            Err(token) => session::lookup(c, &token, with_unread, activity)?,
        };
        let data = match &user {
            Some(me) => Some(f(c, me)?),
            None => None,
        };
        Ok((user, data))
    })
    .await?;
    session::remember(req, user.clone());
    ctx.set_user(user, lang_cookie);
    Ok((ctx, data))
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
