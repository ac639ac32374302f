//! Issue #36 in Chromium: the operator portal at the office's desk (1280 × 800) and on a
//! phone (390 × 844): Översikt first, the menu marking the page, Katalog's capacity table
//! saved in one go and back at its part, a search by name, Kontroll for a car park; and the
//! attendant ("Kontrollant"), who sees only Kontroll.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::Value;

use crate::browser::{Browser, browser_tests_skipped};
use crate::kit::spawn::spawn_app;
use crate::operator::operator_client;
use crate::payments::{pay, settled};
use crate::permits::bought_permit;

async fn value(b: &Browser, script: &str) -> Value {
    b.client.execute(script, vec![]).await.unwrap()
}

/// Nothing wider than the window.
async fn fits(b: &Browser, page: &str) {
    let wide = value(
        b,
        "const w = document.documentElement.clientWidth;
         if (document.documentElement.scrollWidth <= w) return null;
         return [...document.querySelectorAll('main *, header *')]
           .filter(e => e.getBoundingClientRect().right > w + 0.5).slice(0, 4)
           .map(e => e.tagName.toLowerCase() + '.' + e.className + ' ' + e.id);",
    )
    .await;
    assert!(wide.is_null(), "{page} is wider than the window: {wide}");
}

/// The page's height in screens of the window.
async fn screens(b: &Browser) -> f64 {
    value(
        b,
        "return document.documentElement.scrollHeight / window.innerHeight;",
    )
    .await
    .as_f64()
    .unwrap()
}

/// The element is on the screen (the page came back at the part saved).
async fn in_view(b: &Browser, css: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let script = format!(
        "const r = document.querySelector('{css}').getBoundingClientRect(); \
         return r.bottom > 0 && r.top < window.innerHeight;"
    );
    while value(b, &script).await != Value::Bool(true) {
        assert!(Instant::now() < deadline, "{css} is not on the screen");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn current(b: &Browser) -> String {
    b.client
        .find(Locator::Css("header [aria-current=\"page\"]"))
        .await
        .expect("the menu marks the page")
        .text()
        .await
        .unwrap()
}

async fn desk(desk: bool) {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    let permit = bought_permit(&app, "sara.svensson@regionvastmanland.se").await;
    assert_eq!(pay(&app, &permit, "0701234567").await.status(), 303);
    assert_eq!(settled(&app).await, "paid");
    let email = "olle@regionvastmanland.se";
    operator_client(&app, email).await;
    let b = if desk {
        Browser::start_desk(true).await
    } else {
        Browser::start(true).await
    };
    let size = if desk { "1280" } else { "390" };

    // Översikt first.
    b.login_staff(&app, email, "/operator", "Översikt").await;
    assert_eq!(current(&b).await, "Översikt");
    fits(&b, "Översikt").await;
    b.screenshot(&format!("desk-oversikt-{size}")).await;

    b.click("Katalog").await;
    b.wait_for_heading("Katalog").await;
    assert_eq!(current(&b).await, "Katalog");
    fits(&b, "Katalog").await;
    let tall = screens(&b).await;
    b.screenshot(&format!("desk-katalog-{size}")).await;
    eprintln!("Katalog: {tall:.1} screens at {size}");
    if desk {
        // The demo catalogue fits in about three screens of the desk.
        assert!(tall <= 3.6, "Katalog is {tall:.1} screens tall");
    }
    // The capacity table: one "Spara"; back at the table, saying what changed.
    b.fill("Kapacitet", "12").await;
    b.click("Spara").await;
    b.wait_for_text("Västmanlands sjukhus Västerås, Anställda månads/årskort: 12")
        .await;
    in_view(&b, "#saved").await;
    // A package's price: back at its type, saying the new price.
    let price = b
        .client
        .find(Locator::Css("table.packages input[name=price]"))
        .await
        .unwrap();
    price.clear().await.unwrap();
    price.send_keys("360").await.unwrap();
    let form = price.attr("form").await.unwrap().unwrap();
    b.client
        .find(Locator::Css(&format!("#{form} button")))
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    b.wait_for_text("Ändringen har sparats. 1 månad: 360 kr")
        .await;
    in_view(&b, "#saved").await;
    b.screenshot(&format!("desk-katalog-sparad-{size}")).await;

    b.click("Sök").await;
    b.wait_for_heading("Sök").await;
    b.fill("Sök", "Sara").await;
    b.client
        .find(Locator::Css("main form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_for_text("ABC123").await;
    fits(&b, "Sök").await;
    b.screenshot(&format!("desk-sok-{size}")).await;
    // Results in real columns: the number is the link, with the customer's name and e-mail.
    let row = b.text("table tbody tr").await;
    assert!(
        row.contains("sara.svensson@regionvastmanland.se")
            && row.contains("Västmanlands sjukhus Västerås"),
        "{row}"
    );
    // The operator's permit page: its car park and the check's answer for today.
    b.click("ABC123").await;
    b.wait_for_text("Kontrollens svar i dag").await;
    let permit = b.page_text().await;
    assert!(permit.contains("Västmanlands sjukhus Västerås") && permit.contains("Giltigt"));
    fits(&b, "the permit").await;

    // Kontroll where the attendant stands: another car park says where the permit is valid.
    b.click("Kontroll").await;
    b.wait_for_heading("Kontroll").await;
    b.client
        .find(Locator::Id("car_park"))
        .await
        .unwrap()
        .select_by_label("Lasarettet i Köping")
        .await
        .unwrap();
    b.fill("Registreringsnummer", "ABC123").await;
    b.click("Kontrollera").await;
    b.wait_for_text("Inget giltigt tillstånd här").await;
    assert!(
        b.page_text()
            .await
            .contains("gäller i Västmanlands sjukhus Västerås")
    );
    b.client
        .find(Locator::Id("car_park"))
        .await
        .unwrap()
        .select_by_label("Västmanlands sjukhus Västerås")
        .await
        .unwrap();
    b.click("Kontrollera").await;
    b.wait_for_text("Giltigt här").await;
    fits(&b, "Kontroll").await;
    b.screenshot(&format!("desk-kontroll-{size}")).await;
    b.close().await;
}

#[actix_web::test]
async fn the_office_at_its_desk_1280() {
    desk(true).await;
}

#[actix_web::test]
async fn the_office_on_a_phone_390() {
    desk(false).await;
}

/// A "Kontrollant" on a phone: `/operator` opens Kontroll, the menu is Kontroll alone (with
/// the language and "Logga ut"), every target at least 44 px high, the answer per car park.
#[actix_web::test]
async fn a_kontrollant_on_a_phone_390() {
    use diesel::prelude::*;
    use parkportal::db::schema::users;
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    crate::permits::paid_permit(&app, "bilen@regionvastmanland.se").await;
    let email = "vakt@regionvastmanland.se";
    operator_client(&app, email).await;
    diesel::update(users::table.filter(users::email.eq(email)))
        .set(users::check_only.eq(true))
        .execute(&mut app.conn())
        .unwrap();
    let b = Browser::start(false).await;
    b.login_staff(&app, email, "/operator", "Kontroll").await;
    assert_eq!(current(&b).await, "Kontroll");
    let targets = value(
        &b,
        "return [...document.querySelectorAll('header a, header button')]
           .map(e => [e.textContent.trim(), e.getBoundingClientRect().height]);",
    )
    .await;
    let targets = targets.as_array().unwrap();
    assert!(targets.len() <= 4, "a small menu: {targets:?}");
    for t in targets {
        assert!(
            t[1].as_f64().unwrap() >= 44.0,
            "a target under 44 px: {t:?}"
        );
    }
    b.fill("Registreringsnummer", "ABC123").await;
    b.click("Kontrollera").await;
    b.wait_for_text("Giltigt").await;
    fits(&b, "Kontroll").await;
    b.screenshot("kontrollant-390").await;
    b.close().await;
}
