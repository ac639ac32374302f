//! The guide's "Betalsida" with Swish: every simulator outcome end to end, exactly one paid
//! payment and one receipt, a callback that is never trusted.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use parkportal::db::schema::{payments, permits, receipts};
use parkportal::payments::swish::new_instruction_id;

use crate::kit::spawn::{TestApp, spawn_app_with};
use crate::permits::bought_permit;

pub async fn pay(app: &TestApp, permit: &str, number: &str) -> reqwest::Response {
    let csrf = app.csrf().await;
    crate::kit::flows::pay_swish(&app.client, &app.address, &csrf, permit, number).await
}

/// Waits until the latest payment is no longer pending; returns its status.
pub async fn settled(app: &TestApp) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let statuses: Vec<String> = payments::table
            .order(payments::id.desc())
            .select(payments::status)
            .load(&mut app.conn())
            .unwrap();
        if let Some(s) = statuses.first().filter(|s| *s != "pending") {
            return s.clone();
        }
        assert!(Instant::now() < deadline, "payment never settled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn counts(app: &TestApp) -> (i64, i64) {
    let paid: i64 = payments::table
        .filter(payments::status.eq("paid"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    let receipts: i64 = receipts::table.count().get_result(&mut app.conn()).unwrap();
    (paid, receipts)
}

#[actix_web::test]
async fn paying_with_swish_makes_the_permit_active_with_a_receipt() {
    let app = spawn_app_with(&[("SWISH_SIM_DELAY_MS", "100")]).await;
    let email = "betalare@regionvastmanland.se";
    let permit = bought_permit(&app, email).await;
    let page = app.get_html(&permit).await;
    for words in [
        ">Swish</label>",
        ">Swishnummer</label>",
        ">Betala nu</button>",
        "value=\"0701234567\"",
    ] {
        assert!(page.contains(words), "{words}");
    }
    let resp = pay(&app, &permit, "070-123 45 67").await;
    assert_eq!(resp.status(), 303);
    let waiting = app.get_html(&permit).await;
    if !waiting.contains("Aktiv") {
        assert!(waiting.contains("Öppna Swish och godkänn") && waiting.contains("payment-status"));
        assert!(waiting.contains("till <strong class=\"nowrap\">070-123 45 67</strong>"));
        assert!(
            waiting.contains(">Uppdatera status</a>"),
            "works without JavaScript too"
        );
    }
    assert_eq!(settled(&app).await, "paid");
    let page = app.get_html(&permit).await;
    assert!(page.contains(">Aktiv<"), "paid and valid today");
    assert!(page.contains(">Se kvitto</a>"));
    assert!(!page.contains("Betala nu"));
    let receipt = app.get_html(&format!("{permit}/receipt")).await;
    for words in [
        "<h1>Kvitto</h1>",
        "Kvittonummer",
        "232100-0172",
        "Region Västmanland",
        "ABC123",
        "3\u{a0}080\u{a0}kr",
        "770\u{a0}kr",
        "3\u{a0}850\u{a0}kr",
        "25 %",
        "Swish",
    ] {
        assert!(receipt.contains(words), "receipt has {words}");
    }
    assert_eq!(counts(&app), (1, 1));
    let mail = app.smtp().wait_for_nth(email, 2).await;
    assert!(
        mail.subject().contains("Betalning mottagen"),
        "{}",
        mail.subject()
    );
    assert!(
        mail.link("/receipt")
            .ends_with(&format!("{permit}/receipt"))
    );
    let state: String = permits::table
        .select(permits::state)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(state, "paid");
}

#[actix_web::test]
async fn every_failure_leaves_a_payable_permit_with_a_clear_reason() {
    let app = spawn_app_with(&[
        ("SWISH_SIM_DELAY_MS", "50"),
        ("SWISH_SIM_TIMEOUT_MS", "300"),
    ])
    .await;
    let email = "otur@regionvastmanland.se";
    let permit = bought_permit(&app, email).await;
    for (number, status, reason) in [
        ("0700000001", "declined", "avböjdes i Swish-appen"),
        ("0700000002", "error", "Banken nekade"),
        ("0700000003", "error", "BankID avbröts"),
        ("0700000004", "timeout", "inte i tid"),
        ("0700000005", "error", "inte anslutet till Swish"),
    ] {
        assert_eq!(pay(&app, &permit, number).await.status(), 303, "{number}");
        assert_eq!(settled(&app).await, status, "{number}");
        let page = app.get_html(&permit).await;
        assert!(page.contains(reason), "{number}: {reason}");
        assert!(
            page.contains("Väntar på betalning") && page.contains(">Betala nu</button>"),
            "{number}: payable again"
        );
    }
    assert_eq!(counts(&app), (0, 0));
    // Then paying works.
    pay(&app, &permit, "0701234567").await;
    assert_eq!(settled(&app).await, "paid");
    assert_eq!(counts(&app), (1, 1));
}

#[actix_web::test]
async fn double_clicks_and_forged_callbacks_never_pay_twice() {
    let app = spawn_app_with(&[("SWISH_SIM_DELAY_MS", "400")]).await;
    let permit = bought_permit(&app, "dubbel@regionvastmanland.se").await;
    let csrf = app.csrf().await;
    let mut clicks = Vec::new();
    for _ in 0..5 {
        let client = app.client.clone();
        let url = app.url(&format!("{permit}/pay"));
        let body = [
            ("csrf", csrf.clone()),
            ("method", "swish".into()),
            ("swish_number", "0700000001".into()),
        ];
        clicks.push(actix_web::rt::spawn(async move {
            client.post(url).form(&body).send().await.unwrap().status()
        }));
    }
    for c in clicks {
        assert_eq!(c.await.unwrap(), 303);
    }
    let attempts: i64 = payments::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(attempts, 1, "one attempt, however many clicks");
    // A forged callback saying PAID for a payer who declines: the body is not believed.
    let id: String = payments::table
        .select(payments::provider_ref)
        .first(&mut app.conn())
        .unwrap();
    for _ in 0..3 {
        let resp = reqwest::Client::new()
            .post(app.url("/callbacks/swish"))
            .json(&serde_json::json!({"id": id, "status": "PAID", "amount": 3850.00}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    assert_eq!(settled(&app).await, "declined");
    assert_eq!(counts(&app), (0, 0));

    // Paid for real, then callbacks and polls again: still one paid payment, one receipt.
    pay(&app, &permit, "0701234567").await;
    assert_eq!(settled(&app).await, "paid");
    let id: String = payments::table
        .filter(payments::status.eq("paid"))
        .select(payments::provider_ref)
        .first(&mut app.conn())
        .unwrap();
    for _ in 0..3 {
        reqwest::Client::new()
            .post(app.url("/callbacks/swish"))
            .json(&serde_json::json!({"id": id}))
            .send()
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(counts(&app), (1, 1));
    // A paid permit cannot be paid again.
    let again = pay(&app, &permit, "0701234567").await;
    assert_eq!(again.status(), 422);
    assert!(again.text().await.unwrap().contains("kan inte betalas nu"));
    let garbage = reqwest::Client::new()
        .post(app.url("/callbacks/swish"))
        .body("<<not json>>")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 200);
}

#[actix_web::test]
async fn a_bad_swish_number_is_explained_and_kept() {
    let app = spawn_app_with(&[]).await;
    let permit = bought_permit(&app, "fel.nummer@regionvastmanland.se").await;
    let resp = pay(&app, &permit, "12345").await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("mobilnumret som är kopplat till Swish"));
    assert!(html.contains("value=\"12345\""));
    let attempts: i64 = payments::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(attempts, 0);
}

#[actix_web::test]
async fn a_restart_in_the_middle_of_a_payment_loses_nothing_and_pays_once() {
    let app = spawn_app_with(&[("SWISH_SIM_DELAY_MS", "1500")]).await;
    let permit = bought_permit(&app, "omstart@regionvastmanland.se").await;
    assert_eq!(pay(&app, &permit, "0701234567").await.status(), 303);
    // The process goes away while Swish is still waiting for the payer.
    app.stop().await;
    let status: String = payments::table
        .select(payments::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "pending");
    // A new process on the same database picks the payment up.
    let smtp = app.smtp().url();
    let again = parkportal::Application::build(crate::kit::spawn::test_settings(
        &app.database_url,
        &[("SMTP_URL", &smtp), ("SWISH_SIM_DELAY_MS", "1500")],
    ))
    .await
    .unwrap();
    actix_web::rt::spawn(again.run_until_stopped());
    assert_eq!(settled(&app).await, "paid");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(counts(&app), (1, 1));
}

/// A stand-in for the real Swish API that misbehaves on demand: 0 = HTTP 500, 1 = garbage,
/// 2 = answers properly (PAID).
struct FlakySwish {
    port: u16,
    mode: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl FlakySwish {
    async fn start() -> FlakySwish {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let m = mode.clone();
        actix_web::rt::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let m = m.clone();
                actix_web::rt::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let n = stream.read(&mut buf).await.unwrap_or(0);
                    let req = String::from_utf8_lossy(&buf[..n]).into_owned();
                    let line = req.lines().next().unwrap_or_default().to_string();
                    let path = line.split(' ').nth(1).unwrap_or_default();
                    let id = path.rsplit('/').next().unwrap_or_default().to_string();
                    let (status, body) = if line.starts_with("PUT") {
                        ("201 Created", String::new())
                    } else {
                        match m.load(std::sync::atomic::Ordering::SeqCst) {
                            0 => ("500 Internal Server Error", "oops".to_string()),
                            1 => ("200 OK", "<html>not json</html>".to_string()),
                            _ => ("200 OK", serde_json::json!({"id": id, "status": "PAID", "amount": 3850.00, "currency": "SEK", "paymentReference": "REF"}).to_string()),
                        }
                    };
                    let resp = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(resp.as_bytes()).await;
                });
            }
        });
        FlakySwish { port, mode }
    }
}

#[actix_web::test]
async fn a_provider_that_fails_or_talks_nonsense_leaves_the_payment_waiting_then_paid_once() {
    let flaky = FlakySwish::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cert = crate::swish::test_certificate(dir.path(), "pw");
    let api = format!("http://127.0.0.1:{}/swish-cpcapi/", flaky.port);
    let app = spawn_app_with(&[
        ("SWISH_API_URL", &api),
        ("SWISH_CERT_P12", &cert),
        ("SWISH_CERT_PASSWORD", "pw"),
        ("SWISH_PAYEE_ALIAS", "1231181189"),
        (
            "SWISH_CALLBACK_URL",
            "https://parkering.example.se/callbacks/swish",
        ),
    ])
    .await;
    let permit = bought_permit(&app, "flaky@regionvastmanland.se").await;
    assert_eq!(pay(&app, &permit, "0701234567").await.status(), 303);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let status: String = payments::table
        .select(payments::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "pending", "HTTP 500: still waiting, retried");
    flaky.mode.store(1, std::sync::atomic::Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (status, polls): (String, i32) = payments::table
        .select((payments::status, payments::polls))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "pending", "garbage: still waiting");
    assert!(polls >= 2, "polled again and again ({polls})");
    assert!(app.get_html(&permit).await.contains("Väntar på betalning"));
    flaky.mode.store(2, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(settled(&app).await, "paid");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(counts(&app), (1, 1));
}

/// Starts a card payment; returns the hosted page's path.
pub async fn start_card(app: &TestApp, permit: &str) -> String {
    let csrf = app.csrf().await;
    let resp = app
        .post_form(
            &format!("{permit}/pay"),
            &[("csrf", &csrf), ("method", "card")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let to = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(
        to.starts_with(&app.address) && to.contains("/sim/card/pay/"),
        "{to}"
    );
    to.trim_start_matches(&app.address).to_string()
}

/// On the card page: type a number and press a button; follows the way back to Parkportal.
pub async fn card_page(app: &TestApp, hosted: &str, card: &str, action: &str) -> String {
    let page = app.get_html(hosted).await;
    for words in [
        ">Kortnummer</label>",
        ">Betala</button>",
        ">Avbryt</button>",
        // A simulator's page is a page of the demo too: it shows the banner.
        "<strong>Demoläge",
    ] {
        assert!(page.contains(words), "{words}");
    }
    let resp = app
        .post_form(hosted, &[("card", card), ("action", action)])
        .await;
    assert_eq!(resp.status(), 303);
    let back = resp.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches(&app.address)
        .to_string();
    assert!(back.contains("/card-return"), "{back}");
    // A browser coming back from the (same-site) simulator's page says so.
    let resp = app
        .client
        .get(app.url(&back))
        .header("Sec-Fetch-Site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    resp.headers()["location"].to_str().unwrap().to_string()
}

#[actix_web::test]
async fn paying_by_card_on_the_hosted_page() {
    let app = spawn_app_with(&[]).await;
    let email = "kort@regionvastmanland.se";
    let permit = bought_permit(&app, email).await;
    assert!(app.get_html(&permit).await.contains(">Kort</label>"));

    // "Avbryt": back to a payable permit that says so.
    let hosted = start_card(&app, &permit).await;
    let back = card_page(&app, &hosted, "", "cancel").await;
    assert!(back.starts_with(&format!("{permit}?payment=")), "{back}");
    let page = app.get_html(&back).await;
    assert!(page.contains("Betalningen avbröts") && page.contains(">Betala nu</button>"));
    assert!(!page.contains("payment-done"));

    // A declined card.
    let hosted = start_card(&app, &permit).await;
    card_page(&app, &hosted, "4000 0000 0000 0002", "pay").await;
    assert!(app.get_html(&permit).await.contains("Kortet nekades"));
    assert_eq!(counts(&app), (0, 0));

    // Coming back without having paid changes nothing: the provider is asked, not believed.
    let hosted = start_card(&app, &permit).await;
    let resp = app.get(&format!("{permit}/card-return")).await;
    assert_eq!(resp.status(), 303);
    let status: String = payments::table
        .order(payments::id.desc())
        .select(payments::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "pending");
    // A second "Betala nu" while it is pending goes back to the same card page.
    let csrf = app.csrf().await;
    let again = app
        .post_form(
            &format!("{permit}/pay"),
            &[("csrf", &csrf), ("method", "card")],
        )
        .await;
    assert!(
        again.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with(&hosted)
    );

    // A good card.
    let back = card_page(&app, &hosted, "4111 1111 1111 1111", "pay").await;
    assert!(back.starts_with(&format!("{permit}?payment=")), "{back}");
    // Back from the card page: the confirmation at the top.
    let page = app.get_html(&back).await;
    assert!(page.contains(">Aktiv<") && page.contains(">Se kvitto</a>"));
    assert!(page.contains(">Betalningen är klar</h2>"));
    let receipt = app.get_html(&format!("{permit}/receipt")).await;
    assert!(receipt.contains("Kort"));
    assert_eq!(counts(&app), (1, 1));
    app.smtp().wait_for_nth(email, 2).await;
}

#[actix_web::test]
async fn the_nexi_webhook_is_only_heard_with_the_right_authorization() {
    let app = spawn_app_with(&[
        ("NEXI_API_URL", "http://127.0.0.1:9/"),
        ("NEXI_SECRET_KEY", "test-secret"),
        ("NEXI_WEBHOOK_AUTH", "webhook-secret-123"),
    ])
    .await;
    let hook = |auth: Option<&'static str>| {
        let mut req = reqwest::Client::new()
            .post(app.url("/callbacks/nexi"))
            .json(&serde_json::json!({"event": "payment.charge.created.v2", "data": {"paymentId": "abc"}}));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        req.send()
    };
    assert_eq!(hook(None).await.unwrap().status(), 401);
    assert_eq!(hook(Some("wrong")).await.unwrap().status(), 401);
    assert_eq!(
        hook(Some("webhook-secret-123")).await.unwrap().status(),
        200
    );
    // With the real Nexi configured, the card simulator is gone.
    assert_eq!(app.get("/sim/card/pay/abc").await.status(), 404);
    // Without Nexi configured there is no webhook to hear.
    let sim = spawn_app_with(&[]).await;
    let resp = reqwest::Client::new()
        .post(sim.url("/callbacks/nexi"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

/// A permit paid by card on the simulator's hosted page; the real Nexi client pointed at that
/// simulator, and the payment as it reads it back.
async fn paid_by_card(
    app: &TestApp,
    email: &str,
) -> (
    parkportal::payments::nexi::NexiClient,
    parkportal::payments::nexi::NexiPayment,
) {
    let permit = bought_permit(app, email).await;
    let hosted = start_card(app, &permit).await;
    card_page(app, &hosted, "4111 1111 1111 1111", "pay").await;
    assert_eq!(counts(app), (1, 1));
    let id: String = payments::table
        .filter(payments::status.eq("paid"))
        .select(payments::provider_ref)
        .first(&mut app.conn())
        .unwrap();
    let nexi = parkportal::payments::nexi::NexiClient::simulator(
        &url::Url::parse(&app.address).unwrap(),
        Duration::from_secs(15),
        app.sim_key(),
    );
    let paid = nexi.retrieve(&id).await.unwrap();
    assert!(paid.is_paid(), "{paid:?}");
    assert_eq!(paid.refunded, 0);
    assert_eq!(paid.charges.len(), 1, "one charge: {paid:?}");
    assert_eq!(paid.charges[0].amount, paid.amount);
    (nexi, paid)
}

fn refund_items(ore: i64) -> Vec<parkportal::payments::nexi::OrderItem> {
    vec![parkportal::payments::nexi::OrderItem::single(
        "P1",
        "Återbetalning parkeringstillstånd",
        parkportal::domain::Money::from_ore(ore),
        2500,
    )]
}

#[actix_web::test]
async fn a_card_payment_is_refunded_in_full_through_its_charge() {
    use parkportal::payments::nexi::NexiError;
    let app = spawn_app_with(&[]).await;
    let (nexi, paid) = paid_by_card(&app, "helt.tillbaka@regionvastmanland.se").await;
    let charge = &paid.charges[0].charge_id;
    let refund_id = nexi
        .refund(
            charge,
            paid.amount,
            &refund_items(paid.amount),
            &new_instruction_id(),
        )
        .await
        .unwrap();
    assert!(!refund_id.is_empty());
    let after = nexi.retrieve(&paid.payment_id).await.unwrap();
    assert_eq!(after.refunded, paid.amount);
    assert_eq!(after.charged, paid.amount, "the charge itself stays");
    // Nothing is left: not even one öre more.
    match nexi
        .refund(charge, 1, &refund_items(1), &new_instruction_id())
        .await
    {
        Err(NexiError::Refused(why)) => assert!(why.contains("amount"), "{why}"),
        other => panic!("a refund beyond the charge: {other:?}"),
    }
    assert_eq!(
        nexi.retrieve(&paid.payment_id).await.unwrap().refunded,
        paid.amount
    );
}

#[actix_web::test]
async fn a_card_payment_is_refunded_in_parts_up_to_what_was_charged() {
    use parkportal::payments::nexi::NexiError;
    let app = spawn_app_with(&[]).await;
    let (nexi, paid) = paid_by_card(&app, "delvis.tillbaka@regionvastmanland.se").await;
    let charge = &paid.charges[0].charge_id;
    let first = nexi
        .refund(
            charge,
            100_000,
            &refund_items(100_000),
            &new_instruction_id(),
        )
        .await
        .unwrap();
    let second = nexi
        .refund(charge, 50_050, &refund_items(50_050), &new_instruction_id())
        .await
        .unwrap();
    assert_ne!(first, second, "each refund has its own id");
    assert_eq!(
        nexi.retrieve(&paid.payment_id).await.unwrap().refunded,
        150_050
    );
    let left = paid.amount - 150_050;
    // One öre more than is left is refused, and changes nothing.
    assert!(matches!(
        nexi.refund(
            charge,
            left + 1,
            &refund_items(left + 1),
            &new_instruction_id()
        )
        .await,
        Err(NexiError::Refused(_))
    ));
    assert_eq!(
        nexi.retrieve(&paid.payment_id).await.unwrap().refunded,
        150_050
    );
    // Items that do not add up to the amount are refused too.
    assert!(matches!(
        nexi.refund(charge, 100, &refund_items(200), &new_instruction_id())
            .await,
        Err(NexiError::Refused(_))
    ));
    // Exactly what is left is fine.
    nexi.refund(charge, left, &refund_items(left), &new_instruction_id())
        .await
        .unwrap();
    assert_eq!(
        nexi.retrieve(&paid.payment_id).await.unwrap().refunded,
        paid.amount
    );
}

#[actix_web::test]
async fn a_refund_above_the_charged_amount_or_of_no_charge_is_refused() {
    use parkportal::payments::nexi::NexiError;
    let app = spawn_app_with(&[]).await;
    let (nexi, paid) = paid_by_card(&app, "for.mycket@regionvastmanland.se").await;
    let charge = &paid.charges[0].charge_id;
    let too_much = paid.amount + 1;
    match nexi
        .refund(
            charge,
            too_much,
            &refund_items(too_much),
            &new_instruction_id(),
        )
        .await
    {
        Err(NexiError::Refused(why)) => assert!(why.contains("exceeds"), "{why}"),
        other => panic!("a refund above the charge: {other:?}"),
    }
    assert!(matches!(
        nexi.refund(charge, 0, &[], &new_instruction_id()).await,
        Err(NexiError::Refused(_))
    ));
    assert!(matches!(
        nexi.refund(
            "no-such-charge",
            100,
            &refund_items(100),
            &new_instruction_id()
        )
        .await,
        Err(NexiError::Http(404))
    ));
    let after = nexi.retrieve(&paid.payment_id).await.unwrap();
    assert_eq!(after.refunded, 0, "nothing refunded: {after:?}");
    // The payment is still paid and the permit untouched.
    assert!(after.is_paid());
    assert_eq!(counts(&app), (1, 1));
}

/// A payment provider that accepts connections and never answers, until it is told to pass
/// them on to a working one (another server's simulator).
struct HangingProvider {
    port: u16,
    /// 0: hang; otherwise the port every new connection is passed on to.
    forward_to: std::sync::Arc<std::sync::atomic::AtomicU16>,
    accepted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl HangingProvider {
    async fn start() -> HangingProvider {
        use std::sync::atomic::Ordering::SeqCst;
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let forward_to = std::sync::Arc::new(std::sync::atomic::AtomicU16::new(0));
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (f, a) = (forward_to.clone(), accepted.clone());
        actix_web::rt::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                a.fetch_add(1, SeqCst);
                let to = f.load(SeqCst);
                actix_web::rt::spawn(async move {
                    if to == 0 {
                        // Read whatever comes, say nothing, until the caller gives up.
                        let mut buf = vec![0u8; 8192];
                        while stream.read(&mut buf).await.is_ok_and(|n| n > 0) {}
                    } else if let Ok(mut upstream) =
                        tokio::net::TcpStream::connect(("127.0.0.1", to)).await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut stream, &mut upstream).await;
                    }
                });
            }
        });
        HangingProvider {
            port,
            forward_to,
            accepted,
        }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn start_answering_as(&self, working: &TestApp) {
        let port = url::Url::parse(&working.address).unwrap().port().unwrap();
        self.start_answering_on(port);
    }

    fn start_answering_on(&self, port: u16) {
        self.forward_to
            .store(port, std::sync::atomic::Ordering::SeqCst);
    }
}

#[actix_web::test]
async fn a_card_provider_that_never_answers_is_given_up_promptly_and_the_permit_stays_payable() {
    // Another server's card simulator plays the working Nexi once the provider answers. A
    // simulator answers only its portal's own key and sends the browser back only under its
    // own PUBLIC_URL: that server's PUBLIC_URL is the app's address (its port chosen first),
    // and the app's Nexi secret key is that server's simulator key.
    let port = crate::kit::spawn::free_port();
    let app_address = format!("http://127.0.0.1:{port}");
    let working = spawn_app_with(&[("PUBLIC_URL", &app_address)]).await;
    let nexi = HangingProvider::start().await;
    let api = format!("http://127.0.0.1:{}/sim/card/", nexi.port);
    let bind = format!("127.0.0.1:{port}");
    let app = spawn_app_with(&[
        ("BIND_ADDR", &bind),
        ("PUBLIC_URL", &app_address),
        ("NEXI_API_URL", &api),
        ("NEXI_SECRET_KEY", working.sim_key()),
        ("NEXI_WEBHOOK_AUTH", "webhook-secret"),
        ("PROVIDER_TIMEOUT_MS", "300"),
    ])
    .await;
    let permit = bought_permit(&app, "haenger@regionvastmanland.se").await;
    let csrf = app.csrf().await;
    let pay_path = format!("{permit}/pay");
    let card_form = [("csrf", csrf.as_str()), ("method", "card")];
    let pay_by_card = || app.post_form(&pay_path, &card_form);

    let started = Instant::now();
    let resp = pay_by_card().await;
    let took = started.elapsed();
    assert!(
        nexi.accepted() >= 1,
        "the request reached the silent provider"
    );
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(3),
        "answered after the 300 ms timeout, not the default 15 s: {took:?}"
    );
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("Betaltjänsten svarade inte. Försök igen om en stund."),
        "a clear reason"
    );
    assert!(html.contains("Väntar på betalning") && html.contains(">Betala nu</button>"));
    let attempts: i64 = payments::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(attempts, 0, "nothing was created, nothing waits");
    let page = app.get_html(&permit).await;
    assert!(page.contains("Väntar på betalning") && page.contains(">Betala nu</button>"));
    assert!(
        !page.contains("payment-progress"),
        "no attempt left waiting"
    );

    // The provider answers again: paying works, once.
    nexi.start_answering_as(&working);
    let resp = pay_by_card().await;
    assert_eq!(resp.status(), 303);
    let hosted = resp.headers()["location"].to_str().unwrap().to_string();
    // The simulator names its page under its PUBLIC_URL (the app's address); it is served by
    // the working server.
    assert!(
        hosted.starts_with(&format!("{}/sim/card/pay/", app.address)),
        "{hosted}"
    );
    let hosted = hosted.replacen(&app.address, &working.address, 1);
    assert!(
        working
            .get_html(&hosted.replace(&working.address, ""))
            .await
            .contains(">Kortnummer</label>")
    );
    let resp = working
        .client
        .post(&hosted)
        .form(&[("card", "4111 1111 1111 1111"), ("action", "pay")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let back = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(
        back.starts_with(&app.url(&format!("{permit}/card-return"))),
        "{back}"
    );
    let resp = app.client.get(&back).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    let page = app.get_html(&permit).await;
    assert!(page.contains(">Aktiv<") && page.contains(">Se kvitto</a>"));
    assert_eq!(counts(&app), (1, 1));
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(counts(&app), (1, 1), "the poller pays nothing twice");
}

#[actix_web::test]
async fn a_swish_provider_that_never_answers_does_not_hold_up_betala_nu() {
    let swish = HangingProvider::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cert = crate::swish::test_certificate(dir.path(), "pw");
    let api = format!("http://127.0.0.1:{}/swish-cpcapi/", swish.port);
    let app = spawn_app_with(&[
        ("SWISH_API_URL", &api),
        ("SWISH_CERT_P12", &cert),
        ("SWISH_CERT_PASSWORD", "pw"),
        ("SWISH_PAYEE_ALIAS", "1231181189"),
        (
            "SWISH_CALLBACK_URL",
            "https://parkering.example.se/callbacks/swish",
        ),
        ("PROVIDER_TIMEOUT_MS", "300"),
    ])
    .await;
    let permit = bought_permit(&app, "tyst.swish@regionvastmanland.se").await;
    let started = Instant::now();
    assert_eq!(pay(&app, &permit, "0701234567").await.status(), 303);
    let took = started.elapsed();
    assert!(
        swish.accepted() >= 1,
        "the request reached the silent provider"
    );
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(3),
        "answered after the 300 ms timeout: {took:?}"
    );
    // Swish may have received the request (the payer may get it in the app), so the attempt
    // waits and is asked about, never given up at once.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let page = app.get_html(&permit).await;
    assert!(page.contains("Väntar på betalning") && page.contains("payment-progress"));
    let (status, polls): (String, i32) = payments::table
        .select((payments::status, payments::polls))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "pending");
    assert!(polls >= 1, "asked again after timeouts ({polls})");
    // Swish answers again: the attempt is paid, once.
    let flaky = FlakySwish::start().await;
    flaky.mode.store(2, std::sync::atomic::Ordering::SeqCst);
    swish.start_answering_on(flaky.port);
    assert_eq!(settled(&app).await, "paid");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(counts(&app), (1, 1));
}
