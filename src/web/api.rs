//! The check API for parking attendants' devices and camera systems (CONTRACT.md "Check API"):
//! `GET /api/v1/check?regnr=ABC123` with `Authorization: Bearer KEY`.
//!
//! - No keys configured (`CHECK_API_KEYS` unset): the API is off and every request gets 404.
//! - A missing or wrong key: 401 with `WWW-Authenticate: Bearer` (checked before anything else,
//!   keys compared in constant time).
//! - `regnr` is normalised (upper case, no spaces or dashes); a Swedish plate or any other
//!   plate of letters and digits (at most 10, taken as foreign); anything else: 400.
//! - Every error is JSON `{"error": "…"}`; answers are never cached.
//! - Rate limits (`CHECK_API_RATE_PER_MINUTE`, default 600): per client address on every
//!   request (before the key is checked), and per key once it is; over either: 429 with
//!   `Retry-After` (seconds). Counted in the database, so they hold across instances.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use secrecy::ExposeSecret;
use serde::Serialize;

use crate::db::{self, check};
use crate::domain::RegNumber;
use crate::domain::permit::today;
use crate::domain::token::{constant_time_eq, hash_token};
use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct CheckAnswer {
    pub regnr: String,
    pub valid: bool,
    pub permits: Vec<CheckPermit>,
    /// Why not valid, for the pages that say it (not part of the API's answer).
    #[serde(skip)]
    pub why_not: Option<crate::domain::check::NotValid>,
}

#[derive(Debug, Serialize)]
pub struct CheckPermit {
    #[serde(rename = "type")]
    pub type_name: String,
    pub car_park: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// Valid through a temporary registration number.
    pub temporary: bool,
    /// Valid through a day-card session booked for today (then valid_from = valid_to = today).
    /// For the portal's own pages; the API's answer keeps the contract's five fields.
    #[serde(skip)]
    pub day_session: bool,
}

impl From<check::ValidPermit> for CheckPermit {
    fn from(p: check::ValidPermit) -> Self {
        CheckPermit {
            type_name: p.type_sv,
            car_park: p.car_park,
            valid_from: p.valid_from,
            valid_to: p.valid_to,
            temporary: p.temporary,
            day_session: p.day_session,
        }
    }
}

/// The answer of the rate limiter for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Refused { retry_after: std::time::Duration },
}

/// The window of the check API's limits.
const LIMIT_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

/// 429 with `Retry-After` in whole seconds (at least 1).
fn too_many(retry_after: std::time::Duration) -> HttpResponse {
    let secs = retry_after.as_millis().div_ceil(1000).max(1);
    HttpResponse::TooManyRequests()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Retry-After", secs.to_string()))
        .json(serde_json::json!({ "error": "too many requests; try again after Retry-After seconds" }))
}

fn json_error(status: StatusCode, message: &str) -> HttpResponse {
    let mut resp = HttpResponse::build(status);
    resp.insert_header(("Cache-Control", "no-store"));
    if status == StatusCode::UNAUTHORIZED {
        resp.insert_header(("WWW-Authenticate", "Bearer realm=\"parkportal\""));
    }
    resp.json(serde_json::json!({ "error": message }))
}

/// The SHA-256 (hex) of the key the request carries, if it is one of `keys`. Every key is
/// compared, each in constant time, so the time does not tell which key or how much of it
/// matched.
fn authorised(req: &HttpRequest, keys: &[secrecy::SecretString]) -> Option<String> {
    let given = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        // Bytes, not `to_str`: a key may hold non-ASCII (UTF-8) characters.
        .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())?;
    let (scheme, token) = given.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    // Compared as SHA-256 hashes: equal lengths, so not even a key's length shows.
    let token = hash_token(token.trim());
    keys.iter().fold(None, |found, key| {
        let hashed = hash_token(key.expose_secret());
        let same = constant_time_eq(token.as_bytes(), hashed.as_bytes());
        if same { Some(hashed) } else { found }
    })
}

/// [`answer_in`] on a connection at hand: what a number's check answers today (the API and
/// the Kontroll page share it).
fn answer_in(c: &mut db::DbConnection, regnr: RegNumber) -> Result<CheckAnswer, db::DbError> {
    let found = check::valid_on(c, regnr.as_str(), today(chrono::Utc::now()), None)?;
    Ok(CheckAnswer {
        regnr: regnr.to_string(),
        valid: !found.is_empty(),
        permits: found.into_iter().map(CheckPermit::from).collect(),
        why_not: None,
    })
}

/// What a number's check answers today and, when not valid, why (the Kontroll page and the
/// permit page say it; the API's answer stays as CONTRACT.md has it): one read.
pub async fn answer_with_reason(
    state: &AppState,
    regnr: RegNumber,
) -> Result<CheckAnswer, db::DbError> {
    db::read(&state.pool, move |c| {
        let mut a = answer_in(c, regnr.clone())?;
        if !a.valid {
            a.why_not = Some(check::why_not(
                c,
                regnr.as_str(),
                today(chrono::Utc::now()),
                None,
            )?);
        }
        Ok(a)
    })
    .await
}

/// What one request to the API comes to, decided in its one trip to the database.
enum Outcome {
    TooMany(std::time::Duration),
    Unauthorised,
    BadNumber(&'static str),
    Answer(CheckAnswer),
}

/// `GET /api/v1/check`. The key and the number are read first; then one trip to the database
/// counts the client's hit, the key's hit (when the key is right) and finds the answer, in the
/// order the module's header gives: a refused or unauthorised request reads nothing more.
pub async fn check(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let keys = &state.settings.check_api_keys;
    if keys.is_empty() {
        return json_error(
            StatusCode::NOT_FOUND,
            "the check API is off (CHECK_API_KEYS is not set)",
        );
    }
    // Per client address: every request, also those with a wrong key.
    let by_client = format!("check:addr:{}", client_address(&req, &state));
    // Per key: counted under a hash of the key, never the key itself.
    let by_key = authorised(&req, keys).map(|hashed| format!("check:key:{}", &hashed[..32]));
    let raw = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "regnr")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let regnr = RegNumber::for_lookup(&raw).map_err(|e| match e {
        crate::domain::regnr::RegNumberError::Empty => "regnr is missing",
        _ => "regnr must be a registration number: letters and digits, at most 10",
    });
    let max = state.settings.check_api_rate_per_minute;
    let reserved = state.reserved_hits.clone();
    // Both hits from this instance's reservations: nothing to write, so the answer is one
    // read (in place on SQLite, `db::read`). Otherwise the one trip below counts them.
    if let (Some(by_key), Ok(regnr)) = (&by_key, &regnr)
        && reserved.take_each(
            &[&by_client, by_key],
            limiter::window(),
            crate::clock::now(),
        )
    {
        let regnr = regnr.clone();
        let found = db::read(&state.pool, move |c| answer_in(c, regnr)).await;
        return respond(found.map(Outcome::Answer));
    }
    let outcome = db::run(&state.pool, move |c| -> Result<Outcome, db::DbError> {
        if let Verdict::Refused { retry_after } = limiter::hit(c, &reserved, &by_client, max)? {
            return Ok(Outcome::TooMany(retry_after));
        }
        let Some(by_key) = by_key else {
            return Ok(Outcome::Unauthorised);
        };
        if let Verdict::Refused { retry_after } = limiter::hit(c, &reserved, &by_key, max)? {
            return Ok(Outcome::TooMany(retry_after));
        }
        Ok(match regnr {
            Ok(regnr) => Outcome::Answer(answer_in(c, regnr)?),
            Err(message) => Outcome::BadNumber(message),
        })
    })
    .await;
    respond(outcome)
}

fn respond(outcome: Result<Outcome, db::DbError>) -> HttpResponse {
    match outcome {
        Ok(Outcome::TooMany(retry_after)) => too_many(retry_after),
        Ok(Outcome::Unauthorised) => json_error(
            StatusCode::UNAUTHORIZED,
            "a valid API key is required: Authorization: Bearer KEY",
        ),
        Ok(Outcome::BadNumber(message)) => json_error(StatusCode::BAD_REQUEST, message),
        Ok(Outcome::Answer(a)) => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(a),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "check failed");
            json_error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

/// The client's address for the per-client limit (`X-Forwarded-For` only from `TRUSTED_PROXIES`).
fn client_address(req: &HttpRequest, state: &AppState) -> String {
    crate::web::client::client_key(req, &state.settings)
}

/// The limiter the check API counts against: the database's ([`crate::db::limits`]), so a
/// limit holds under parallel requests and across instances on one database; hits are
/// reserved in chunks ([`crate::db::limits::hit_chunked`]) so that most requests write nothing.
mod limiter {
    use super::{LIMIT_WINDOW, Verdict};
    use crate::db::limits::{self, Reserved};
    use crate::db::{DbConnection, DbError};

    /// The limits' window.
    pub fn window() -> chrono::TimeDelta {
        chrono::TimeDelta::from_std(LIMIT_WINDOW).unwrap_or(chrono::TimeDelta::MAX)
    }

    /// Counts one request against `bucket` (at most `max` a minute).
    pub fn hit(
        c: &mut DbConnection,
        reserved: &Reserved,
        bucket: &str,
        max: u32,
    ) -> Result<Verdict, DbError> {
        let window = window();
        let now = crate::clock::now();
        Ok(
            match limits::hit_chunked(c, reserved, bucket, window, i64::from(max), now)? {
                limits::Limit::Allowed => Verdict::Allowed,
                limits::Limit::Refused { retry_after } => Verdict::Refused {
                    retry_after: retry_after
                        .to_std()
                        .unwrap_or(std::time::Duration::from_secs(1)),
                },
            },
        )
    }
}
