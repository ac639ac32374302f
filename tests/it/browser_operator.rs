//! "Kontroll" in Chromium on a phone, with and without JavaScript: an operator goes to
//! /operator/check, logs in on the customers' login page, comes back and checks two numbers.

use std::time::{Duration, Instant};

use fantoccini::Locator;

use crate::browser::{Browser, browser_tests_skipped};
use crate::kit::spawn::spawn_app;
use crate::operator::operator_client;
use crate::payments::{pay, settled};
use crate::permits::bought_permit;

async fn answer_reads(b: &Browser, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(el) = b.client.find(Locator::Css("#check-answer .word")).await
            && el.text().await.is_ok_and(|t| t == want)
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the answer never read {want:?}: {}",
            b.page_text().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn kontroll(javascript: bool) {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    let permit = bought_permit(&app, "bil@regionvastmanland.se").await;
    assert_eq!(pay(&app, &permit, "0701234567").await.status(), 303);
    assert_eq!(settled(&app).await, "paid");
    let email = "vakt@regionvastmanland.se";
    operator_client(&app, email).await;

    let b = Browser::start(javascript).await;
    b.login_staff(&app, email, "/operator/check", "Kontroll")
        .await;
    if javascript {
        b.client
            .execute("window.__sameDocument = 42; return null;", vec![])
            .await
            .unwrap();
    }

    b.fill("Registreringsnummer", "abc 123").await;
    b.click("Kontrollera").await;
    answer_reads(&b, "Giltigt").await;
    let text = b.page_text().await;
    assert!(
        text.contains("ABC123") && text.contains("Anställda månads/årskort"),
        "{text}"
    );
    assert!(text.contains("Giltigt till"));
    let url = b.client.current_url().await.unwrap();
    assert!(url.as_str().contains("regnr=abc"), "{url}");

    b.fill("Registreringsnummer", "GHJ 987").await;
    b.click("Kontrollera").await;
    answer_reads(&b, "Inget giltigt tillstånd").await;

    if javascript {
        let same = b
            .client
            .execute("return window.__sameDocument === 42;", vec![])
            .await
            .unwrap();
        assert_eq!(
            same,
            serde_json::json!(true),
            "htmx swapped the answer in place"
        );
    }
    b.screenshot(&format!("kontroll-js-{javascript}")).await;
    assert_eq!(b.console_errors().await, Vec::<String>::new());
    b.close().await;
}

#[actix_web::test]
async fn kontroll_in_a_phone_browser_with_javascript() {
    kontroll(true).await;
}

#[actix_web::test]
async fn kontroll_in_a_phone_browser_without_javascript() {
    kontroll(false).await;
}
