//! `/metrics` (#37, 10): off without `METRICS_TOKEN`, a bearer token with it, and then the
//! Prometheus text: requests by route and status, the latency histogram, and what waits in
//! the database.

use crate::kit::flows::{Customer, pay_swish};
use crate::kit::spawn::{spawn_app, spawn_app_without_smtp_with};

const TOKEN: &str = "metrics-token-of-at-least-32-characters";

/// The value of the sample line `name` (with its labels as written), if it is there.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

#[actix_web::test]
async fn metrics_are_off_without_a_token() {
    let app = spawn_app().await;
    assert_eq!(app.get("/metrics").await.status(), 404);
}

#[actix_web::test]
async fn metrics_need_the_token_and_count_requests_and_waiting_work() {
    let app = spawn_app_without_smtp_with(&[("METRICS_TOKEN", TOKEN)]).await;
    let scrape = |auth: Option<&'static str>| {
        let mut req = reqwest::Client::new().get(app.url("/metrics"));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        req.send()
    };
    let none = scrape(None).await.unwrap();
    assert_eq!(none.status(), 401);
    assert!(none.headers().contains_key("www-authenticate"));
    let wrong = scrape(Some("Bearer metrics-token-of-at-least-32-characterz"))
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    // A payment the payer never answers stays pending.
    let me = Customer::sign_up(&app.address, "matt@regionvastmanland.se").await;
    let permit = me
        .buy("Anställda månads/årskort", Some("1 månad"), None)
        .await;
    let resp = pay_swish(&me.client, &me.address, &me.csrf, &permit, "0700000004").await;
    assert_eq!(resp.status(), 303);
    assert_eq!(app.get("/no-such-page").await.status(), 404);

    let ok = scrape(Some("Bearer metrics-token-of-at-least-32-characters"))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(
        ok.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = ok.text().await.unwrap();
    assert_eq!(
        sample(&text, "parkportal_payments_pending"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(sample(&text, "parkportal_database_up"), Some(1.0));
    assert_eq!(sample(&text, "parkportal_offers_open"), Some(0.0));
    assert!(sample(&text, "parkportal_notifications{status=\"failed\"}").is_some());
    // By route pattern, not by path: the permit's id is no label.
    let permit_pays = text.lines().any(|l| {
        l.starts_with("http_requests_total{")
            && l.contains("route=\"/permits/{id}/pay\"")
            && l.contains("status=\"303\"")
            && l.contains("method=\"POST\"")
    });
    assert!(permit_pays, "{text}");
    assert!(text.contains("route=\"unmatched\""), "{text}");
    assert!(!text.contains(&format!("\"{permit}")), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("http_request_duration_seconds_bucket{")
                && l.contains("le=\"0.005\"")),
        "{text}"
    );
}
