//! Buying a monthly permit and changing its number in Chromium on a phone, JS on and off.

use std::time::{Duration, Instant};

use crate::browser::{Browser, browser_tests_skipped};
use crate::helpers::{PASSWORD, spawn_app};

async fn buy_and_change_regnr(javascript: bool) {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    let email = "kort.kopare@regionvastmanland.se";
    app.logged_in_user(email).await;
    let b = Browser::start(javascript).await;
    b.login(&app.url("/"), email, PASSWORD).await;
    b.screenshot(&format!("home-{javascript}")).await;
    b.click("Köp nytt parkeringstillstånd").await;
    b.wait_for_heading("Köp nytt parkeringstillstånd").await;

    // A day card asks for days; the monthly card for a package.
    b.choose("Anställda dagkort").await;
    if javascript {
        wait_for_text(&b, "Antal dagar").await;
    } else {
        b.click("Visa paket för vald typ").await;
        b.wait_for_heading("Köp nytt parkeringstillstånd").await;
        assert!(b.page_text().await.contains("Antal dagar"));
    }
    b.choose("Anställda månads/årskort").await;
    if !javascript {
        b.click("Visa paket för vald typ").await;
        b.wait_for_heading("Köp nytt parkeringstillstånd").await;
    }
    wait_for_text(&b, "12 månader").await;
    b.choose("1 månad").await;
    b.fill("Registreringsnummer", "abc 123").await;
    b.screenshot(&format!("buy-{javascript}")).await;
    b.click("Spara och fortsätt").await;
    b.wait_for_heading("Granska och bekräfta").await;
    assert!(b.page_text().await.contains("ABC123"));
    b.click("Bekräfta").await;
    b.wait_for_heading("Parkeringstillstånd").await;
    assert_eq!(b.text("#status").await, "Väntar på betalning");
    b.screenshot(&format!("permit-{javascript}")).await;

    // A bad number: the reason is shown beside the field, what was typed is kept.
    b.fill("Registreringsnummer", "!!").await;
    b.click("Uppdatera").await;
    wait_for_text(&b, "Skriv ett svenskt registreringsnummer").await;
    let kept = b
        .input_by_label("Registreringsnummer")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("!!"));

    let url_before = b.client.current_url().await.unwrap();
    b.fill("Registreringsnummer", "XYZ 789").await;
    b.click("Uppdatera").await;
    wait_for_text(&b, "Registreringsnumret har uppdaterats").await;
    let url_after = b.client.current_url().await.unwrap();
    if javascript {
        assert_eq!(url_before, url_after, "updated in place, no page load");
    }
    let value = b
        .input_by_label("Registreringsnummer")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(value.as_deref(), Some("XYZ789"));
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    b.close().await;
}

async fn wait_for_text(b: &Browser, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !b.page_text().await.contains(text) {
        assert!(Instant::now() < deadline, "{text:?} never appeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn buy_a_monthly_permit_and_change_its_number_with_javascript() {
    buy_and_change_regnr(true).await;
}

#[actix_web::test]
async fn buy_a_monthly_permit_and_change_its_number_without_javascript() {
    buy_and_change_regnr(false).await;
}
