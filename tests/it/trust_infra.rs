//! Issue #13, items 1, 8 and 12: demo mode (the local mailbox and the simulators only where
//! demo mode is allowed, with a banner), simulators that answer only the portal itself, and
//! check API keys of at least 32 characters with a rate limit.

use diesel::prelude::*;
use parkportal::Application;
use parkportal::db::schema::{sim_card_payments, sim_swish_requests};
use parkportal::payments::SIM_KEY_HEADER;
use parkportal::payments::swish::new_instruction_id;

use crate::kit::{
    db::TestDb,
    spawn::{
        TestApp, spawn_app, spawn_app_with, spawn_app_without_smtp, spawn_app_without_smtp_with,
        test_settings,
    },
};
use crate::permits::bought_permit;

/// Settings of a real install: SMTP and Nexi configured (nothing listens on port 9: no
/// request here reaches it).
const REAL_SMTP_AND_NEXI: [(&str, &str); 4] = [
    ("SMTP_URL", "smtp://127.0.0.1:9"),
    ("NEXI_API_URL", "http://127.0.0.1:9/"),
    ("NEXI_SECRET_KEY", "nexi-secret"),
    ("NEXI_WEBHOOK_AUTH", "nexi-webhook-secret"),
];

async fn build_error(vars: &[(&str, &str)]) -> String {
    let (_db, database_url) = TestDb::create();
    match Application::build(test_settings(&database_url, vars)).await {
        Ok(_) => panic!("the start was not refused: {vars:?}"),
        Err(e) => format!("{e:#}"),
    }
}

#[actix_web::test]
async fn outside_demo_mode_a_start_without_smtp_or_a_payment_provider_is_refused() {
    // Every interface, no DEMO_MODE: no demo mode, and no SMTP_URL.
    let line = build_error(&[("BIND_ADDR", "0.0.0.0:0")]).await;
    assert!(line.contains("SMTP_URL"), "{line}");
    assert!(
        line.contains("DEMO_MODE"),
        "says how to try it anyway: {line}"
    );
    assert!(!line.contains('\n'), "one line: {line}");
    // SMTP but neither Swish nor Nexi.
    let line = build_error(&[
        ("BIND_ADDR", "0.0.0.0:0"),
        ("SMTP_URL", "smtp://127.0.0.1:9"),
    ])
    .await;
    assert!(
        line.contains("SWISH_API_URL") && line.contains("NEXI_API_URL"),
        "{line}"
    );
    assert!(!line.contains('\n'), "one line: {line}");
    // DEMO_MODE=off on loopback: the same.
    let line = build_error(&[("DEMO_MODE", "off")]).await;
    assert!(line.contains("SMTP_URL"), "{line}");
    // A bad DEMO_MODE: refused naming it, never a panic.
    let (_db, database_url) = TestDb::create();
    let err = parkportal::Settings::from_lookup(|k| match k {
        "DEMO_MODE" => Some("maybe".into()),
        "DATABASE_URL" => Some(database_url.clone()),
        _ => None,
    })
    .unwrap_err();
    assert_eq!(err.var, "DEMO_MODE", "{err}");
}

/// What no install outside demo mode has: the mailbox page, the simulators, the banner.
async fn assert_no_demo(app: &TestApp) {
    assert!(!app.state.services.demo());
    assert_eq!(app.get("/dev/mailbox").await.status(), 404);
    for path in [
        "/sim/card/pay/abc",
        "/sim/card/v1/payments/abc",
        "/sim/swish/api/v1/paymentrequests/0123456789ABCDEF0123456789ABCDEF",
        "/sim/swish/api/v1/refunds/0123456789ABCDEF0123456789ABCDEF",
    ] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
    let put = app
        .client
        .put(app.url(&format!(
            "/sim/swish/api/v2/paymentrequests/{}",
            new_instruction_id()
        )))
        .json(&serde_json::json!({"callbackUrl": "http://127.0.0.1:9/"}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 404);
    let login = app.get_html("/login").await;
    assert!(!login.contains("Demoläge"), "no banner outside demo mode");
}

#[actix_web::test]
async fn on_a_public_address_with_smtp_and_nexi_there_is_no_mailbox_and_no_simulator() {
    let mut vars = REAL_SMTP_AND_NEXI.to_vec();
    vars.push(("BIND_ADDR", "0.0.0.0:0"));
    let app = spawn_app_without_smtp_with(&vars).await;
    assert_no_demo(&app).await;
}

/// The usual deployment behind nginx: loopback `BIND_ADDR`, an https `PUBLIC_URL` and the
/// proxy in `TRUSTED_PROXIES`. `DEMO_MODE=auto` must not turn demo mode on there (issue #34, 1):
/// each of the two settings alone is enough to keep it off, and without SMTP the start stops.
#[actix_web::test]
async fn behind_a_reverse_proxy_on_loopback_there_is_no_demo_mode() {
    for proxy in [
        &[
            ("PUBLIC_URL", "https://parkering.example.se"),
            ("TRUSTED_PROXIES", "127.0.0.1"),
        ][..],
        &[("PUBLIC_URL", "https://parkering.example.se")][..],
        &[("TRUSTED_PROXIES", "127.0.0.1")][..],
    ] {
        let mut vars = REAL_SMTP_AND_NEXI.to_vec();
        vars.extend_from_slice(proxy);
        let app = spawn_app_without_smtp_with(&vars).await;
        assert_no_demo(&app).await;
        let line = build_error(proxy).await;
        assert!(line.contains("SMTP_URL"), "{proxy:?}: {line}");
    }
}

#[actix_web::test]
async fn demo_mode_off_on_loopback_has_no_mailbox_and_no_simulator() {
    let mut vars = REAL_SMTP_AND_NEXI.to_vec();
    vars.push(("DEMO_MODE", "off"));
    let app = spawn_app_without_smtp_with(&vars).await;
    assert_no_demo(&app).await;
}

#[actix_web::test]
async fn demo_mode_shows_a_banner_naming_what_is_simulated() {
    // The test default: 127.0.0.1, SMTP configured; SMS, Swish and card simulated.
    let app = spawn_app().await;
    let login = app.get_html("/login").await;
    let text = banner(&login);
    assert!(text.starts_with("Demoläge"), "{text}");
    for words in ["SMS", "Swish", "kortbetalning"] {
        assert!(text.contains(words), "{words} in {text}");
    }
    assert!(!text.contains("e-post"), "e-mail is real: {text}");
    assert_eq!(app.get("/dev/mailbox").await.status(), 200);
    app.logged_in_user("banner@regionvastmanland.se").await;
    assert!(app.get_html("/settings").await.contains("Demoläge"));
    // Without SMTP the e-mail is simulated too, and named.
    let app = spawn_app_without_smtp().await;
    let text = banner(&app.get_html("/login").await);
    assert!(
        text.starts_with("Demoläge") && text.contains("e-post"),
        "{text}"
    );
    // DEMO_MODE=on allows demo mode on every interface.
    let app = spawn_app_without_smtp_with(&[("BIND_ADDR", "0.0.0.0:0"), ("DEMO_MODE", "on")]).await;
    assert!(banner(&app.get_html("/login").await).contains("e-post"));
    assert_eq!(app.get("/dev/mailbox").await.status(), 200);
}

/// The text of the demo banner of a page (tags removed).
fn banner(html: &str) -> String {
    let start = html
        .find(r#"<section class="demo""#)
        .unwrap_or_else(|| panic!("no demo banner in {html}"));
    let end = start + html[start..].find("</section>").unwrap();
    let inner = &html[start + html[start..].find('>').unwrap() + 1..end];
    let mut text = String::new();
    let mut in_tag = false;
    for c in inner.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.trim().to_string()
}

#[actix_web::test]
async fn without_an_sms_gateway_outside_demo_mode_sms_is_not_offered_nor_accepted() {
    // spawn_app_with sets SMTP_URL (its own SMTP server).
    let app = spawn_app_with(&[
        ("DEMO_MODE", "off"),
        ("NEXI_API_URL", "http://127.0.0.1:9/"),
        ("NEXI_SECRET_KEY", "nexi-secret"),
        ("NEXI_WEBHOOK_AUTH", "nexi-webhook-secret"),
    ])
    .await;
    let permit = bought_permit(&app, "ingen.sms@regionvastmanland.se").await;
    let settings = app.get_html("/settings").await;
    assert!(settings.contains(">E-post</label>"), "e-mail still offered");
    assert!(
        !settings.contains(r#"name="notify_sms""#),
        "no SMS choice without a gateway"
    );
    let csrf = app.csrf().await;
    let resp = app
        .post_form(
            "/settings",
            &[
                ("csrf", &csrf),
                ("name", "Anna Andersson"),
                ("mobile", "070-123 45 67"),
                ("notify_email", "yes"),
                ("notify_sms", "yes"),
                ("language", "sv"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422, "SMS refused by the handler");
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("SMS kan inte väljas: ingen SMS-tjänst är inställd.")
    );
    let sms: bool = parkportal::db::schema::users::table
        .filter(parkportal::db::schema::users::email.eq("ingen.sms@regionvastmanland.se"))
        .select(parkportal::db::schema::users::notify_sms)
        .first(&mut app.conn())
        .unwrap();
    assert!(!sms, "nothing saved");
    // Only Nexi configured: only "Kort" is offered, and Swish is refused.
    let page = app.get_html(&permit).await;
    assert!(page.contains(">Kort</label>"));
    assert!(!page.contains(">Swish</label>") && !page.contains(">Swishnummer</label>"));
    let resp = crate::payments::pay(&app, &permit, "0701234567").await;
    assert_eq!(resp.status(), 422);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Det betalsättet erbjuds inte.")
    );
    let attempts: i64 = parkportal::db::schema::payments::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(attempts, 0);
}

// ---- item 8: the simulators answer only the portal itself ----

#[actix_web::test]
async fn the_swish_simulator_answers_only_the_portal_and_calls_back_only_to_it() {
    let app = spawn_app_with(&[]).await;
    let id = new_instruction_id();
    let body = |callback: &str| {
        serde_json::json!({
            "payeePaymentReference": "P1", "callbackUrl": callback, "payerAlias": "46701234567",
            "payeeAlias": "1231181189", "amount": "40.00", "currency": "SEK", "message": "x"
        })
    };
    let put = |key: Option<&str>, callback: &str| {
        let mut req = reqwest::Client::new()
            .put(app.url(&format!("/sim/swish/api/v2/paymentrequests/{id}")))
            .json(&body(callback));
        if let Some(k) = key {
            req = req.header(SIM_KEY_HEADER, k);
        }
        req.send()
    };
    let own = app.url("/callbacks/swish");
    // Anonymous, or with a wrong key: 401, nothing created.
    assert_eq!(put(None, &own).await.unwrap().status(), 401);
    assert_eq!(put(Some("guess"), &own).await.unwrap().status(), 401);
    // The portal's key, but a callback elsewhere (SSRF): refused.
    for elsewhere in [
        "http://127.0.0.1:9/cb".to_string(),
        "http://169.254.169.254/callbacks/swish".to_string(),
        app.url("/callbacks/swish?x=1"),
        app.url("/logout"),
        format!(
            "http://evil@127.0.0.1:{}/callbacks/swish",
            app.state.settings.public_url.port().unwrap()
        ),
    ] {
        let resp = put(Some(app.sim_key()), &elsewhere).await.unwrap();
        assert_eq!(resp.status(), 422, "{elsewhere}");
        let errors: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(errors[0]["errorCode"], "RP03");
    }
    let stored: i64 = sim_swish_requests::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(stored, 0, "nothing created, nothing will be called");
    // The portal's own client with its own callback: created.
    assert_eq!(put(Some(app.sim_key()), &own).await.unwrap().status(), 201);
    // Reading a request or a refund, and refunding, is only for the portal.
    let anonymous = reqwest::Client::new();
    let get = anonymous
        .get(app.url(&format!("/sim/swish/api/v1/paymentrequests/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 401);
    let refund = anonymous
        .put(app.url(&format!("/sim/swish/api/v2/refunds/{}", new_instruction_id())))
        .json(&serde_json::json!({"originalPaymentReference": "X", "amount": "1.00", "currency": "SEK"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refund.status(), 401);
    let get = anonymous
        .get(app.url(&format!(
            "/sim/swish/api/v1/refunds/{}",
            new_instruction_id()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 401);
    let own_get = anonymous
        .get(app.url(&format!("/sim/swish/api/v1/paymentrequests/{id}")))
        .header(SIM_KEY_HEADER, app.sim_key())
        .send()
        .await
        .unwrap();
    assert_eq!(own_get.status(), 200);
}

#[actix_web::test]
async fn the_card_simulator_answers_only_the_portal_and_returns_only_to_it() {
    let app = spawn_app_with(&[]).await;
    let create = |key: Option<&str>, return_url: &str| {
        let mut req = reqwest::Client::new()
            .post(app.url("/sim/card/v1/payments"))
            .json(&serde_json::json!({
                "order": {"amount": 4000, "reference": "P1"},
                "checkout": {"returnUrl": return_url, "cancelUrl": return_url}
            }));
        if let Some(k) = key {
            req = req.header("Authorization", k);
        }
        req.send()
    };
    let own = app.url("/permits/1/card-return");
    assert_eq!(create(None, &own).await.unwrap().status(), 401);
    assert_eq!(
        create(Some("simulator-secret-key"), &own)
            .await
            .unwrap()
            .status(),
        401,
        "the old fixed key is no key"
    );
    for elsewhere in [
        "https://evil.example/phish".to_string(),
        "http://127.0.0.1:9/permits/1/card-return".to_string(),
        "//evil.example/x".to_string(),
        "javascript:alert(1)".to_string(),
    ] {
        let resp = create(Some(app.sim_key()), &elsewhere).await.unwrap();
        assert_eq!(resp.status(), 400, "{elsewhere}");
    }
    let stored: i64 = sim_card_payments::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(stored, 0);
    // The portal's own client: a payment whose hosted page the browser opens without a key.
    let resp = create(Some(app.sim_key()), &own).await.unwrap();
    assert_eq!(resp.status(), 201);
    let created: serde_json::Value = resp.json().await.unwrap();
    let id = created["paymentId"].as_str().unwrap().to_string();
    let hosted = created["hostedPaymentPageUrl"].as_str().unwrap();
    assert!(hosted.starts_with(&app.address));
    let page = reqwest::get(hosted).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains(">Kortnummer</label>"));
    // Reading it back and refunding: only the portal.
    let anonymous = reqwest::Client::new();
    let get = anonymous
        .get(app.url(&format!("/sim/card/v1/payments/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 401);
    let refund = anonymous
        .post(app.url("/sim/card/v1/charges/abc/refunds"))
        .header("Authorization", "anything")
        .json(&serde_json::json!({"amount": 100}))
        .send()
        .await
        .unwrap();
    assert_eq!(refund.status(), 401);
    // The browser is sent back only to the portal.
    let back = app
        .client
        .post(hosted)
        .form(&[("card", "4111 1111 1111 1111"), ("action", "pay")])
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 303);
    assert_eq!(back.headers()["location"].to_str().unwrap(), own);
}

// ---- item 12: the check API ----

#[actix_web::test]
async fn a_check_api_key_shorter_than_32_characters_stops_the_start() {
    let (_db, database_url) = TestDb::create();
    let long = "k".repeat(32);
    for keys in ["kort".to_string(), format!("{long},{}", "x".repeat(31))] {
        let err = parkportal::Settings::from_lookup(|k| match k {
            "CHECK_API_KEYS" => Some(keys.clone()),
            "DATABASE_URL" => Some(database_url.clone()),
            _ => None,
        })
        .unwrap_err();
        assert_eq!(err.var, "CHECK_API_KEYS");
        let line = err.to_string();
        assert!(
            line.contains("CHECK_API_KEYS") && line.contains("32"),
            "{line}"
        );
        assert!(
            !line.contains('\n') && !line.contains('x'),
            "the key is not shown: {line}"
        );
    }
    let ok = parkportal::Settings::from_lookup(|k| match k {
        "CHECK_API_KEYS" => Some(long.clone()),
        "DATABASE_URL" => Some(database_url.clone()),
        _ => None,
    });
    assert!(ok.is_ok());
}

const KEY_A: &str = "kontroll-nyckel-a-0123456789abcdef";
const KEY_B: &str = "kontroll-nyckel-b-0123456789abcdef";

async fn check_with(address: &str, key: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{address}/api/v1/check?regnr=ABC123"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

async fn assert_429(resp: reqwest::Response) {
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // A sliding one-minute window: the hits weigh into the next minute, so at most two.
    assert!((1..=120).contains(&retry), "Retry-After {retry}");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(body["error"].as_str().is_some(), "{body}");
}

#[actix_web::test]
async fn the_check_api_is_rate_limited_per_key_and_per_client_across_instances() {
    let keys = format!("{KEY_A},{KEY_B}");
    let limit = [
        ("CHECK_API_KEYS", keys.as_str()),
        ("CHECK_API_RATE_PER_MINUTE", "4"),
    ];
    let app = spawn_app_with(&limit).await;
    // A second instance on the same database.
    let smtp_url = app.smtp().url();
    let mut vars = limit.to_vec();
    vars.push(("SMTP_URL", &smtp_url));
    let other = Application::build(test_settings(&app.database_url, &vars))
        .await
        .unwrap();
    let other_address = format!("http://127.0.0.1:{}", other.port());
    actix_web::rt::spawn(other.run_until_stopped());
    // Four requests with key A, two on each instance, in parallel: all answered.
    let firsts = futures_util::future::join_all([
        check_with(&app.address, KEY_A),
        check_with(&app.address, KEY_A),
        check_with(&other_address, KEY_A),
        check_with(&other_address, KEY_A),
    ])
    .await;
    for r in firsts {
        assert_eq!(r.status(), 200);
    }
    // The fifth, on either instance: 429 with Retry-After and a JSON error.
    assert_429(check_with(&app.address, KEY_A).await).await;
    assert_429(check_with(&other_address, KEY_A).await).await;
    // The same client address with another key: its address is over the limit too (it made
    // four requests); the limit holds for wrong keys as well.
    assert_429(check_with(&other_address, KEY_B).await).await;
    assert_429(check_with(&app.address, "wrong-key-wrong-key-wrong-key-wrong").await).await;
}

const KEY_C: &str = "kontroll-nyckel-c-0123456789abcdef";

async fn check_from(app: &TestApp, client: &str, key: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url("/api/v1/check?regnr=ABC123"))
        .bearer_auth(key)
        .header("X-Forwarded-For", client)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn the_check_api_limit_counts_each_key_and_each_client_address_apart() {
    let keys = format!("{KEY_A},{KEY_B},{KEY_C}");
    let app = spawn_app_with(&[
        ("CHECK_API_KEYS", keys.as_str()),
        ("CHECK_API_RATE_PER_MINUTE", "4"),
        ("TRUSTED_PROXIES", "127.0.0.1"),
        ("DEMO_MODE", "on"),
    ])
    .await;
    // Per key: key A from one address four times, then from a fresh address: refused.
    for _ in 0..4 {
        assert_eq!(check_from(&app, "10.0.0.1", KEY_A).await.status(), 200);
    }
    assert_429(check_from(&app, "10.0.0.2", KEY_A).await).await;
    assert_eq!(check_from(&app, "10.0.0.2", KEY_B).await.status(), 200);
    // Per client address: 10.0.0.3 with keys B and C, each under its own limit.
    for key in [KEY_B, KEY_C, KEY_B, KEY_C] {
        assert_eq!(check_from(&app, "10.0.0.3", key).await.status(), 200);
    }
    assert_429(check_from(&app, "10.0.0.3", KEY_C).await).await;
    // The refused one was stopped at its address: key C has two counted, a third is answered.
    assert_eq!(check_from(&app, "10.0.0.4", KEY_C).await.status(), 200);
}
