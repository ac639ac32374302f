//! The check API for parking attendants' devices and camera systems (CONTRACT.md "Check API"):
//! `GET /api/v1/check?regnr=ABC123` with `Authorization: Bearer KEY`.
//!
//! - No keys configured (`CHECK_API_KEYS` unset): the API is off and every request gets 404.
//! - A missing or wrong key: 401 with `WWW-Authenticate: Bearer` (checked before anything else,
//!   keys compared in constant time).
//! - `regnr` is normalised (upper case, no spaces or dashes); a Swedish plate or any other
//!   plate of letters and digits (at most 10, taken as foreign); anything else: 400.
//! - Every error is JSON `{"error": "…"}`; answers are never cached.

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

fn json_error(status: StatusCode, message: &str) -> HttpResponse {
    let mut resp = HttpResponse::build(status);
    resp.insert_header(("Cache-Control", "no-store"));
    if status == StatusCode::UNAUTHORIZED {
        resp.insert_header(("WWW-Authenticate", "Bearer realm=\"parkportal\""));
    }
    resp.json(serde_json::json!({ "error": message }))
}

/// Whether the request carries one of the keys. Every key is compared, each in constant time,
/// so the time does not tell which key or how much of it matched.
fn authorised(req: &HttpRequest, keys: &[secrecy::SecretString]) -> bool {
    let Some(given) = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        // Bytes, not `to_str`: a key may hold non-ASCII (UTF-8) characters.
        .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
    else {
        return false;
    };
    let Some((scheme, token)) = given.trim().split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return false;
    }
    // Compared as SHA-256 hashes: equal lengths, so not even a key's length shows.
    let token = hash_token(token.trim());
    keys.iter().fold(false, |ok, key| {
        constant_time_eq(token.as_bytes(), hash_token(key.expose_secret()).as_bytes()) | ok
    })
}

/// What a number's check answers today (the API and the Kontroll page share it).
pub async fn answer(state: &AppState, regnr: RegNumber) -> anyhow::Result<CheckAnswer> {
    let number = regnr.as_str().to_string();
    let found = db::run(&state.pool, move |c| {
        Ok(check::valid_on(c, &number, today(chrono::Utc::now()))?)
    })
    .await?;
    Ok(CheckAnswer {
        regnr: regnr.to_string(),
        valid: !found.is_empty(),
        permits: found.into_iter().map(CheckPermit::from).collect(),
    })
}

pub async fn check(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let keys = &state.settings.check_api_keys;
    if keys.is_empty() {
        return json_error(
            StatusCode::NOT_FOUND,
            "the check API is off (CHECK_API_KEYS is not set)",
        );
    }
    if !authorised(&req, keys) {
        return json_error(
            StatusCode::UNAUTHORIZED,
            "a valid API key is required: Authorization: Bearer KEY",
        );
    }
    let raw = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "regnr")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let regnr = match RegNumber::for_lookup(&raw) {
        Ok(r) => r,
        Err(crate::domain::regnr::RegNumberError::Empty) => {
            return json_error(StatusCode::BAD_REQUEST, "regnr is missing");
        }
        Err(_) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "regnr must be a registration number: letters and digits, at most 10",
            );
        }
    };
    match answer(&state, regnr).await {
        Ok(a) => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(a),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "check failed");
            json_error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}
