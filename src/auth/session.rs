//! Login sessions kept in the database (they survive a restart and work across instances).
//! The cookie holds a random token; the database only its hash.

use crate::domain::UserId;
use std::sync::Arc;

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::header::HeaderName;
use actix_web::{HttpMessage, HttpRequest};
use chrono::{Duration, NaiveDateTime};

use super::AuthError;
use crate::clock;
use crate::db::{self, DbConnection, Pool, accounts};
use crate::domain::token::{constant_time_eq, hash_token, new_token};
use crate::settings::Settings;

pub use crate::domain::token::{ABSOLUTE_TIMEOUT, IDLE_TIMEOUT};
/// `last_seen_at` is written at most this often, to keep reads cheap.
const TOUCH_AFTER: Duration = Duration::seconds(60);

#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user: accounts::UserRow,
    pub session_hash: String,
    pub csrf_token: String,
    /// Replies from the parking office not read yet (the top bar's count).
    pub unread_messages: i64,
    /// The session was opened with the second factor (TOTP or a recovery code).
    pub second_factor: bool,
}

/// Re-exported name for handlers that need a logged-in user.
pub type User = Arc<SessionUser>;

impl SessionUser {
    /// The token every logged-in form carries (hidden field `csrf`).
    pub fn check_csrf(&self, token: &str) -> Result<(), AuthError> {
        if constant_time_eq(token.as_bytes(), self.csrf_token.as_bytes()) {
            Ok(())
        } else {
            Err(AuthError::Csrf)
        }
    }

    pub fn is_operator(&self) -> bool {
        self.user.role.is_staff()
    }

    /// Staff whose session was opened with the password alone (before the second factor
    /// was required, or before a role change): the operator portal is not theirs until they
    /// log in again with "Engångskod".
    pub fn needs_second_factor(&self) -> bool {
        self.is_operator() && !self.second_factor
    }
}

pub fn cookie_name(settings: &Settings) -> &'static str {
    if settings.is_https() {
        "__Host-session"
    } else {
        "session"
    }
}

pub fn session_cookie(settings: &Settings, token: String) -> Cookie<'static> {
    Cookie::build(cookie_name(settings), token)
        .path("/")
        .http_only(true)
        .secure(settings.is_https())
        .same_site(SameSite::Lax)
        .max_age(time::Duration::hours(ABSOLUTE_TIMEOUT.num_hours()))
        .finish()
}

pub fn removal_cookie(settings: &Settings) -> Cookie<'static> {
    let mut c = session_cookie(settings, String::new());
    c.make_removal();
    c
}

/// Starts a new session (always a new id: no session fixation); `second_factor` when the
/// login passed it. Returns the cookie token.
pub fn start(
    conn: &mut DbConnection,
    user_id: UserId,
    second_factor: bool,
    now: NaiveDateTime,
) -> diesel::QueryResult<String> {
    let token = new_token();
    accounts::insert_session(conn, &token, user_id, &new_token(), second_factor, now)?;
    Ok(token)
}

/// The session token of a request, if it has one.
pub fn token_of(req: &HttpRequest, settings: &Settings) -> Option<String> {
    req.cookie(cookie_name(settings))
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[derive(Clone)]
struct Cached(Option<Arc<SessionUser>>);

/// The session of a request already looked up, if it was.
pub fn cached(req: &HttpRequest) -> Option<Option<Arc<SessionUser>>> {
    req.extensions().get::<Cached>().map(|c| c.0.clone())
}

/// Keeps what was found for the rest of the request (error pages, a second extractor).
pub fn remember(req: &HttpRequest, found: Option<Arc<SessionUser>>) {
    req.extensions_mut().insert(Cached(found));
}

/// Looks a session up on a connection the caller holds (so it can share the request's one
/// trip to the database with the page's own rows): ends it when it has timed out, notes that
/// it was seen, and reads the unread count when `with_unread` (only a page that draws the
/// top bar shows it; a fragment does not).
pub fn lookup(
    conn: &mut DbConnection,
    token: &str,
    with_unread: bool,
    activity: bool,
) -> diesel::QueryResult<Option<Arc<SessionUser>>> {
    let now = clock::now();
    let Some((session, user, unread_messages)) =
        accounts::session_with_user(conn, token, with_unread)?
    else {
        return Ok(None);
    };
    let expired =
        now - session.last_seen_at > IDLE_TIMEOUT || now - session.created_at > ABSOLUTE_TIMEOUT;
    if expired {
        accounts::delete_session(conn, &session.id_hash)?;
        return Ok(None);
    }
    // The top bar's unread poll is not the user doing anything (issue #34, 15): an open tab
    // must not keep a session alive past its idle timeout.
    if activity && now - session.last_seen_at > TOUCH_AFTER {
        accounts::touch_session(conn, &session.id_hash, now)?;
    }
    Ok(Some(Arc::new(SessionUser {
        second_factor: session.second_factor,
        unread_messages,
        user,
        session_hash: session.id_hash,
        csrf_token: session.csrf_token,
    })))
}

/// Whether a request is an HTMX request that wants a fragment (not boosted, not a history
/// restore): its answer draws no top bar, so it needs no unread count.
pub fn is_fragment(req: &HttpRequest) -> bool {
    let h = req.headers();
    const HX_BOOSTED: HeaderName = HeaderName::from_static("hx-boosted");
    const HX_HISTORY_RESTORE: HeaderName = HeaderName::from_static("hx-history-restore-request");
    h.contains_key(HX_REQUEST) && !h.contains_key(HX_BOOSTED) && !h.contains_key(HX_HISTORY_RESTORE)
}

/// Whether a request is the user's doing: everything but the top bar's unread poll.
pub fn is_activity(req: &HttpRequest) -> bool {
    req.path() != UNREAD_POLL
}

/// The path of the top bar's poll for unread replies.
pub const UNREAD_POLL: &str = "/messages/unread";

/// The header every htmx request carries. Looked up by a `HeaderName` made at compile time: a
/// `&str` name is parsed into a newly allocated `HeaderName` on each look-up.
pub const HX_REQUEST: HeaderName = HeaderName::from_static("hx-request");

/// The logged-in user of a request, looked up once per request (a trip of its own; a page
/// that reads rows too does both in one with `web::ctx::load`).
pub async fn current(
    req: &HttpRequest,
    pool: &Pool,
    settings: &Settings,
) -> Result<Option<Arc<SessionUser>>, AuthError> {
    if let Some(found) = cached(req) {
        return Ok(found);
    }
    let found = match token_of(req, settings) {
        None => None,
        Some(token) => {
            let with_unread = !is_fragment(req);
            let activity = is_activity(req);
            db::read(pool, move |conn| {
                lookup(conn, &token, with_unread, activity).map_err(db::DbError::from)
            })
            .await?
        }
    };
    remember(req, found.clone());
    Ok(found)
}

/// Ends the request's session server-side.
pub async fn end(req: &HttpRequest, pool: &Pool, settings: &Settings) -> Result<(), AuthError> {
    if let Some(token) = token_of(req, settings) {
        db::query(pool, move |conn| {
            accounts::delete_session(conn, &hash_token(&token))?;
            Ok(())
        })
        .await?;
    }
    Ok(())
}
