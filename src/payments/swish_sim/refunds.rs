//! Refunds at the simulated Swish (v2 create, v1 retrieve): never more than was paid.

use super::*;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundBody {
    original_payment_reference: Option<String>,
    amount: Option<String>,
    currency: Option<String>,
}

fn ore_of(amount: &str) -> Option<i64> {
    let (kr, ore) = amount.split_once('.')?;
    Some(kr.parse::<i64>().ok()? * 100 + ore.parse::<i64>().ok()?)
}

/// A refund of (part of) a paid simulated payment: never more than what is left of it.
pub async fn create_refund(
    _caller: crate::payments::sim::SimCaller<SwishSim>,
    state: web::Data<AppState>,
    timing: web::Data<SimTiming>,
    id: web::Path<String>,
    body: web::Json<RefundBody>,
) -> Result<HttpResponse, crate::payments::sim::SimError> {
    use crate::db::schema::sim_swish_refunds;
    let id = id.into_inner();
    let b = body.into_inner();
    let Some(amount) = b
        .amount
        .filter(|a| valid_amount(a))
        .and_then(|a| ore_of(&a))
    else {
        return Ok(refuse(
            "PA02",
            "Amount value is missing or not a valid number",
        ));
    };
    if b.currency.as_deref() != Some("SEK") {
        return Ok(refuse("AM03", "Invalid or missing Currency"));
    }
    let original = b.original_payment_reference.unwrap_or_default();
    let t = *timing.get_ref();
    let outcome = db::query(&state.pool, move |c| {
        crate::db::write_tx(c, |c| {
            let paid = sim_swish_requests::table
                .filter(sim_swish_requests::payment_reference.eq(&original))
                .select(SimRow::as_select())
                .first(c)
                .optional()?
                .filter(|r| status_of(r, clock::now(), t).0 == SwishStatus::Paid);
            let Some(paid) = paid else {
                return Ok(Err(("RF02", "Original payment not found")));
            };
            // The same instruction id again is the same refund: Swish's RF01, never a second.
            if sim_swish_refunds::table
                .find(&id)
                .count()
                .get_result::<i64>(c)?
                > 0
            {
                return Ok(Ok(false));
            }
            let refunded: Vec<i64> = sim_swish_refunds::table
                .filter(sim_swish_refunds::original_payment_reference.eq(&original))
                .select(sim_swish_refunds::amount_ore)
                .load(c)?;
            let left = ore_of(&paid.amount).unwrap_or(0) - refunded.iter().sum::<i64>();
            if amount > left {
                return Ok(Err((
                    "AM06",
                    "Refund amount is more than what is left of the original payment",
                )));
            }
            diesel::insert_into(sim_swish_refunds::table)
                .values((
                    sim_swish_refunds::id.eq(&id),
                    sim_swish_refunds::original_payment_reference.eq(&original),
                    sim_swish_refunds::amount_ore.eq(amount),
                    sim_swish_refunds::created_at.eq(clock::now()),
                ))
                .execute(c)?;
            Ok(Ok(true))
        })
    })
    .await?;
    Ok(match outcome {
        Err((code, text)) => refuse(code, text),
        Ok(false) => HttpResponse::Conflict()
            .json(json!([{"errorCode": "RF01", "errorMessage": "Duplicate instruction UUID"}])),
        Ok(true) => HttpResponse::Created().finish(),
    })
}

pub async fn retrieve_refund(
    _caller: crate::payments::sim::SimCaller<SwishSim>,
    state: web::Data<AppState>,
    timing: web::Data<SimTiming>,
    id: web::Path<String>,
) -> Result<HttpResponse, crate::payments::sim::SimError> {
    use crate::db::schema::sim_swish_refunds;
    let id = id.into_inner();
    let row = db::query(&state.pool, move |c| {
        sim_swish_refunds::table
            .find(&id)
            .select((
                sim_swish_refunds::id,
                sim_swish_refunds::original_payment_reference,
                sim_swish_refunds::amount_ore,
                sim_swish_refunds::created_at,
            ))
            .first::<(String, String, i64, NaiveDateTime)>(c)
            .optional()
    })
    .await?;
    let Some((id, original, amount, created)) = row else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let done = clock::now()
        >= created + chrono::Duration::from_std(timing.answer_after).unwrap_or_default();
    Ok(HttpResponse::Ok().json(json!({
        "id": id, "originalPaymentReference": original,
        "status": if done { "PAID" } else { "CREATED" },
        "amount": amount as f64 / 100.0, "currency": "SEK", "errorCode": null,
    })))
}
