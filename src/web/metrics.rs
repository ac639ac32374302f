//! `GET /metrics` in Prometheus' text format, for the monitoring of the operators: requests by
//! route and status and their latency (counted by `middleware::log_request`), and what is
//! waiting in the shared database (payments pending, notifications waiting or failed, offers
//! open), read at each scrape. Only with `Authorization: Bearer METRICS_TOKEN`; without the
//! setting there is no such page (404), since the figures tell how busy the region is.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::state::AppState;

pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let Some(token) = &state.settings.metrics_token else {
        return crate::web::pages::public::not_found_response();
    };
    if crate::web::api::authorised(&req, std::slice::from_ref(token)).is_none() {
        return HttpResponse::Unauthorized()
            .insert_header(("WWW-Authenticate", "Bearer realm=\"parkportal\""))
            .content_type("text/plain; charset=utf-8")
            .body("a bearer token is needed");
    }
    let now = crate::clock::now();
    let read = crate::db::query(&state.pool, move |c| crate::db::gauges::read(c, now));
    let up = match tokio::time::timeout(std::time::Duration::from_secs(2), read).await {
        Ok(Ok(g)) => {
            metrics::gauge!("parkportal_payments_pending").set(g.payments_pending as f64);
            metrics::gauge!("parkportal_notifications", "status" => "waiting")
                .set(g.notifications_waiting as f64);
            metrics::gauge!("parkportal_notifications", "status" => "failed")
                .set(g.notifications_failed as f64);
            metrics::gauge!("parkportal_offers_open").set(g.offers_open as f64);
            1.0
        }
        _ => 0.0,
    };
    metrics::counter!("parkportal_db_statements_total").absolute(state.pool.statements());
    // 0 when the figures above could not be read now (they keep the last ones read).
    metrics::gauge!("parkportal_database_up").set(up);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(crate::telemetry::metrics().render())
}
