//! The real Swish client code against the built-in simulator, over HTTP: every outcome of
//! CONTRACT.md's table, the 422 refusals, the callback.

use std::time::{Duration, Instant};

use parkportal::domain::{MobileNumber, Money};
use parkportal::payments::swish::{SwishClient, SwishError, SwishStatus, new_instruction_id};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::kit::spawn::{TestApp, spawn_app_with};

fn client(app: &TestApp) -> SwishClient {
    let url = url::Url::parse(&app.address).unwrap();
    SwishClient::simulator(&url, &url, Duration::from_secs(15), app.sim_key())
}

async fn final_status(c: &SwishClient, id: &str) -> parkportal::payments::swish::PaymentRequest {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let pr = c.retrieve(id).await.unwrap();
        if pr.status.is_final() {
            return pr;
        }
        assert!(Instant::now() < deadline, "{id} never became final");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[actix_web::test]
async fn every_payer_number_of_the_contract_gives_its_outcome() {
    // The payer answers after 300 ms: long enough that the first retrieve, right after the
    // create, still sees CREATED on a loaded 2-core CI machine (50 ms was seen to flake).
    let app = spawn_app_with(&[
        ("SWISH_SIM_DELAY_MS", "300"),
        ("SWISH_SIM_TIMEOUT_MS", "900"),
    ])
    .await;
    let c = client(&app);
    for (number, status, code) in [
        ("0700000001", SwishStatus::Declined, None),
        ("0700000002", SwishStatus::Error, Some("RF07")),
        ("0700000003", SwishStatus::Error, Some("BANKIDCL")),
        ("0700000004", SwishStatus::Error, Some("TM01")),
        ("0701234567", SwishStatus::Paid, None),
    ] {
        let id = new_instruction_id();
        let payer = MobileNumber::parse(number).unwrap();
        c.create(
            &id,
            Some(&payer),
            Money::from_ore(35_000),
            "P1",
            "Parkering ABC123",
        )
        .await
        .unwrap();
        let first = c.retrieve(&id).await.unwrap();
        assert_eq!(
            first.status,
            SwishStatus::Created,
            "{number} waits for the payer first"
        );
        let pr = final_status(&c, &id).await;
        assert_eq!(pr.status, status, "{number}");
        assert_eq!(pr.error_code.as_deref(), code, "{number}");
        assert_eq!(pr.amount, serde_json::json!(350.0));
        if status == SwishStatus::Paid {
            assert!(pr.payment_reference.is_some() && pr.date_paid.is_some());
        }
    }
}

#[actix_web::test]
async fn refusals_come_as_swish_error_arrays() {
    let app = spawn_app_with(&[]).await;
    let c = client(&app);
    let id = new_instruction_id();
    let not_enrolled = c
        .create(
            &id,
            Some(&MobileNumber::parse("0700000005").unwrap()),
            Money::from_ore(100),
            "P2",
            "x",
        )
        .await
        .unwrap_err();
    match not_enrolled {
        SwishError::Refused(errors) => assert_eq!(errors[0].error_code, "ACMT03"),
        other => panic!("expected ACMT03, got {other:?}"),
    }
    // The same instruction id twice does not create a second request.
    let id = new_instruction_id();
    let payer = MobileNumber::parse("0701234567").unwrap();
    c.create(&id, Some(&payer), Money::from_ore(100), "P3", "x")
        .await
        .unwrap();
    assert!(matches!(
        c.create(&id, Some(&payer), Money::from_ore(100), "P3", "x")
            .await,
        Err(SwishError::Http(409))
    ));
    // Unknown id and a bad amount.
    assert!(matches!(
        c.retrieve(&new_instruction_id()).await,
        Err(SwishError::Http(404))
    ));
    let resp = reqwest::Client::new()
        .put(app.url(&format!("/sim/swish/api/v2/paymentrequests/{}", new_instruction_id())))
        .header(parkportal::payments::SIM_KEY_HEADER, app.sim_key())
        .json(&serde_json::json!({"payerAlias": "46701234567", "amount": "abc", "currency": "SEK", "callbackUrl": app.url("/callbacks/swish")}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body[0]["errorCode"], "PA02");
}

#[actix_web::test]
async fn the_simulator_calls_back_with_the_outcome() {
    // The simulator calls back only to the portal's own /callbacks/swish under PUBLIC_URL:
    // here PUBLIC_URL is a listener of the test's, to see the callback arrive.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let public_url = format!("http://127.0.0.1:{port}");
    let app = spawn_app_with(&[("SWISH_SIM_DELAY_MS", "50"), ("PUBLIC_URL", &public_url)]).await;
    let received = actix_web::rt::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 16 * 1024];
        let mut got = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !String::from_utf8_lossy(&got).contains("\"status\"") && Instant::now() < deadline {
            let n = stream.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
        String::from_utf8_lossy(&got).into_owned()
    });
    let id = new_instruction_id();
    let resp = reqwest::Client::new()
        .put(app.url(&format!("/sim/swish/api/v2/paymentrequests/{id}")))
        .header(parkportal::payments::SIM_KEY_HEADER, app.sim_key())
        .json(&serde_json::json!({
            "payeePaymentReference": "P9", "callbackUrl": format!("{public_url}/callbacks/swish"),
            "payerAlias": "46701234567", "payeeAlias": "1231181189", "amount": "40.00",
            "currency": "SEK", "message": "Dagkort"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with(&format!("/api/v1/paymentrequests/{id}"))
    );
    let request = received.await.unwrap();
    assert!(request.starts_with("POST /callbacks/swish"), "{request}");
    assert!(
        request.contains(&id) && request.contains("\"PAID\""),
        "{request}"
    );
}

#[actix_web::test]
async fn with_real_swish_configured_the_simulator_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let cert = test_certificate(dir.path(), "hemligt");
    let app = spawn_app_with(&[
        (
            "SWISH_API_URL",
            "https://mss.cpc.getswish.net/swish-cpcapi/",
        ),
        ("SWISH_CERT_P12", &cert),
        ("SWISH_CERT_PASSWORD", "hemligt"),
        ("SWISH_PAYEE_ALIAS", "1231181189"),
        (
            "SWISH_CALLBACK_URL",
            "https://parkering.example.se/callbacks/swish",
        ),
    ])
    .await;
    let resp = app
        .get(&format!(
            "/sim/swish/api/v1/paymentrequests/{}",
            new_instruction_id()
        ))
        .await;
    assert_eq!(resp.status(), 404);
}

/// A self-signed client certificate as PKCS#12, made with the openssl command.
pub fn test_certificate(dir: &std::path::Path, password: &str) -> String {
    let key = dir.join("key.pem");
    let crt = dir.join("crt.pem");
    let p12 = dir.join("client.p12");
    let ok = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=parkportal-test",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&crt)
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok, "openssl req");
    let ok = std::process::Command::new("openssl")
        .args(["pkcs12", "-export"])
        .arg("-inkey")
        .arg(&key)
        .arg("-in")
        .arg(&crt)
        .arg("-out")
        .arg(&p12)
        .arg("-passout")
        .arg(format!("pass:{password}"))
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok, "openssl pkcs12");
    p12.to_string_lossy().into_owned()
}

#[actix_web::test]
async fn a_wrong_certificate_password_stops_the_start_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let cert = test_certificate(dir.path(), "rätt");
    let settings = crate::kit::spawn::test_settings(
        dir.path().join("p.db").to_str().unwrap(),
        &[
            (
                "SWISH_API_URL",
                "https://mss.cpc.getswish.net/swish-cpcapi/",
            ),
            ("SWISH_CERT_P12", &cert),
            ("SWISH_CERT_PASSWORD", "fel"),
            ("SWISH_PAYEE_ALIAS", "1231181189"),
            (
                "SWISH_CALLBACK_URL",
                "https://parkering.example.se/callbacks/swish",
            ),
        ],
    );
    let err = parkportal::Application::build(settings)
        .await
        .err()
        .expect("refused");
    assert!(format!("{err:#}").contains("SWISH_CERT_P12"), "{err:#}");
}

#[actix_web::test]
async fn refunds_of_a_paid_payment_never_exceed_what_was_paid() {
    let app = spawn_app_with(&[("SWISH_SIM_DELAY_MS", "50")]).await;
    let c = client(&app);
    let id = new_instruction_id();
    c.create(
        &id,
        Some(&MobileNumber::parse("0701234567").unwrap()),
        Money::from_ore(35_000),
        "P1",
        "Parkering",
    )
    .await
    .unwrap();
    let paid = final_status(&c, &id).await;
    let reference = paid
        .payment_reference
        .expect("a paid payment has a reference");

    let refund = new_instruction_id();
    c.refund(
        &refund,
        &reference,
        Money::from_ore(20_000),
        "Återbetalning",
    )
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = c.retrieve_refund(&refund).await.unwrap();
        if r.status == "PAID" {
            assert_eq!(r.amount, serde_json::json!(200.0));
            break;
        }
        assert!(Instant::now() < deadline, "refund never paid");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    // 150 kr is left: 200 more is refused, 150 is fine.
    match c
        .refund(
            &new_instruction_id(),
            &reference,
            Money::from_ore(20_000),
            "x",
        )
        .await
    {
        Err(SwishError::Refused(e)) => assert_eq!(e[0].error_code, "AM06"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    c.refund(
        &new_instruction_id(),
        &reference,
        Money::from_ore(15_000),
        "x",
    )
    .await
    .unwrap();
    match c
        .refund(
            &new_instruction_id(),
            "NOSUCHREFERENCE",
            Money::from_ore(100),
            "x",
        )
        .await
    {
        Err(SwishError::Refused(e)) => assert_eq!(e[0].error_code, "RF02"),
        other => panic!("expected RF02, got {other:?}"),
    }
}

#[actix_web::test]
async fn swish_on_this_phone_gives_a_token_the_app_answers_and_only_an_open_request_cancels() {
    let app = spawn_app_with(&[("SWISH_SIM_DELAY_MS", "60000")]).await;
    let c = client(&app);
    let sum = Money::from_ore(35_000);
    // M-commerce: no payer's number; Swish answers with the token that opens the app.
    let id = new_instruction_id();
    let token = c
        .create(&id, None, sum, "P1", "Parkering ABC123")
        .await
        .unwrap()
        .expect("a PaymentRequestToken");
    assert!(token.len() >= 16, "{token}");
    let back = format!("{}/permits/1?payment=1", app.address);
    let link = c.app_link(&token, &back);
    let app_page = format!("{}/sim/swish/app?token=", app.address);
    assert!(link.starts_with(&app_page), "{link}");
    let open = c.retrieve(&id).await.unwrap();
    assert_eq!(open.status, SwishStatus::Created);
    assert_eq!(
        open.payer_alias, None,
        "nobody's number until the app answers"
    );
    let page = app
        .client
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("350,00 kr") && page.contains(">Betala</button>"),
        "{page}"
    );
    // The app sends the payer back only to the portal.
    let answer = |callback: String, answer: &'static str| {
        let form = [
            ("token", token.clone()),
            ("callbackurl", callback),
            ("answer", answer.to_string()),
        ];
        app.client
            .post(app.url("/sim/swish/app"))
            .form(&form)
            .send()
    };
    let away = answer("https://evil.example/x".into(), "PAID")
        .await
        .unwrap();
    assert_eq!(away.status(), 400);
    assert_eq!(c.retrieve(&id).await.unwrap().status, SwishStatus::Created);
    let paid = answer(back.clone(), "PAID").await.unwrap();
    assert_eq!(paid.status(), 303);
    assert_eq!(paid.headers()["location"], back.as_str());
    let done = final_status(&c, &id).await;
    assert_eq!(done.status, SwishStatus::Paid);
    assert_eq!(done.payer_alias.as_deref(), Some("46701234567"));
    // Answered: too late to cancel, and a second answer changes nothing.
    match c.cancel(&id).await {
        Err(SwishError::Refused(errors)) => assert_eq!(errors[0].error_code, "RP07"),
        other => panic!("cancelled a paid request: {other:?}"),
    }
    answer(back.clone(), "DECLINED").await.unwrap();
    assert_eq!(c.retrieve(&id).await.unwrap().status, SwishStatus::Paid);

    // A request to a number, not answered yet: cancelled, and it stays so.
    let open_id = new_instruction_id();
    let payer = MobileNumber::parse("0701234567").unwrap();
    let no_token = c
        .create(&open_id, Some(&payer), sum, "P2", "x")
        .await
        .unwrap();
    assert_eq!(no_token, None);
    let cancelled = c.cancel(&open_id).await.unwrap();
    assert_eq!(cancelled.status, SwishStatus::Cancelled);
    assert_eq!(
        c.retrieve(&open_id).await.unwrap().status,
        SwishStatus::Cancelled
    );
    assert!(matches!(
        c.cancel(&open_id).await,
        Err(SwishError::Refused(_))
    ));
    // One Swish never made.
    assert!(matches!(
        c.cancel(&new_instruction_id()).await,
        Err(SwishError::Http(404))
    ));
}

/// With `PUBLIC_URL` naming an address the portal does not listen on (a proxy in front, say),
/// its e-mails link there, and it still reaches its own Swish simulator where it listens: a
/// payment goes through.
#[actix_web::test]
async fn the_simulators_are_called_where_the_portal_listens_whatever_public_url_says() {
    use crate::kit::flows::{
        Inbox, Order, PASSWORD, PAYER, buy_permit, confirmation_link, csrf, login, pay_swish,
        register, wait_until_paid,
    };
    let elsewhere = "http://127.0.0.1:9";
    let app = spawn_app_with(&[("PUBLIC_URL", elsewhere)]).await;
    let (client, address) = (&app.client, app.address.as_str());
    let email = "proxied@regionvastmanland.se";
    assert_eq!(
        register(client, address, email, PASSWORD).await.status(),
        303
    );
    let smtp = app.smtp.as_ref().unwrap();
    let link = confirmation_link(client, address, Inbox::Smtp(smtp), email).await;
    assert!(link.starts_with(&format!("{elsewhere}/confirm?")), "{link}");
    let link = link.replacen(elsewhere, address, 1);
    assert_eq!(client.get(&link).send().await.unwrap().status(), 200);
    assert_eq!(login(client, address, email, PASSWORD).await.status(), 303);
    let start = crate::kit::dates::today().to_string();
    let order = Order {
        type_name: "Anställda månads/årskort",
        package: Some("1 månad"),
        days: None,
        start: &start,
        regnr: "ABC123",
    };
    let permit = buy_permit(client, address, &order).await;
    let token = csrf(client, address).await;
    let resp = pay_swish(client, address, &token, &permit, PAYER).await;
    assert_eq!(resp.status(), 303, "pay");
    wait_until_paid(client, address, &permit).await;
}
