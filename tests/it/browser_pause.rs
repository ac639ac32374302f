//! Issue #39 in Chromium: pausing a permit at 320 px without JavaScript, and on-call parking
//! at 390 px with it; nothing wider than the screen.

use chrono::Days;

use crate::browser::{Browser, browser_tests_skipped};
use crate::kit::{flows::PASSWORD, spawn::spawn_app};

#[actix_web::test]
async fn pause_and_end_it_at_320_px_without_javascript() {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    let email = "paus@regionvastmanland.se";
    let permit = crate::permits::paid_permit(&app, email).await;
    let b = Browser::start_sized(false, 320).await;
    b.login(&app.url("/"), email, PASSWORD).await;
    b.goto(&app.url(&permit)).await;
    b.wait_for_heading("Anställda månads/årskort – ABC123")
        .await;
    let today = crate::kit::dates::today();
    let to = today + Days::new(20);
    // The date picker's typing depends on the browser's locale: the values are set directly
    // (the fields are found by their labels "Från" and "Till" all the same).
    for (label, day) in [("Från", today), ("Till", to)] {
        let field = b.input_by_label(label).await;
        b.client
            .execute(
                "arguments[0].value = arguments[1]",
                vec![
                    serde_json::to_value(&field).unwrap(),
                    serde_json::json!(day.to_string()),
                ],
            )
            .await
            .unwrap();
    }
    b.click("Pausa").await;
    b.wait_for_text("Tillståndet är pausat").await;
    let text = b.page_text().await;
    assert!(text.contains(&format!("Pausat t.o.m. {to}")), "{text}");
    assert!(b.page_width().await <= 320, "nothing wider than the phone");
    b.screenshot("pause-320").await;
    b.click("Avsluta pausen").await;
    b.wait_for_text("Pausen är avslutad").await;
    b.close().await;
}

#[actix_web::test]
async fn on_call_parking_at_390_px_with_javascript() {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    let email = "inkallad@regionvastmanland.se";
    app.logged_in_user(email).await;
    let b = Browser::start(true).await;
    b.login(&app.url("/"), email, PASSWORD).await;
    b.click("Jag är inkallad").await;
    b.wait_for_heading("Jourparkering").await;
    b.fill("Registreringsnummer", "jour 01").await;
    b.screenshot("oncall-390").await;
    b.click("Starta jourparkering").await;
    b.wait_for_text("Jourparkering pågår").await;
    let text = b.page_text().await;
    assert!(
        text.contains("JOUR01") && text.contains("gäller till"),
        "{text}"
    );
    assert!(b.page_width().await <= 390);
    b.screenshot("oncall-hem-390").await;
    b.click("Avsluta").await;
    b.wait_for_text("Jourparkeringen är avslutad").await;
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    b.close().await;
}
