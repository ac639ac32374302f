//! PostgreSQL away for a while (#38, 5): a failover or a restart, played by refusing and
//! cutting this database's connections. Meanwhile every request is answered within about two
//! seconds with 503, `Retry-After` and "Försök igen om en minut" (htmx swaps it in place of
//! the page's content); once the database is back, pages serve again by themselves, the Swish
//! payment that was pending is paid, and the booking refused meanwhile can be made.

use std::time::{Duration, Instant};

use diesel::{Connection, RunQueryDsl};

use crate::kit::spawn::{TestApp, spawn_app_with};

/// Refuses (`allow == false`: and cuts) or lets back the connections to `app`'s database.
pub fn connections(app: &TestApp, server: &str, allow: bool) {
    let name = url::Url::parse(&app.database_url).unwrap().path()[1..].to_string();
    let mut admin = diesel::PgConnection::establish(server).unwrap();
    diesel::sql_query(format!(
        "ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS {allow}"
    ))
    .execute(&mut admin)
    .unwrap();
    if !allow {
        diesel::sql_query(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .execute(&mut admin)
        .unwrap();
    }
}

/// Asserts the "try again in a minute" answer, in time.
async fn away(req: reqwest::RequestBuilder, htmx: bool) {
    let started = Instant::now();
    let resp = req.send().await.unwrap();
    let took = started.elapsed();
    assert_eq!(resp.status(), 503);
    assert!(
        took < Duration::from_millis(2500),
        "answered after {took:?}"
    );
    assert_eq!(resp.headers()["retry-after"], "60");
    if htmx {
        assert_eq!(resp.headers()["hx-retarget"], "#main");
    }
    let body = resp.text().await.unwrap();
    assert!(body.contains("Försök igen om en minut"), "{body}");
    assert_eq!(body.contains("<html"), !htmx, "{body}");
}

#[actix_web::test]
async fn while_the_database_is_away_pages_say_try_again_and_nothing_is_lost() {
    let Ok(server) = std::env::var("TEST_DATABASE_URL") else {
        return;
    };
    // The payer answers after 3 s: the payment is pending when the database goes.
    let app = spawn_app_with(&[("SWISH_SIM_DELAY_MS", "3000")]).await;
    let today = crate::kit::dates::today();
    let card = crate::daycards::paid_day_card(&app, "borta@regionvastmanland.se", today, 5).await;
    let permit = crate::permits::bought_permit_for_logged_in(&app).await;
    let csrf = app.csrf().await;
    assert_eq!(
        crate::payments::pay(&app, &permit, "0701234567")
            .await
            .status(),
        303
    );
    let tomorrow = (today + chrono::Duration::days(1)).to_string();
    let booking = || {
        app.client
            .post(app.url(&format!("{card}/sessions")))
            .form(&[
                ("csrf", csrf.as_str()),
                ("regnr", "XYZ789"),
                ("day", tomorrow.as_str()),
            ])
    };

    connections(&app, &server, false);
    away(app.client.get(app.url("/")), false).await;
    away(
        app.client
            .get(app.url(&format!("{card}/calendar")))
            .header("HX-Request", "true"),
        true,
    )
    .await;
    away(booking(), false).await;
    // Later requests too, not only the first ones on the broken connections.
    away(app.client.get(app.url(&permit)), false).await;
    assert_eq!(app.get("/health/ready").await.status(), 503);
    connections(&app, &server, true);

    let deadline = Instant::now() + Duration::from_secs(20);
    while app.get("/").await.status() != 200 {
        assert!(Instant::now() < deadline, "pages never came back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(crate::payments::settled(&app).await, "paid");
    let resp = booking().send().await.unwrap();
    let status = resp.status();
    let body = resp.text().await.unwrap();
    assert_eq!(
        status, 303,
        "the booking refused meanwhile is made now: {body}"
    );
}
