//! Capacity and the queue in Chromium on a phone, with JavaScript: the office sets capacity 1
//! in Katalog; the first buyer has the place; the second sees "Fullt" as soon as the choice is
//! made, queues and sees "Plats 1 i kön" on Hem; the office cancels the first permit; the
//! second follows the offer's link through login, says "Tacka ja", buys and pays; a third
//! finds the car park full.

use std::time::{Duration, Instant};

use fantoccini::Locator;

use crate::browser::{Browser, browser_tests_skipped};
use crate::kit::{
    flows::PASSWORD,
    spawn::{TestApp, spawn_app},
};
use crate::operator::operator_client;
use crate::permits::bought_permit;

/// Clicks the element `css` (a button among others of the same name).
async fn press(b: &Browser, css: &str) {
    let el = b
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    el.send_keys("\u{E007}").await.unwrap();
}

/// Logs in on the login page that `url` leads to (staff with a code from their app too);
/// then that page.
async fn log_in(b: &Browser, app: &TestApp, url: &str, email: &str, heading: &str) {
    use diesel::prelude::*;
    use parkportal::db::schema::users;
    b.goto(url).await;
    b.wait_for_heading("Logga in").await;
    b.fill("E-postadress", email).await;
    b.fill("Lösenord", PASSWORD).await;
    b.click("Logga in").await;
    let role: String = users::table
        .filter(users::email.eq(email))
        .select(users::role)
        .first(&mut app.conn())
        .unwrap();
    if role != "customer" {
        b.wait_for_heading("Tvåstegsverifiering").await;
        let code = crate::kit::mfa::fresh_code(&mut app.conn(), email).await;
        b.fill("Engångskod", &code).await;
        b.click("Verifiera").await;
    }
    b.wait_for_heading(heading).await;
}

async fn log_out(b: &Browser) {
    b.click("Logga ut").await;
    b.wait_for_heading("Logga in").await;
}

#[actix_web::test]
async fn the_last_place_is_sold_once_and_the_queue_gets_the_next() {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    let first = bought_permit(&app, "forst@regionvastmanland.se").await;
    let office = "kontor@regionvastmanland.se";
    operator_client(&app, office).await;
    let second = "andra@regionvastmanland.se";
    let third = "tredje@regionvastmanland.se";
    for email in [second, third] {
        let c = crate::kit::client::client(&app.address);
        crate::kit::flows::register_confirm_login(
            &c,
            &app.address,
            email,
            crate::kit::flows::Inbox::Smtp(app.smtp()),
        )
        .await;
    }

    let b = Browser::start(true).await;
    // The office: capacity 1 for the monthly permit in the first car park.
    log_in(&b, &app, &app.url("/operator/catalogue"), office, "Katalog").await;
    b.fill("Kapacitet", "1").await;
    b.client
        .execute(
            "document.querySelector('form[action=\"/operator/catalogue/capacity\"]').scrollIntoView(); return null;",
            vec![],
        )
        .await
        .unwrap();
    b.screenshot("queue-capacity").await;
    press(&b, "form[action='/operator/catalogue/capacity'] button").await;
    b.wait_for_text("Ändringen har sparats").await;
    log_out(&b).await;

    // The second buyer: "Fullt" as soon as the type is chosen, then the queue.
    b.login(&app.url("/"), second, PASSWORD).await;
    b.click("Köp nytt parkeringstillstånd").await;
    b.wait_for_heading("Köp nytt parkeringstillstånd").await;
    b.choose("Anställda dagkort").await;
    b.wait_for_text("Antal dagar").await;
    assert!(!b.page_text().await.contains("Fullt"));
    b.choose("Anställda månads/årskort").await;
    b.wait_for_text("Fullt").await;
    b.client
        .execute(
            "document.getElementById('availability').scrollIntoView(); return null;",
            vec![],
        )
        .await
        .unwrap();
    b.screenshot("queue-full").await;
    b.click("Ställ dig i kö").await;
    b.wait_for_text("Plats 1 i kön").await;
    let hem = b.page_text().await;
    assert!(
        hem.contains("Du står nu i kön") && hem.contains("1 person står i kön"),
        "{hem}"
    );
    b.screenshot("queue-home").await;
    log_out(&b).await;

    // The office cancels the first permit ("Makulera", then "Ja, makulera").
    let id = first.rsplit('/').next().unwrap();
    let page = format!("/operator/permits/{id}");
    let heading = format!("Parkeringstillstånd #{id} – ABC123");
    log_in(&b, &app, &app.url(&page), office, &heading).await;
    b.click("Makulera").await;
    b.wait_for_text("Ja, makulera").await;
    b.click("Ja, makulera").await;
    b.wait_for_text("Makulerad").await;
    log_out(&b).await;

    // The offer comes by e-mail; its link goes through login.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mail = loop {
        if let Some(m) = app
            .smtp()
            .to(second)
            .into_iter()
            .find(|m| m.subject().starts_with("En plats är ledig"))
        {
            break m;
        }
        assert!(Instant::now() < deadline, "no offer e-mail");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let link = mail.link("/queue/offers/");
    log_in(&b, &app, &link, second, "Erbjudande om plats").await;
    b.screenshot("queue-offer").await;
    b.click("Tacka ja").await;
    b.wait_for_heading("Köp din reserverade plats").await;
    let page = b.page_text().await;
    assert!(!page.contains("Fullt"), "the place is held");
    assert!(page.contains("är reserverad till"), "{page}");
    b.screenshot("queue-offer-order").await;
    b.wait_for_text("12 månader").await;
    b.choose("1 månad").await;
    b.fill("Registreringsnummer", "BBB222").await;
    b.click("Spara och fortsätt").await;
    b.wait_for_heading("Granska och bekräfta").await;
    b.click("Bekräfta").await;
    b.wait_for_heading("Anställda månads/årskort – BBB222")
        .await;
    assert_eq!(b.text("#status").await, "Väntar på betalning");
    b.choose("Swish").await;
    b.fill("Swishnummer", "0701234567").await;
    b.click("Betala nu").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !b.page_text().await.contains("Betalningen är klar") {
        assert!(
            Instant::now() < deadline,
            "never paid: {}",
            b.page_text().await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    log_out(&b).await;

    // A third buyer finds it full.
    log_in(
        &b,
        &app,
        &app.url("/permits/new"),
        third,
        "Köp nytt parkeringstillstånd",
    )
    .await;
    b.choose("Anställda månads/årskort").await;
    b.wait_for_text("Fullt").await;
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    b.close().await;
}

/// Without JavaScript on a 320 px phone: the full car park is said when the wizard opens on
/// it and after "Spara och fortsätt"; "Ställ dig i kö" is a plain form that ends on Hem with
/// the place in line; nothing scrolls sideways.
#[actix_web::test]
async fn joining_the_queue_without_javascript_at_320_px() {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    let office = operator_client(&app, "kontor@regionvastmanland.se").await;
    let buyer = "utan.js@regionvastmanland.se";
    app.logged_in_user(buyer).await;
    let resp = crate::queue::set_capacity(&app, &office, "0").await;
    assert_eq!(resp.status(), 303);

    let b = Browser::start_sized(false, 320).await;
    log_in(
        &b,
        &app,
        &app.url("/permits/new"),
        buyer,
        "Köp nytt parkeringstillstånd",
    )
    .await;
    assert!(
        b.page_text().await.contains("Fullt"),
        "said as the wizard opens"
    );
    b.choose("1 månad").await;
    b.fill("Registreringsnummer", "ABC123").await;
    b.click("Spara och fortsätt").await;
    // Not the buyer's mistake: no error summary, and "Fullt" has the focus (in view).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let focused = b
            .client
            .execute(
                "const a = document.activeElement; \
                 return a && a.getAttribute('aria-labelledby') === 'full-h';",
                vec![],
            )
            .await
            .unwrap();
        if focused == serde_json::Value::Bool(true) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "Fullt never took the focus"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(!b.page_text().await.contains("Det finns ett problem"));
    b.click("Ställ dig i kö").await;
    b.wait_for_text("Plats 1 i kön").await;
    b.screenshot("queue-home-nojs-320").await;
    let width = b
        .client
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap();
    assert!(
        width.as_u64().is_some_and(|w| w <= 320),
        "scroll width {width}"
    );
    b.close().await;
}
