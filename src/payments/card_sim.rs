//! The built-in card simulator: the Nexi Checkout API shapes (create, retrieve) and a hosted
//! payment page with "Kortnummer", "Betala" and "Avbryt". 4111 1111 1111 1111 pays,
//! 4000 0000 0000 0002 is declined, "Avbryt" cancels; then the browser goes back to
//! Parkportal. Mounted under `/sim/card/` while no real Nexi is configured.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use maud::{DOCTYPE, html};
use serde::Deserialize;
use serde_json::json;

use crate::clock;
use crate::db::{self, schema::sim_card_payments};
use crate::state::AppState;
use crate::web::assets;
use crate::web::error::AppError;

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

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<CreateBody>,
) -> Result<HttpResponse, AppError> {
    if req
        .headers()
        .get(header::AUTHORIZATION)
        .is_none_or(|v| v.is_empty())
    {
        return Ok(HttpResponse::Unauthorized().finish());
    }
    let b = body.into_inner();
    if b.order.amount <= 0
        || !b.checkout.return_url.starts_with("http")
        || !b.checkout.cancel_url.starts_with("http")
    {
        return Ok(HttpResponse::BadRequest().json(json!({"errors": {"order": ["invalid"]}})));
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let row_id = id.clone();
    db::run(&state.pool, move |c| {
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

async fn load(state: &AppState, id: String) -> Result<Option<SimRow>, AppError> {
    Ok(db::run(&state.pool, move |c| {
        Ok(sim_card_payments::table
            .find(id)
            .select((
                sim_card_payments::id,
                sim_card_payments::amount,
                sim_card_payments::status,
                sim_card_payments::return_url,
                sim_card_payments::cancel_url,
            ))
            .first::<SimRow>(c)
            .optional()?)
    })
    .await?)
}

pub async fn retrieve(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let Some((id, amount, status, _, _)) = load(&state, id.into_inner()).await? else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let charged = (status == "charged").then_some(amount);
    Ok(HttpResponse::Ok().json(json!({
        "payment": {
            "paymentId": id,
            "summary": { "chargedAmount": charged },
            "orderDetails": { "amount": amount, "currency": "SEK" },
        }
    })))
}

fn hosted_page(id: &str, amount: i64, error: Option<&str>) -> HttpResponse {
    let markup = html! {
        (DOCTYPE)
        html lang="sv" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Kortbetalning (simulator)" }
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(assets::url("app.css"));
            }
            body {
                main #main {
                    h1 { "Kortbetalning" }
                    p { "Simulerad betalsida. Belopp: " (crate::domain::Money::from_ore(amount)) }
                    @if let Some(e) = error { div.notice.error role="alert" { (e) } }
                    form method="post" action={ "/sim/card/pay/" (id) } {
                        label for="card" { "Kortnummer" }
                        input #card name="card" type="text" inputmode="numeric" autocomplete="cc-number";
                        button type="submit" name="action" value="pay" { "Betala" }
                        button.secondary type="submit" name="action" value="cancel" formnovalidate { "Avbryt" }
                    }
                }
            }
        }
    };
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}

pub async fn page(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let Some((id, amount, status, _, _)) = load(&state, id.into_inner()).await? else {
        return Ok(HttpResponse::NotFound().finish());
    };
    if status != "created" {
        return Ok(hosted_page(
            &id,
            amount,
            Some("Betalningen är redan avslutad."),
        ));
    }
    Ok(hosted_page(&id, amount, None))
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
    id: web::Path<String>,
    form: web::Form<PayForm>,
) -> Result<HttpResponse, AppError> {
    let Some((id, amount, status, return_url, cancel_url)) = load(&state, id.into_inner()).await?
    else {
        return Ok(HttpResponse::NotFound().finish());
    };
    if status != "created" {
        return Ok(hosted_page(
            &id,
            amount,
            Some("Betalningen är redan avslutad."),
        ));
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
                &id,
                amount,
                Some("Ogiltigt kortnummer. Kontrollera numret och försök igen."),
            ));
        }
    };
    let row_id = id.clone();
    db::run(&state.pool, move |c| {
        diesel::update(sim_card_payments::table.find(row_id))
            .filter(sim_card_payments::status.eq("created"))
            .set(sim_card_payments::status.eq(new_status))
            .execute(c)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish())
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/sim/card/v1/payments", web::post().to(create))
        .route("/sim/card/v1/payments/{id}", web::get().to(retrieve))
        .route("/sim/card/pay/{id}", web::get().to(page))
        .route("/sim/card/pay/{id}", web::post().to(submit));
}
