//! The stand-in for the Swish app on the payer's phone (m-commerce): the page "Öppna Swish"
//! opens with the request's token, with "Betala" and "Avbryt"; the answer is recorded while
//! the request is still CREATED and the payer is sent back to the portal only.

use super::*;

/// The payer's number the simulated app reports for a request paid on this phone.
const APP_PAYER: &str = "46701234567";

/// The stand-in for the Swish app: where "Öppna Swish" goes with the request's token.
#[derive(Deserialize)]
pub struct AppQuery {
    #[serde(default)]
    token: String,
    #[serde(default)]
    callbackurl: String,
    #[serde(default)]
    answer: String,
}

fn by_token(c: &mut db::DbConnection, token: &str) -> diesel::QueryResult<Option<SimRow>> {
    sim_swish_requests::table
        .filter(sim_swish_requests::token.eq(token))
        .select(SimRow::as_select())
        .first(c)
        .optional()
}

fn app_page(
    frame: &crate::payments::sim::SimFrame,
    q: &AppQuery,
    row: Option<&SimRow>,
    open: bool,
) -> HttpResponse {
    crate::payments::sim::sim_page(
        frame,
        "Swish",
        maud::html! {
            h1 { "Swish" }
            p { "Simulerad Swish-app på den här telefonen." }
            @match row {
                Some(r) if open => {
                    dl.card {
                        dt { "Till" } dd { (r.payee_alias) }
                        dt { "Belopp" } dd { (r.amount.replace('.', ",")) " kr" }
                        @if let Some(m) = &r.message { dt { "Meddelande" } dd { (m) } }
                    }
                    form method="post" action="/sim/swish/app" {
                        input type="hidden" name="token" value=(q.token);
                        input type="hidden" name="callbackurl" value=(q.callbackurl);
                        button type="submit" name="answer" value="PAID" { "Betala" }
                        button.secondary type="submit" name="answer" value="DECLINED" { "Avbryt" }
                    }
                }
                Some(_) => { div.notice.error role="alert" { "Betalningen är redan avslutad." } }
                None => { div.notice.error role="alert" { "Ingen betalning hittades." } }
            }
        },
    )
}

pub async fn app(
    state: web::Data<AppState>,
    frame: web::Data<crate::payments::sim::SimFrame>,
    timing: web::Data<SimTiming>,
    query: web::Query<AppQuery>,
) -> Result<HttpResponse, crate::payments::sim::SimError> {
    let q = query.into_inner();
    let token = q.token.clone();
    let row = db::query(&state.pool, move |c| by_token(c, &token)).await?;
    let open = row
        .as_ref()
        .is_some_and(|r| status_of(r, clock::now(), *timing.get_ref()).0 == SwishStatus::Created);
    Ok(app_page(&frame, &q, row.as_ref(), open))
}

/// The payer's answer in the app: recorded while the request is still CREATED, then Swish
/// calls back and the app sends the browser back to the portal (only there).
pub async fn app_answer(
    state: web::Data<AppState>,
    frame: web::Data<crate::payments::sim::SimFrame>,
    timing: web::Data<SimTiming>,
    form: web::Form<AppQuery>,
) -> Result<HttpResponse, crate::payments::sim::SimError> {
    let q = form.into_inner();
    if !crate::payments::sim::on_portal(&q.callbackurl, &state.settings.public_url) {
        return Ok(HttpResponse::BadRequest().finish());
    }
    let t = *timing.get_ref();
    let answer = if q.answer == "PAID" {
        "PAID"
    } else {
        "DECLINED"
    };
    let token = q.token.clone();
    let answered = db::query(&state.pool, move |c| {
        crate::db::write_tx(c, |c| {
            let Some(row) = by_token(c, &token)? else {
                return Ok(None);
            };
            let now = clock::now();
            if status_of(&row, now, t).0 != SwishStatus::Created {
                return Ok(Some((row, false)));
            }
            diesel::update(sim_swish_requests::table.find(&row.id))
                .set((
                    sim_swish_requests::answer.eq(answer),
                    sim_swish_requests::answered_at.eq(now),
                    sim_swish_requests::payer_alias.eq(APP_PAYER),
                ))
                .execute(c)?;
            Ok(find(c, &row.id)?.map(|r| (r, true)))
        })
    })
    .await?;
    match answered {
        Some((row, true)) => {
            call_back(row, Duration::ZERO, t);
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, q.callbackurl))
                .finish())
        }
        Some((row, false)) => Ok(app_page(&frame, &q, Some(&row), false)),
        None => Ok(app_page(&frame, &q, None, false)),
    }
}
