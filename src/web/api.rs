//! The check API for parking attendants' devices and camera systems (CONTRACT.md "Check API"):
//! `GET /api/v1/check?regnr=ABC123` with `Authorization: Bearer KEY`.
//!
//! - No keys configured (`CHECK_API_KEYS` unset): the API is off and every request gets 404.
//! - A missing or wrong key: 401 with `WWW-Authenticate: Bearer` (checked before anything else,
//!   keys compared in constant time).
//! - `regnr` is normalised (upper case, no spaces or dashes); a Swedish plate or any other
//!   plate of letters and digits (at most 10, taken as foreign); anything else: 400.
//! - `car_park=ID` (optional): the answer for that car park only (`GET /api/v1/car-parks`
//!   lists the ids, behind the same key and limits); not a number: 400; no such car park: 404.
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
pub(crate) fn authorised(req: &HttpRequest, keys: &[secrecy::SecretString]) -> Option<String> {
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

/// What a number's check answers today (the API and the Kontroll page share it); with a
/// `car_park`, only what covers that car park counts (`None`: no such car park).
fn answer_in(
    c: &mut db::DbConnection,
    regnr: RegNumber,
    car_park: Option<crate::domain::CarParkId>,
) -> Result<Option<CheckAnswer>, db::DbError> {
    if let Some(id) = car_park
        && !crate::db::catalogue::car_park_exists(c, id)?
    {
        return Ok(None);
    }
    let mut found = check::valid_on(c, regnr.as_str(), today(chrono::Utc::now()), None)?;
    found.retain(|p| car_park.is_none_or(|id| p.car_park_id == id));
    Ok(Some(CheckAnswer {
        regnr: regnr.to_string(),
        valid: !found.is_empty(),
        permits: found.into_iter().map(CheckPermit::from).collect(),
        why_not: None,
    }))
}

/// What a number's check answers today and, when not valid, why (the Kontroll page and the
/// permit page say it; the API's answer stays as CONTRACT.md has it): one read. With a car
/// park: the answer for it, and where else the car may park today ("gäller i …").
pub async fn answer_with_reason(
    state: &AppState,
    regnr: RegNumber,
    car_park: Option<crate::domain::CarParkId>,
) -> Result<(CheckAnswer, Vec<String>), db::DbError> {
    db::read(&state.pool, move |c| {
        let day = today(chrono::Utc::now());
        let all = check::valid_on(c, regnr.as_str(), day, None)?;
        let (here, elsewhere): (Vec<_>, Vec<_>) = all
            .into_iter()
            .partition(|p| car_park.is_none_or(|id| p.car_park_id == id));
        let mut a = CheckAnswer {
            regnr: regnr.to_string(),
            valid: !here.is_empty(),
            permits: here.into_iter().map(CheckPermit::from).collect(),
            why_not: None,
        };
        let mut other: Vec<String> = elsewhere.into_iter().map(|p| p.car_park).collect();
        other.dedup();
        if !a.valid && other.is_empty() {
            a.why_not = Some(check::why_not(c, regnr.as_str(), day, None)?);
        }
        Ok((a, other))
    })
    .await
}

/// What one request to the API comes to, decided in its one trip to the database.
enum Outcome<T> {
    TooMany(std::time::Duration),
    Unauthorised,
    BadRequest(&'static str),
    UnknownCarPark,
    Answer(T),
}

/// The question of a check: the number and, optionally, the car park.
fn question(
    req: &HttpRequest,
) -> Result<(RegNumber, Option<crate::domain::CarParkId>), &'static str> {
    let param = |name: &str| {
        url::form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let regnr =
        RegNumber::for_lookup(&param("regnr").unwrap_or_default()).map_err(|e| match e {
            crate::domain::regnr::RegNumberError::Empty => "regnr is missing",
            _ => "regnr must be a registration number: letters and digits, at most 10",
        })?;
    let car_park = match param("car_park") {
        None => None,
        Some(v) => Some(v.trim().parse::<crate::domain::CarParkId>().map_err(
            |_| "car_park must be a car park's id, as GET /api/v1/car-parks lists them",
        )?),
    };
    Ok((regnr, car_park))
}

/// `GET /api/v1/check`. The key and the question are read first; then one trip to the
/// database counts the client's hit, the key's hit (when the key is right) and finds the
/// answer, in the order the module's header gives: a refused or unauthorised request reads
/// nothing more.
pub async fn check(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let asked = question(&req);
    limited(&req, &state, move |c| {
        let (regnr, car_park) = match asked {
            Ok(q) => q,
            Err(message) => return Ok(Outcome::BadRequest(message)),
        };
        Ok(match answer_in(c, regnr, car_park)? {
            Some(a) => Outcome::Answer(a),
            None => Outcome::UnknownCarPark,
        })
    })
    .await
}

/// One car park of `GET /api/v1/car-parks`.
#[derive(Debug, Serialize)]
pub struct CarPark {
    pub id: crate::domain::CarParkId,
    pub name: String,
}

/// `GET /api/v1/car-parks`: the car parks in use, with the id the check's `car_park` takes;
/// the same key and limits as the check.
pub async fn car_parks(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    limited(&req, &state, |c| {
        let parks = crate::db::catalogue::active_car_parks(c)?;
        Ok(Outcome::Answer(
            parks
                .into_iter()
                .map(|p| CarPark {
                    id: p.id,
                    name: p.name,
                })
                .collect::<Vec<_>>(),
        ))
    })
    .await
}

/// An API request behind the key and the rate limits: `work` runs only for an allowed,
/// authorised request, in the same trip to the database as the limits' hits (or in a read
/// alone, when this instance holds reserved hits for both).
async fn limited<T, F>(req: &HttpRequest, state: &AppState, work: F) -> HttpResponse
where
    T: Serialize + Send + 'static,
    F: FnOnce(&mut db::DbConnection) -> Result<Outcome<T>, db::DbError> + Clone + Send + 'static,
{
    let keys = &state.settings.check_api_keys;
    if keys.is_empty() {
        return json_error(
            StatusCode::NOT_FOUND,
            "the check API is off (CHECK_API_KEYS is not set)",
        );
    }
    // Per client address: every request, also those with a wrong key.
    let by_client = format!("check:addr:{}", client_address(req, state));
    // Per key: counted under a hash of the key, never the key itself.
    let by_key = authorised(req, keys).map(|hashed| format!("check:key:{}", &hashed[..32]));
    let max = state.settings.check_api_rate_per_minute;
    let reserved = state.reserved_hits.clone();
    // Both hits from this instance's reservations: nothing to write, so the answer is one
    // read (in place on SQLite, `db::read`). Otherwise the one trip below counts them.
    if let Some(by_key) = &by_key
        && reserved.take_each(
            &[&by_client, by_key],
            limiter::window(),
            crate::clock::now(),
        )
    {
        return respond(db::read(&state.pool, work).await);
    }
    let outcome = db::run(&state.pool, move |c| -> Result<Outcome<T>, db::DbError> {
        if let Verdict::Refused { retry_after } = limiter::hit(c, &reserved, &by_client, max)? {
            return Ok(Outcome::TooMany(retry_after));
        }
        let Some(by_key) = by_key else {
            return Ok(Outcome::Unauthorised);
        };
        if let Verdict::Refused { retry_after } = limiter::hit(c, &reserved, &by_key, max)? {
            return Ok(Outcome::TooMany(retry_after));
        }
        work(c)
    })
    .await;
    respond(outcome)
}

fn respond<T: Serialize>(outcome: Result<Outcome<T>, db::DbError>) -> HttpResponse {
    match outcome {
        Ok(Outcome::TooMany(retry_after)) => too_many(retry_after),
        Ok(Outcome::Unauthorised) => json_error(
            StatusCode::UNAUTHORIZED,
            "a valid API key is required: Authorization: Bearer KEY",
        ),
        Ok(Outcome::BadRequest(message)) => json_error(StatusCode::BAD_REQUEST, message),
        Ok(Outcome::UnknownCarPark) => json_error(
            StatusCode::NOT_FOUND,
            "no such car_park: GET /api/v1/car-parks lists them",
        ),
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
