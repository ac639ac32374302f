//! Issue #34, items 14–17: what a session leaves behind and what keeps it alive, e-mail
//! transport, active PDFs, the card page in the policy.

use diesel::prelude::*;
use parkportal::db::schema::sessions;

use crate::kit::spawn::{spawn_app, spawn_app_with};

/// 14: "Logga ut" tells the browser to forget its cache and storage, and htmx keeps no pages
/// (plates, CSRF tokens) in `sessionStorage` to begin with.
#[actix_web::test]
async fn logging_out_clears_the_site_data_and_htmx_keeps_no_history() {
    let app = spawn_app().await;
    app.logged_in_user("glom@regionvastmanland.se").await;
    let csrf = app.csrf().await;
    let resp = app.post_form("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["clear-site-data"], "\"cache\", \"storage\"");
    let login = app.get_html("/login").await;
    let htmx = crate::kit::html::attr(&login, "script[src*='htmx']", "src").unwrap();
    let js = app
        .client
        .get(app.url(&htmx))
        .header("Accept-Encoding", "identity")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        js.contains("historyCacheSize:0"),
        "htmx configured without history cache"
    );
}

/// 15: the top bar's poll for unread replies does not count as activity: a tab left open does
/// not keep the session alive past its idle timeout, while a page the user opens does.
#[actix_web::test]
async fn the_unread_poll_does_not_keep_a_session_alive() {
    let app = spawn_app().await;
    app.logged_in_user("poll@regionvastmanland.se").await;
    let earlier = parkportal::clock::now() - chrono::Duration::minutes(30);
    let set_seen = |at: chrono::NaiveDateTime| {
        diesel::update(sessions::table)
            .set(sessions::last_seen_at.eq(at))
            .execute(&mut app.conn())
            .unwrap();
    };
    let seen = || -> chrono::NaiveDateTime {
        sessions::table
            .select(sessions::last_seen_at)
            .first(&mut app.conn())
            .unwrap()
    };
    set_seen(earlier);
    let resp = app
        .client
        .get(app.url("/messages/unread?seen=0"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    // Nothing new: 204 (the count stays as it is).
    assert_eq!(resp.status(), 204);
    assert_eq!(seen(), earlier, "the poll is not activity");
    assert_eq!(app.get("/").await.status(), 200);
    assert!(seen() > earlier, "a page is");
    // Idle past the timeout with only polls: logged out.
    set_seen(
        parkportal::clock::now()
            - parkportal::auth::session::IDLE_TIMEOUT
            - chrono::Duration::minutes(1),
    );
    app.client
        .get(app.url("/messages/unread?seen=0"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.get("/settings").await.status(),
        303,
        "the session ended"
    );
}

/// 17: a PDF that would run script, act on opening, launch a program or carry files is
/// refused with its own reason; the same form without it is taken.
#[actix_web::test]
async fn a_pdf_with_active_content_is_refused() {
    let app = spawn_app().await;
    app.logged_in_user("aktiv.pdf@example.com").await;
    let csrf = app.csrf().await;
    let permit = crate::hostile::apply_as_extern(&app, &csrf).await;
    let upload = |pdf: Vec<u8>, csrf: String| {
        let part = reqwest::multipart::Part::bytes(pdf)
            .file_name("blankett.pdf")
            .mime_str("application/pdf")
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf)
            .part("file", part);
        app.client
            .post(app.url(&format!("{permit}/attachment")))
            .multipart(form)
            .send()
    };
    for extra in [
        "/OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
        "/Names << /EmbeddedFiles 4 0 R >>",
        "/A << /S /Launch /F (cmd.exe) >>",
    ] {
        let resp = upload(parkportal::domain::pdf::minimal_with(extra), csrf.clone())
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{extra}");
        let page = resp.text().await.unwrap();
        assert!(
            page.contains("skript, automatiska åtgärder eller inbäddade filer"),
            "{extra}"
        );
    }
    let resp = upload(parkportal::domain::pdf::minimal(), csrf)
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
}

/// 17: the policy names Nexi's test card page only when that is the configured Nexi; without
/// Nexi (the simulator) neither Nexi host.
#[actix_web::test]
async fn the_policy_names_only_the_configured_card_page() {
    let csp = |resp: &reqwest::Response| {
        resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string()
    };
    let app = spawn_app().await;
    let policy = csp(&app.get("/login").await);
    assert!(!policy.contains("dibspayment"), "{policy}");
    assert!(policy.contains("form-action 'self' swish:"), "{policy}");
    let live = spawn_app_with(&[
        ("NEXI_API_URL", "https://api.dibspayment.eu/"),
        ("NEXI_SECRET_KEY", "k"),
        ("NEXI_WEBHOOK_AUTH", "w"),
    ])
    .await;
    let policy = csp(&live.get("/login").await);
    assert!(
        policy.contains("https://checkout.dibspayment.eu"),
        "{policy}"
    );
    assert!(!policy.contains("test.checkout"), "{policy}");
    let test = spawn_app_with(&[
        ("NEXI_API_URL", "https://test.api.dibspayment.eu/"),
        ("NEXI_SECRET_KEY", "k"),
        ("NEXI_WEBHOOK_AUTH", "w"),
    ])
    .await;
    let policy = csp(&test.get("/login").await);
    assert!(
        policy.contains("https://test.checkout.dibspayment.eu"),
        "{policy}"
    );
}
