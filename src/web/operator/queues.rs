//! Köer: each car park and type with a capacity — places sold, held and free, and its queue
//! (who, since when, the offers made and how they ended); moving or removing someone, with a
//! reason the customer is told (`services::queue::office_change`, audited).

use super::*;
use crate::db::queue::Spot;
use crate::domain::queue::EntryStatus;
use crate::i18n::queue::QueueTexts;
use crate::services::queue as service;
use crate::web::forms::CsrfForm;

/// The counters of every car park and type with a capacity (Köer and Översikt).
pub(super) async fn overview_table(op: &OperatorCtx, state: &AppState) -> Result<Markup, AppError> {
    let lang = op.ctx.lang;
    let q = lang.queue();
    let today = today(chrono::Utc::now());
    let rows = db::query(&state.pool, move |c| {
        let mut out = Vec::new();
        for counted in service::overview(c, clock::now(), today)? {
            let names = service::names(c, counted.spot, lang)?;
            out.push((counted, names));
        }
        Ok(out)
    })
    .await?;
    Ok(html! {
        @if rows.is_empty() {
            p { (q.op_no_capacity) }
        } @else {
            table.list #capacity-counts {
                thead { tr {
                    th scope="col" { (op.ctx.t().car_park_label) }
                    th scope="col" { (op.ctx.t().type_label) }
                    th scope="col" { (q.op_capacity) }
                    th scope="col" { (q.op_sold) }
                    th scope="col" { (q.op_held) }
                    th scope="col" { (q.op_free) }
                    th scope="col" { (q.op_waiting) }
                } }
                tbody {
                    @for (counted, (type_name, park)) in &rows {
                        @let (sold, held, free) = counted.counts();
                        @let spot = counted.spot;
                        tr {
                            td data-label=(op.ctx.t().car_park_label) {
                                a href={ "/operator/queues/" (spot.car_park_id) "/" (spot.permit_type_id) } { (park) }
                            }
                            td data-label=(op.ctx.t().type_label) { (type_name) }
                            td data-label=(q.op_capacity) { (counted.places.map_or(q.op_no_limit.to_string(), |n| n.to_string())) }
                            td data-label=(q.op_sold) { (sold) }
                            td data-label=(q.op_held) { (held) }
                            td data-label=(q.op_free) { (free.map_or(q.op_no_limit.to_string(), |n| n.to_string())) }
                            td data-label=(q.op_waiting) { (counted.tally.waiting) }
                        }
                    }
                }
            }
        }
    })
}

pub async fn queues_page(op: OperatorCtx, state: Data) -> Reply {
    let q = op.ctx.lang.queue();
    let table = overview_table(&op, &state).await?;
    let body = html! {
        p { (q.op_queues_intro) }
        (table)
    };
    Ok(page(&op, q.op_queues, body))
}

#[derive(Deserialize)]
pub struct LinePath {
    park: crate::domain::CarParkId,
    #[serde(rename = "type")]
    type_id: crate::domain::PermitTypeId,
}

/// A refused change of one entry: its id, the errors and what was typed.
#[derive(Default)]
struct Refused {
    entry: crate::domain::EntryId,
    place_error: Option<&'static str>,
    reason_error: Option<&'static str>,
    place: String,
    reason: String,
}

pub async fn line_page(
    op: OperatorCtx,
    state: Data,
    path: web::Path<LinePath>,
    f: web::Query<Flash>,
) -> Reply {
    let spot = Spot {
        car_park_id: path.park,
        permit_type_id: path.type_id,
    };
    let notice = match f.m.as_deref() {
        Some("changed") => notice(op.ctx.lang.queue().op_changed),
        _ => html! {},
    };
    line_view(
        &op,
        &state,
        spot,
        notice,
        &Refused::default(),
        StatusCode::OK,
    )
    .await
}

async fn line_view(
    op: &OperatorCtx,
    state: &AppState,
    spot: Spot,
    top: Markup,
    r: &Refused,
    status: StatusCode,
) -> Reply {
    let (t, lang) = (op.ctx.t(), op.ctx.lang);
    let q = lang.queue();
    let today = today(chrono::Utc::now());
    let now = clock::now();
    let (line, (type_name, park)) = db::query(&state.pool, move |c| {
        Ok((
            service::line(c, spot, now, today)?,
            service::names(c, spot, lang)?,
        ))
    })
    .await?;
    if park.is_empty() || type_name.is_empty() {
        return Err(AppError::NotFound);
    }
    let (sold, held, free) = line.counted.counts();
    let title = format!("{} – {park}, {type_name}", q.op_queues);
    let summary = [
        ("move-place", r.place_error),
        ("move-reason", r.reason_error),
    ];
    let body = html! {
        (top)
        (error_summary(t, &summary))
        dl.card.counters {
            dt { (q.op_capacity) } dd { (line.counted.places.map_or(q.op_no_limit.to_string(), |n| n.to_string())) }
            dt { (q.op_sold) } dd { strong #sold { (sold) } }
            dt { (q.op_held) } dd { strong #held { (held) } }
            dt { (q.op_free) } dd { strong #free { (free.map_or(q.op_no_limit.to_string(), |n| n.to_string())) } }
            dt { (q.op_waiting) } dd { strong #waiting { (line.counted.tally.waiting) } }
        }
        @if line.entries.is_empty() {
            p { (q.op_empty_line) }
        } @else {
            ol.queue-line {
                @for (i, (e, name, email)) in line.entries.iter().enumerate() {
                    @let offer = line.offers.iter().map(|(o, _)| o).find(|o| o.entry_id == e.id && o.is_live(now));
                    li.card #{ "entry-" (e.id) } {
                        p {
                            strong { (q.op_col_place) " " (i + 1) ": " }
                            a href={ "/operator/customers/" (e.user_id) } { (name) } " (" (email) ")"
                        }
                        p { (q.op_col_since) " " (clock::local_display(e.joined_at)) }
                        @if let Some(o) = offer {
                            p { strong { (q.op_offered_until) " " (clock::local_display(o.expires_at)) } " (" ((q.op_outcome)(o.status)) ")" }
                        }
                        (entry_form(op, q, e.id, e.status, r))
                    }
                }
            }
        }
        @if !line.offers.is_empty() {
            h2 { (q.op_offer_history) }
            table.list {
                thead { tr {
                    th scope="col" { (q.op_col_customer) }
                    th scope="col" { (q.op_col_offers) }
                    th scope="col" { (q.op_offered_until) }
                    th scope="col" { "Status" }
                } }
                tbody {
                    @for (o, name) in &line.offers {
                        tr {
                            td data-label=(q.op_col_customer) { a href={ "/operator/customers/" (o.user_id) } { (name) } }
                            td data-label=(q.op_col_offers) { (clock::local_display(o.made_at)) }
                            td data-label=(q.op_offered_until) { (clock::local_display(o.expires_at)) }
                            td data-label="Status" { ((q.op_outcome)(o.status)) }
                        }
                    }
                }
            }
        }
        p { a href="/operator/queues" { (q.op_queues) } }
    };
    Ok(respond(
        status,
        operator_page(&op.ctx, &op.me.csrf_token, &title, body),
    ))
}

/// Move (to a place) or remove, both with a reason.
fn entry_form(
    op: &OperatorCtx,
    q: &QueueTexts,
    entry: crate::domain::EntryId,
    status: EntryStatus,
    r: &Refused,
) -> Markup {
    let mine = r.entry == entry;
    let (place_id, reason_id) = if mine {
        ("move-place".to_string(), "move-reason".to_string())
    } else {
        (format!("place-{entry}"), format!("reason-{entry}"))
    };
    let place_error = if mine { r.place_error } else { None };
    let reason_error = if mine { r.reason_error } else { None };
    html! {
        form method="post" action={ "/operator/queues/entries/" (entry) } novalidate {
            (csrf(&op.me.csrf_token))
            @if status == EntryStatus::Waiting {
                (input(Field::new(&place_id, q.op_move_to, "number").value(if mine { &r.place } else { "" }).error(place_error).min(1).optional()))
            }
            (input(Field::new(&reason_id, q.op_reason, "text").value(if mine { &r.reason } else { "" }).error(reason_error)))
            div.card-actions {
                @if status == EntryStatus::Waiting {
                    button.secondary type="submit" name="action" value="move" { (q.op_move) }
                }
                button.danger-outline type="submit" name="action" value="remove" { (q.op_remove) }
            }
        }
    }
}

/// The form's fields are named per entry (`place-7`, `reason-7`) so each has its own label;
/// read from the raw pairs (the CSRF token checked by the extractor).
pub async fn change_line(
    op: OperatorCtx,
    state: Data,
    id: web::Path<crate::domain::EntryId>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Reply {
    let get = |k: &str| crate::web::forms::field(&form, k);
    let id = id.into_inner();
    let q = op.ctx.lang.queue();
    let entry = db::query(&state.pool, move |c| crate::db::queue::entry(c, id))
        .await?
        .ok_or(AppError::NotFound)?;
    let pick = |a: &str, b: &str| {
        let v = get(a);
        if v.is_empty() { get(b) } else { v }
    };
    let typed_place = pick(&format!("place-{id}"), "move-place");
    let typed_reason = pick(&format!("reason-{id}"), "move-reason");
    let moving = get("action") == "move";
    let reason = crate::domain::text::Text::parse(&typed_reason, 200);
    let place = if moving {
        typed_place.trim().parse::<i64>().ok().filter(|n| *n >= 1)
    } else {
        None
    };
    if reason.is_err() || (moving && place.is_none()) {
        let r = Refused {
            entry: id,
            place_error: (moving && place.is_none()).then_some(q.op_err_place),
            reason_error: reason.is_err().then_some(q.op_err_reason),
            place: typed_place.chars().take(10).collect(),
            reason: typed_reason.chars().take(200).collect(),
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return line_view(&op, &state, entry.spot(), html! {}, &r, status).await;
    }
    let reason = reason.map(|r| r.as_str().to_string()).unwrap_or_default();
    let (opid, cfg) = (op.me.user.id, state.queue_config.clone());
    let changed = db::run(&state.pool, move |c| {
        Ok::<_, AppError>(service::office_change(
            c,
            &cfg,
            opid,
            id,
            place,
            &reason,
            clock::now(),
        ))
    })
    .await?;
    match changed {
        Ok(spot) => {
            state.wake_mailbox();
            state.queue_now();
            Ok(see_other(&format!(
                "/operator/queues/{}/{}?m=changed",
                spot.car_park_id, spot.permit_type_id
            )))
        }
        Err(service::QueueError::Db(e)) => Err(AppError::Db(e)),
        Err(_) => Err(AppError::NotFound),
    }
}
