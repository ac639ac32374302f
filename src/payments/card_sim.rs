//! The built-in card simulator: the Nexi Checkout API shapes (create, retrieve, terminate an
//! open checkout, refund a charge, never more than was charged) and a hosted
//! payment page with "Kortnummer", "Betala" and "Avbryt". 4111 1111 1111 1111 pays,
//! 4000 0000 0000 0002 is declined, "Avbryt" cancels; then the browser goes back to
//! Parkportal. Mounted under `/sim/card/` in demo mode while no real Nexi is configured.
//!
//! Only for the portal itself: the API answers only a caller whose `Authorization` is the
//! simulator key made at start (what `NexiClient::simulator` sends), else 401; a payment's
//! return and cancel URLs must be under the portal's own `PUBLIC_URL`, else 400. The hosted
//! page is for the browser (no key) and sends it back only to those URLs.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use maud::html;
use serde::Deserialize;
use serde_json::json;

use super::sim::{SimError, SimFrame};
use crate::clock;
use crate::db::{
    self,
    schema::{sim_card_payments, sim_card_refunds},
};
use crate::state::AppState;

const PAYS: &str = "4111111111111111";
const DECLINED: &str = "4000000000000002";

#[derive(Deserialize)]
pub struct CreateBody {
    order: Order,
    checkout: Checkout,
}

#[derive(Deserialize)]
pub struct Order {
    amount: i64,
    reference: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkout {
    return_url: String,
    cancel_url: String,
}

/// This simulator as a [`super::sim::SimProvider`]: the portal's own `NexiClient` sends the
/// simulator key as `Authorization`; anyone else gets the provider's 401.
pub struct NexiSim;

impl super::sim::SimProvider for NexiSim {
    const KEY_HEADER: &'static str = "authorization";

    fn unknown_caller() -> HttpResponse {
        HttpResponse::Unauthorized()
            .json(json!({ "message": "The simulator answers only the portal's own client." }))
    }
}

pub async fn create(
    _caller: super::sim::SimCaller<NexiSim>,
    state: web::Data<AppState>,
    body: web::Json<CreateBody>,
) -> Result<HttpResponse, SimError> {
    let b = body.into_inner();
    let public_url = &state.settings.public_url;
    if !super::sim::on_portal(&b.checkout.return_url, public_url)
        || !super::sim::on_portal(&b.checkout.cancel_url, public_url)
    {
        return Ok(HttpResponse::BadRequest().json(
            json!({"errors": {"checkout": ["returnUrl and cancelUrl must be on this portal"]}}),
        ));
    }
    if b.order.amount <= 0 {
        return Ok(HttpResponse::BadRequest().json(json!({"errors": {"order": ["invalid"]}})));
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let row_id = id.clone();
    db::query(&state.pool, move |c| {
        diesel::insert_into(sim_card_payments::table)
            .values((
                sim_card_payments::id.eq(&row_id),
                sim_card_payments::reference.eq(b.order.reference.unwrap_or_default()),
                sim_card_payments::amount.eq(b.order.amount),
                sim_card_payments::return_url.eq(b.checkout.return_url),
                sim_card_payments::cancel_url.eq(b.checkout.cancel_url),
                sim_card_payments::status.eq("created"),
                sim_card_payments::created_at.eq(clock::now()),
            ))
            .execute(c)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({
        "paymentId": id,
        "hostedPaymentPageUrl": state.link(&format!("/sim/card/pay/{id}")),
    })))
}

type SimRow = (String, i64, String, String, String);

async fn load(state: &AppState, id: String) -> Result<Option<SimRow>, SimError> {
    Ok(db::query(&state.pool, move |c| {
        sim_card_payments::table
            .find(id)
            .select((
                sim_card_payments::id,
                sim_card_payments::amount,
                sim_card_payments::status,
                sim_card_payments::return_url,
                sim_card_payments::cancel_url,
            ))
            .first::<SimRow>(c)
            .optional()
    })
    .await?)
}

pub async fn retrieve(
    _caller: super::sim::SimCaller<NexiSim>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, SimError> {
    let id = id.into_inner();
    let charge = db::query(&state.pool, {
        let id = id.clone();
        move |c| {
            let charge_id = sim_card_payments::table
                .find(&id)
                .select(sim_card_payments::charge_id)
                .first::<Option<String>>(c)
                .optional()?
                .flatten();
            let Some(charge_id) = charge_id else {
                return Ok(None);
            };
            let refunded: Vec<i64> = sim_card_refunds::table
                .filter(sim_card_refunds::charge_id.eq(&charge_id))
                .select(sim_card_refunds::amount)
                .load(c)?;
            Ok(Some((charge_id, refunded.iter().sum::<i64>())))
        }
    })
    .await?;
    let Some((id, amount, status, _, _)) = load(&state, id).await? else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let charged = (status == "charged").then_some(amount);
    // A checkout ended without a charge (cancelled or declined on the page, or terminated
    // through the API) carries a `terminated` time, like Nexi's.
    let terminated = ["cancelled", "declined"]
        .contains(&status.as_str())
        .then(|| clock::now().and_utc().to_rfc3339());
    // Like Nexi: the refunded amount and the charges are only there once there are some.
    let refunded = charge.as_ref().map(|(_, r)| *r).filter(|r| *r > 0);
    let charges = charge
        .filter(|_| charged.is_some())
        .map(|(charge_id, _)| json!([{ "chargeId": charge_id, "amount": amount }]));
    Ok(HttpResponse::Ok().json(json!({
        "payment": {
            "paymentId": id,
            "summary": { "chargedAmount": charged, "refundedAmount": refunded },
            "orderDetails": { "amount": amount, "currency": "SEK" },
            "charges": charges,
            "terminated": terminated,
        }
    })))
}

/// Ends an open checkout (`PUT /v1/payments/{id}/terminate`): 204; again on an ended one,
/// 204; once it is charged, 400 like Nexi.
pub async fn terminate(
    _caller: super::sim::SimCaller<NexiSim>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, SimError> {
    let id = id.into_inner();
    let status = db::query(&state.pool, move |c| {
        db::write_tx(c, |c| {
            diesel::update(sim_card_payments::table.find(&id))
                .filter(sim_card_payments::status.eq("created"))
                .set(sim_card_payments::status.eq("cancelled"))
                .execute(c)?;
            sim_card_payments::table
                .find(&id)
                .select(sim_card_payments::status)
                .first::<String>(c)
                .optional()
        })
    })
    .await?;
    Ok(match status.as_deref() {
        None => HttpResponse::NotFound().finish(),
        Some("charged") => refuse(
            "payment",
            "The payment is completed and cannot be terminated.",
        ),
        Some(_) => HttpResponse::NoContent().finish(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundItem {
    gross_total_amount: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundBody {
    amount: i64,
    #[serde(default)]
    order_items: Vec<RefundItem>,
}

/// Nexi's answer to a request it will not carry out.
fn refuse(field: &str, message: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({ "errors": { field: [message] } }))
}

/// A refund of (part of) a charge: never more than what is left of it. An `Idempotency-Key`
/// sent again is the same refund: its id is answered, nothing is refunded twice.
pub async fn refund(
    _caller: super::sim::SimCaller<NexiSim>,
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    charge_id: web::Path<String>,
    body: web::Json<RefundBody>,
) -> Result<HttpResponse, SimError> {
    let charge_id = charge_id.into_inner();
    let b = body.into_inner();
    if b.amount <= 0 {
        return Ok(refuse("amount", "The amount must be greater than zero."));
    }
    if !b.order_items.is_empty()
        && b.order_items
            .iter()
            .map(|i| i.gross_total_amount)
            .sum::<i64>()
            != b.amount
    {
        return Ok(refuse(
            "amount",
            "The amount does not match the sum of the order items.",
        ));
    }
    let amount = b.amount;
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|k| {
            k.chars()
                .filter(char::is_ascii_alphanumeric)
                .take(64)
                .collect::<String>()
        })
        .filter(|k| !k.is_empty());
    let outcome = db::query(&state.pool, move |c| {
        db::write_tx(c, |c| {
            // Locks the charge's row (on PostgreSQL too): refunds of one charge take turns.
            diesel::update(
                sim_card_payments::table.filter(sim_card_payments::charge_id.eq(&charge_id)),
            )
            .set(sim_card_payments::status.eq(sim_card_payments::status))
            .execute(c)?;
            let charged = sim_card_payments::table
                .filter(sim_card_payments::charge_id.eq(&charge_id))
                .filter(sim_card_payments::status.eq("charged"))
                .select(sim_card_payments::amount)
                .first::<i64>(c)
                .optional()?;
            let Some(charged) = charged else {
                return Ok(None);
            };
            let id = match key {
                Some(k) => format!("idem{k}"),
                None => uuid::Uuid::new_v4().simple().to_string(),
            };
            if sim_card_refunds::table
                .find(&id)
                .filter(sim_card_refunds::charge_id.eq(&charge_id))
                .count()
                .get_result::<i64>(c)?
                > 0
            {
                return Ok(Some(Ok(id)));
            }
            let refunded: Vec<i64> = sim_card_refunds::table
                .filter(sim_card_refunds::charge_id.eq(&charge_id))
                .select(sim_card_refunds::amount)
                .load(c)?;
            let left = charged - refunded.iter().sum::<i64>();
            if amount > left {
                return Ok(Some(Err(left)));
            }
            diesel::insert_into(sim_card_refunds::table)
                .values((
                    sim_card_refunds::id.eq(&id),
                    sim_card_refunds::charge_id.eq(&charge_id),
                    sim_card_refunds::amount.eq(amount),
                    sim_card_refunds::created_at.eq(clock::now()),
                ))
                .execute(c)?;
            Ok(Some(Ok(id)))
        })
    })
    .await?;
    Ok(match outcome {
        None => HttpResponse::NotFound().json(json!({ "message": "Charge not found." })),
        Some(Err(left)) => refuse(
            "amount",
            &format!("The refund amount exceeds what is left of the charge ({left})."),
        ),
        Some(Ok(id)) => HttpResponse::Created().json(json!({ "refundId": id })),
    })
}

fn hosted_page(frame: &SimFrame, id: &str, amount: i64, error: Option<&str>) -> HttpResponse {
    super::sim::sim_page(
        frame,
        "Kortbetalning",
        html! {
            h1 { "Kortbetalning" }
            p { "Simulerad betalsida. Belopp: " (crate::domain::Money::from_ore(amount)) }
            @if let Some(e) = error { div.notice.error role="alert" { (e) } }
            form method="post" action={ "/sim/card/pay/" (id) } {
                label for="card" { "Kortnummer" }
                input #card name="card" type="text" inputmode="numeric" autocomplete="cc-number";
                button type="submit" name="action" value="pay" { "Betala" }
                button.secondary type="submit" name="action" value="cancel" formnovalidate { "Avbryt" }
            }
        },
    )
}

const ALREADY_ENDED: &str = "Betalningen är redan avslutad.";

pub async fn page(
    state: web::Data<AppState>,
    frame: web::Data<SimFrame>,
    id: web::Path<String>,
) -> Result<HttpResponse, SimError> {
    let Some((id, amount, status, _, _)) = load(&state, id.into_inner()).await? else {
        return Ok(HttpResponse::NotFound().finish());
    };
    if status != "created" {
        return Ok(hosted_page(&frame, &id, amount, Some(ALREADY_ENDED)));
    }
    Ok(hosted_page(&frame, &id, amount, None))
}

#[derive(Deserialize)]
pub struct PayForm {
    #[serde(default)]
    card: String,
    #[serde(default)]
    action: String,
}

pub async fn submit(
    state: web::Data<AppState>,
    frame: web::Data<SimFrame>,
    id: web::Path<String>,
    form: web::Form<PayForm>,
) -> Result<HttpResponse, SimError> {
    let Some((id, amount, status, return_url, cancel_url)) = load(&state, id.into_inner()).await?
    else {
        return Ok(HttpResponse::NotFound().finish());
    };
    if status != "created" {
        return Ok(hosted_page(&frame, &id, amount, Some(ALREADY_ENDED)));
    }
    // Checked when the payment was made; checked again before the browser is sent anywhere.
    let public_url = &state.settings.public_url;
    if !super::sim::on_portal(&return_url, public_url)
        || !super::sim::on_portal(&cancel_url, public_url)
    {
        return Ok(HttpResponse::BadRequest().finish());
    }
    let card: String = form
        .card
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let (new_status, to) = match (form.action.as_str(), card.as_str()) {
        ("cancel", _) => (
            "cancelled",
            format!(
                "{cancel_url}{}result=cancel",
                if cancel_url.contains('?') { '&' } else { '?' }
            ),
        ),
        (_, PAYS) => ("charged", return_url),
        (_, DECLINED) => (
            "declined",
            format!(
                "{cancel_url}{}result=declined",
                if cancel_url.contains('?') { '&' } else { '?' }
            ),
        ),
        _ => {
            return Ok(hosted_page(
                &frame,
                &id,
                amount,
                Some("Ogiltigt kortnummer. Kontrollera numret och försök igen."),
            ));
        }
    };
    let row_id = id.clone();
    let charge_id = (new_status == "charged").then(|| uuid::Uuid::new_v4().simple().to_string());
    db::query(&state.pool, move |c| {
        diesel::update(sim_card_payments::table.find(row_id))
            .filter(sim_card_payments::status.eq("created"))
            .set((
                sim_card_payments::status.eq(new_status),
                sim_card_payments::charge_id.eq(charge_id),
            ))
            .execute(c)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish())
}

/// Mounts the simulator; `frame` is what its page shares with the portal's.
pub fn routes(cfg: &mut web::ServiceConfig, frame: SimFrame) {
    cfg.app_data(web::Data::new(frame));
    cfg.route("/sim/card/v1/payments", web::post().to(create))
        .route("/sim/card/v1/payments/{id}", web::get().to(retrieve))
        .route(
            "/sim/card/v1/payments/{id}/terminate",
            web::put().to(terminate),
        )
        .route("/sim/card/v1/charges/{id}/refunds", web::post().to(refund))
        .route("/sim/card/pay/{id}", web::get().to(page))
        .route("/sim/card/pay/{id}", web::post().to(submit));
}
