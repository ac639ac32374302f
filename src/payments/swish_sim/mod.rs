//! The built-in Swish simulator: the Swish Commerce API shapes (v2 create, v1 retrieve, the
//! callback), mounted under `/sim/swish/` while no real Swish is configured. The payer's number
//! decides the outcome (CONTRACT.md), answered `SWISH_SIM_DELAY_MS` after the request.
//! Requests are kept in the database, so a simulated payment survives a restart.
//!
//! A request without the payer's number (Swish on this phone, "m-commerce") answers with a
//! `PaymentRequestToken`; the Swish app it would open is stood in for by a page of the
//! simulator, `/sim/swish/app?token=…&callbackurl=…`, with "Betala" (PAID) and "Avbryt"
//! (DECLINED), which then sends the browser back to the portal. Unanswered, such a request
//! ends as ERROR TM01 like any other. A request still CREATED can be cancelled (`PATCH`).
//!
//! Demo mode only, and only for the portal itself: every request must carry the simulator key
//! made at start ([`super::SIM_KEY_HEADER`], sent by `SwishClient::simulator`), else 401; the
//! callback URL must be the portal's own `/callbacks/swish` (under `PUBLIC_URL`), else 422.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

use super::swish::{PaymentRequest, SwishStatus};
use crate::clock;
use crate::db::{self, schema::sim_swish_requests};
use crate::state::AppState;

mod app;
mod refunds;

use app::{app, app_answer};
use refunds::{create_refund, retrieve_refund};

/// How the simulated payer answers.
#[derive(Clone, Copy)]
pub struct SimTiming {
    pub answer_after: Duration,
    /// A request nobody answers ends as ERROR TM01 after this long.
    pub timeout: Duration,
}

#[derive(Queryable, Selectable, Clone)]
#[diesel(table_name = sim_swish_requests)]
struct SimRow {
    id: String,
    payee_payment_reference: Option<String>,
    payment_reference: String,
    callback_url: String,
    payer_alias: String,
    payee_alias: String,
    amount: String,
    message: Option<String>,
    created_at: NaiveDateTime,
    cancelled_at: Option<NaiveDateTime>,
    /// Swish on this phone: the token that opens it in the (simulated) app.
    token: Option<String>,
    /// Swish on this phone: what the payer answered in the app (PAID or DECLINED), and when.
    answer: Option<String>,
    answered_at: Option<NaiveDateTime>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBody {
    payee_payment_reference: Option<String>,
    callback_url: Option<String>,
    payer_alias: Option<String>,
    payee_alias: Option<String>,
    amount: Option<String>,
    currency: Option<String>,
    message: Option<String>,
}

fn refuse(code: &str, text: &str) -> HttpResponse {
    HttpResponse::UnprocessableEntity().json(json!([{
        "errorCode": code, "errorMessage": text, "additionalInformation": null
    }]))
}

/// This simulator as a [`super::sim::SimProvider`]: the key's header, and the 401 (nothing done)
/// for a caller that is not the portal's own client.
pub struct SwishSim;

impl super::sim::SimProvider for SwishSim {
    const KEY_HEADER: &'static str = super::SIM_KEY_HEADER;

    fn unknown_caller() -> HttpResponse {
        HttpResponse::Unauthorized().json(json!([{
            "errorCode": "UNAUTHORIZED",
            "errorMessage": "The simulator answers only the portal's own client",
            "additionalInformation": null
        }]))
    }
}

/// The portal's own Swish callback: under `PUBLIC_URL`, path `/callbacks/swish`, no query.
fn own_callback(url: &str, state: &AppState) -> bool {
    super::sim::on_portal(url, &state.settings.public_url)
        && url::Url::parse(url).is_ok_and(|u| {
            u.path().ends_with("/callbacks/swish") && u.query().is_none() && u.fragment().is_none()
        })
}

fn iso(t: NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The outcome decided by the payer's number, as of `now`.
fn status_of(
    row: &SimRow,
    now: NaiveDateTime,
    timing: SimTiming,
) -> (
    SwishStatus,
    Option<(&'static str, &'static str)>,
    Option<NaiveDateTime>,
) {
    if row.cancelled_at.is_some() {
        return (SwishStatus::Cancelled, None, None);
    }
    let answered =
        row.created_at + chrono::Duration::from_std(timing.answer_after).unwrap_or_default();
    let timed_out = row.created_at + chrono::Duration::from_std(timing.timeout).unwrap_or_default();
    if row.token.is_some() {
        // Swish on this phone: what the payer answered in the app, if they did in time.
        return match (row.answer.as_deref(), row.answered_at) {
            (Some("PAID"), Some(at)) => (SwishStatus::Paid, None, Some(at)),
            (Some(_), _) => (SwishStatus::Declined, None, None),
            (None, _) if now >= timed_out => (
                SwishStatus::Error,
                Some(("TM01", "Swish timed out before the payment was started")),
                None,
            ),
            (None, _) => (SwishStatus::Created, None, None),
        };
    }
    match row.payer_alias.as_str() {
        "46700000004" if now >= timed_out => (
            SwishStatus::Error,
            Some(("TM01", "Swish timed out before the payment was started")),
            None,
        ),
        "46700000004" => (SwishStatus::Created, None, None),
        _ if now < answered => (SwishStatus::Created, None, None),
        "46700000001" => (SwishStatus::Declined, None, None),
        "46700000002" => (
            SwishStatus::Error,
            Some(("RF07", "Transaction declined")),
            None,
        ),
        "46700000003" => (
            SwishStatus::Error,
            Some(("BANKIDCL", "Payer cancelled BankID signing")),
            None,
        ),
        _ => (SwishStatus::Paid, None, Some(answered)),
    }
}

fn report(row: &SimRow, now: NaiveDateTime, timing: SimTiming) -> PaymentRequest {
    let (status, error, paid) = status_of(row, now, timing);
    PaymentRequest {
        id: row.id.clone(),
        payee_payment_reference: row.payee_payment_reference.clone(),
        payment_reference: (status == SwishStatus::Paid).then(|| row.payment_reference.clone()),
        payer_alias: Some(row.payer_alias.clone()).filter(|a| !a.is_empty()),
        payee_alias: Some(row.payee_alias.clone()),
        amount: row
            .amount
            .parse::<f64>()
            .map(|a| json!(a))
            .unwrap_or(json!(row.amount)),
        currency: Some("SEK".into()),
        status,
        date_created: Some(iso(row.created_at)),
        date_paid: paid.map(iso),
        error_code: error.map(|e| e.0.to_string()),
        error_message: error.map(|e| e.1.to_string()),
    }
}

fn valid_amount(a: &str) -> bool {
    let Some((kr, ore)) = a.split_once('.') else {
        return false;
    };
    !kr.is_empty()
        && kr.len() <= 10
        && ore.len() == 2
        && kr.chars().chain(ore.chars()).all(|c| c.is_ascii_digit())
        && a != "0.00"
}

pub async fn create(
    _caller: super::sim::SimCaller<SwishSim>,
    state: web::Data<AppState>,
    timing: web::Data<SimTiming>,
    id: web::Path<String>,
    body: web::Json<CreateBody>,
) -> Result<HttpResponse, super::sim::SimError> {
    let id = id.into_inner();
    if id.len() != 32
        || !id
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        || id.chars().any(|c| c.is_ascii_alphabetic() && c > 'F')
    {
        return Ok(refuse(
            "RP01",
            "Instruction UUID must be 32 upper-case hex characters",
        ));
    }
    let b = body.into_inner();
    // No payer's number: Swish on this phone, opened in the app with a token.
    let token = b
        .payer_alias
        .is_none()
        .then(|| uuid::Uuid::new_v4().simple().to_string());
    let payer = b.payer_alias.unwrap_or_default();
    if token.is_none()
        && !(payer.len() >= 10
            && payer.len() <= 15
            && payer.starts_with("46")
            && payer.chars().all(|c| c.is_ascii_digit()))
    {
        return Ok(refuse("BE18", "Payer alias is invalid"));
    }
    let Some(amount) = b.amount.filter(|a| valid_amount(a)) else {
        return Ok(refuse(
            "PA02",
            "Amount value is missing or not a valid number",
        ));
    };
    if b.currency.as_deref() != Some("SEK") {
        return Ok(refuse("AM03", "Invalid or missing Currency"));
    }
    let Some(callback) = b.callback_url.filter(|u| own_callback(u, &state)) else {
        return Ok(refuse(
            "RP03",
            "Callback URL is missing or is not this portal's /callbacks/swish",
        ));
    };
    if b.message.as_ref().is_some_and(|m| m.chars().count() > 50) {
        return Ok(refuse("RP02", "Wrong formatted message"));
    }
    if payer == "46700000005" {
        return Ok(refuse("ACMT03", "Payer not Enrolled"));
    }
    let row = SimRow {
        id: id.clone(),
        payee_payment_reference: b.payee_payment_reference,
        payment_reference: uuid::Uuid::new_v4().simple().to_string().to_uppercase(),
        callback_url: callback,
        payer_alias: payer,
        payee_alias: b.payee_alias.unwrap_or_default(),
        amount,
        message: b.message,
        created_at: clock::now(),
        cancelled_at: None,
        token: token.clone(),
        answer: None,
        answered_at: None,
    };
    let stored = row.clone();
    let inserted = db::query(&state.pool, move |c| {
        if sim_swish_requests::table
            .find(&stored.id)
            .count()
            .get_result::<i64>(c)?
            > 0
        {
            return Ok(false);
        }
        diesel::insert_into(sim_swish_requests::table)
            .values((
                sim_swish_requests::id.eq(&stored.id),
                sim_swish_requests::payee_payment_reference.eq(&stored.payee_payment_reference),
                sim_swish_requests::payment_reference.eq(&stored.payment_reference),
                sim_swish_requests::callback_url.eq(&stored.callback_url),
                sim_swish_requests::payer_alias.eq(&stored.payer_alias),
                sim_swish_requests::payee_alias.eq(&stored.payee_alias),
                sim_swish_requests::amount.eq(&stored.amount),
                sim_swish_requests::message.eq(&stored.message),
                sim_swish_requests::created_at.eq(stored.created_at),
                sim_swish_requests::token.eq(&stored.token),
            ))
            .execute(c)?;
        Ok(true)
    })
    .await?;
    if !inserted {
        // The same instruction id again: Swish does not create a second request.
        return Ok(HttpResponse::Conflict()
            .json(json!([{"errorCode": "RP01", "errorMessage": "Duplicate instruction UUID"}])));
    }
    // The simulated payer answers, then Swish calls back (on this phone: once the app has).
    let t = *timing.get_ref();
    if row.payer_alias != "46700000004" && token.is_none() {
        call_back(row, t.answer_after, t);
    }
    let location = state.link(&format!("/sim/swish/api/v1/paymentrequests/{id}"));
    let mut created = HttpResponse::Created();
    created.insert_header((header::LOCATION, location));
    if let Some(token) = token {
        created.insert_header(("PaymentRequestToken", token));
    }
    Ok(created.finish())
}

/// Swish's callback to the portal, `after` from now, with the request as it is then.
fn call_back(row: SimRow, after: Duration, t: SimTiming) {
    actix_web::rt::spawn(async move {
        tokio::time::sleep(after).await;
        let body = report(&row, clock::now(), t);
        let _ = reqwest::Client::new()
            .post(&row.callback_url)
            .timeout(Duration::from_secs(10))
            .json(&body)
            .send()
            .await;
    });
}

fn find(c: &mut db::DbConnection, id: &str) -> diesel::QueryResult<Option<SimRow>> {
    sim_swish_requests::table
        .find(id)
        .select(SimRow::as_select())
        .first(c)
        .optional()
}

/// Cancels a payment request that is still CREATED (Swish's `PATCH` with the JSON patch
/// `[{"op":"replace","path":"/status","value":"cancelled"}]`); anything else is refused.
pub async fn cancel(
    _caller: super::sim::SimCaller<SwishSim>,
    state: web::Data<AppState>,
    timing: web::Data<SimTiming>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, super::sim::SimError> {
    let patch_ok = serde_json::from_slice::<serde_json::Value>(&body)
        .is_ok_and(|v| v == json!([{"op": "replace", "path": "/status", "value": "cancelled"}]));
    if !patch_ok {
        return Ok(refuse(
            "PA01",
            "Only cancelling a payment request is supported",
        ));
    }
    let t = *timing.get_ref();
    let id = id.into_inner();
    let outcome = db::query(&state.pool, move |c| {
        crate::db::write_tx(c, |c| {
            let Some(row) = find(c, &id)? else {
                return Ok(None);
            };
            let now = clock::now();
            if status_of(&row, now, t).0 != SwishStatus::Created {
                return Ok(Some(Err(())));
            }
            diesel::update(sim_swish_requests::table.find(&id))
                .set(sim_swish_requests::cancelled_at.eq(now))
                .execute(c)?;
            Ok(Some(Ok(find(c, &id)?.map(|r| report(&r, now, t)))))
        })
    })
    .await?;
    Ok(match outcome {
        None => HttpResponse::NotFound()
            .json(json!([{"errorCode": "RP04", "errorMessage": "No payment request found"}])),
        Some(Err(())) => refuse("RP07", "Transaction operation not allowed"),
        Some(Ok(report)) => HttpResponse::Ok().json(report),
    })
}

pub async fn retrieve(
    _caller: super::sim::SimCaller<SwishSim>,
    state: web::Data<AppState>,
    timing: web::Data<SimTiming>,
    id: web::Path<String>,
) -> Result<HttpResponse, super::sim::SimError> {
    let id = id.into_inner();
    let row = db::query(&state.pool, move |c| find(c, &id)).await?;
    Ok(match row {
        Some(row) => HttpResponse::Ok().json(report(&row, clock::now(), *timing.get_ref())),
        None => HttpResponse::NotFound()
            .json(json!([{"errorCode": "RP04", "errorMessage": "No payment request found"}])),
    })
}

/// The simulator's routes; mounted only in demo mode while no real Swish is configured.
pub fn routes(cfg: &mut web::ServiceConfig, timing: SimTiming, frame: super::sim::SimFrame) {
    cfg.app_data(web::Data::new(timing))
        .app_data(web::Data::new(frame))
        .route("/sim/swish/app", web::get().to(app))
        .route("/sim/swish/app", web::post().to(app_answer))
        .route(
            "/sim/swish/api/v1/paymentrequests/{id}",
            web::patch().to(cancel),
        )
        .route(
            "/sim/swish/api/v2/paymentrequests/{id}",
            web::put().to(create),
        )
        .route(
            "/sim/swish/api/v2/refunds/{id}",
            web::put().to(create_refund),
        )
        .route(
            "/sim/swish/api/v1/refunds/{id}",
            web::get().to(retrieve_refund),
        )
        .route(
            "/sim/swish/api/v1/paymentrequests/{id}",
            web::get().to(retrieve),
        );
}
