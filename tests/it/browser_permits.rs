//! Buying a monthly permit and changing its number in Chromium on a phone, JS on and off.

use std::time::{Duration, Instant};

use crate::browser::{Browser, browser_tests_skipped};
use crate::kit::{flows::PASSWORD, spawn::spawn_app};

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
        b.wait_for_text("Antal dagar").await;
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
    b.wait_for_text("12 månader").await;
    b.choose("1 månad").await;
    b.fill("Registreringsnummer", "abc 123").await;
    b.screenshot(&format!("buy-{javascript}")).await;
    b.click("Spara och fortsätt").await;
    b.wait_for_heading("Granska och bekräfta").await;
    assert!(b.page_text().await.contains("ABC123"));
    b.click("Bekräfta").await;
    b.wait_for_heading("Anställda månads/årskort – ABC123")
        .await;
    assert_eq!(b.text("#status").await, "Väntar på betalning");
    b.screenshot(&format!("permit-{javascript}")).await;
    // Unpaid, the page is a payment page: the price and "Betala nu", no number to change.
    let page = b.page_text().await;
    assert!(
        page.contains("Inte betald än") && page.contains("Betala nu"),
        "{page}"
    );
    assert!(!page.contains("Uppdatera") && !page.contains("Inget giltigt tillstånd"));
    // Paid (the payment itself has tests of its own), the number can change.
    let permit = b.client.current_url().await.unwrap().path().to_string();
    crate::kit::db::mark_paid(&mut app.conn(), &permit);
    b.goto(&app.url(&permit)).await;
    b.wait_for_heading("Anställda månads/årskort – ABC123")
        .await;

    // A bad number: the reason is shown beside the field, what was typed is kept.
    b.fill("Registreringsnummer", "!!").await;
    b.click("Uppdatera").await;
    b.wait_for_text("Skriv ett svenskt registreringsnummer")
        .await;
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
    b.wait_for_text("Registreringsnumret har uppdaterats").await;
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

#[actix_web::test]
async fn buy_a_monthly_permit_and_change_its_number_with_javascript() {
    buy_and_change_regnr(true).await;
}

#[actix_web::test]
async fn buy_a_monthly_permit_and_change_its_number_without_javascript() {
    buy_and_change_regnr(false).await;
}

async fn pay_with_swish(javascript: bool) {
    if browser_tests_skipped() {
        return;
    }
    let app = crate::kit::spawn::spawn_app_with(&[("SWISH_SIM_DELAY_MS", "1500")]).await;
    let email = "swish.betalare@regionvastmanland.se";
    crate::permits::bought_permit(&app, email).await;
    let b = Browser::start(javascript).await;
    b.login(&app.url("/"), email, PASSWORD).await;
    b.click("Visa/ändra").await;
    b.wait_for_heading("Anställda månads/årskort – ABC123")
        .await;
    assert_eq!(b.text("#status").await, "Väntar på betalning");
    b.choose("Swish").await;
    b.fill("Swishnummer", "070 123 45 67").await;
    b.click("Betala nu").await;
    b.wait_for_text("Väntar på betalningen").await;
    let waiting = b.page_text().await;
    if !waiting.contains("Betalningen är klar") {
        assert!(waiting.contains("till 070-123 45 67"), "{waiting}");
        assert!(waiting.contains("Godkänn senast kl."), "{waiting}");
    }
    // Only a page that does update itself says so.
    if !javascript {
        assert!(
            !waiting.contains("Sidan uppdateras av sig själv"),
            "{waiting}"
        );
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if b.page_text().await.contains("Betalningen är klar") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never paid: {}",
            b.page_text().await
        );
        if !javascript && b.page_text().await.contains("Uppdatera status") {
            // Without JavaScript the user refreshes with the link.
            tokio::time::sleep(Duration::from_millis(300)).await;
            b.click("Uppdatera status").await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(b.text("#status").await, "Aktiv");
    assert!(b.text("#payment-done").await.contains("ABC123 gäller"));
    b.click("Se kvitto").await;
    b.wait_for_heading("Kvitto").await;
    assert!(
        b.page_text().await.contains("3 850 kr")
            || b.page_text().await.contains("3\u{a0}850\u{a0}kr")
    );
    b.screenshot(&format!("receipt-{javascript}")).await;
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    b.close().await;
}

#[actix_web::test]
async fn pay_with_swish_with_javascript() {
    pay_with_swish(true).await;
}

#[actix_web::test]
async fn pay_with_swish_without_javascript() {
    pay_with_swish(false).await;
}

async fn pay_with_card(javascript: bool) {
    if browser_tests_skipped() {
        return;
    }
    let app = crate::kit::spawn::spawn_app_with(&[]).await;
    let email = "kortbetalare@regionvastmanland.se";
    crate::permits::bought_permit(&app, email).await;
    let b = Browser::start(javascript).await;
    b.login(&app.url("/"), email, PASSWORD).await;
    b.click("Visa/ändra").await;
    b.wait_for_heading("Anställda månads/årskort – ABC123")
        .await;
    let number = b.input_by_label("Swishnummer").await;
    assert!(number.is_displayed().await.unwrap());
    b.choose("Kort").await;
    // No number to give for a card (the stylesheet hides it, with or without JavaScript).
    assert!(!number.is_displayed().await.unwrap());
    b.click("Betala nu").await;
    b.wait_for_heading("Kortbetalning").await;
    b.fill("Kortnummer", "4111 1111 1111 1111").await;
    b.click("Betala").await;
    b.wait_for_heading("Anställda månads/årskort – ABC123")
        .await;
    b.wait_for_text("Betalningen är klar").await;
    assert_eq!(b.text("#status").await, "Aktiv");
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    b.close().await;
}

#[actix_web::test]
async fn pay_by_card_with_javascript() {
    pay_with_card(true).await;
}

#[actix_web::test]
async fn pay_by_card_without_javascript() {
    pay_with_card(false).await;
}

/// On a phone: Swish opens on this phone first; back from the app, the confirmation. And the
/// way out of a payment sent to another phone: cancelled at Swish, the choice again.
async fn swish_on_this_phone_and_the_way_out(javascript: bool) {
    if browser_tests_skipped() {
        return;
    }
    let app = crate::kit::spawn::spawn_app_with(&[("SWISH_SIM_DELAY_MS", "60000")]).await;
    let email = "mobilen@regionvastmanland.se";
    crate::permits::bought_permit(&app, email).await;
    let b = Browser::start(javascript).await;
    b.login(&app.url("/"), email, PASSWORD).await;
    b.click("Visa/ändra").await;
    b.wait_for_heading("Anställda månads/årskort – ABC123")
        .await;
    // To another phone first, then out again.
    b.fill("Swishnummer", "070 123 45 67").await;
    b.click("Betala nu").await;
    b.wait_for_text("Väntar på betalningen").await;
    if javascript {
        b.wait_for_text("Sidan uppdateras av sig själv").await;
    }
    b.screenshot(&format!("payment-waiting-{javascript}")).await;
    b.click("Avbryt och välj annat betalsätt").await;
    b.wait_for_text("Betalningen avbröts. Inget har dragits.")
        .await;
    assert!(!b.page_text().await.contains("Väntar på betalningen"));
    b.screenshot(&format!("payment-choice-{javascript}")).await;
    // The first choice on a phone: Swish right here.
    b.click("Betala med Swish på den här mobilen").await;
    b.wait_for_heading("Swish").await;
    b.click("Betala").await;
    b.wait_for_heading("Anställda månads/årskort – ABC123")
        .await;
    b.wait_for_text("Betalningen är klar").await;
    assert_eq!(b.text("#status").await, "Aktiv");
    b.screenshot(&format!("payment-done-{javascript}")).await;
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    b.close().await;
}

#[actix_web::test]
async fn swish_on_this_phone_and_the_way_out_with_javascript() {
    swish_on_this_phone_and_the_way_out(true).await;
}

#[actix_web::test]
async fn swish_on_this_phone_and_the_way_out_without_javascript() {
    swish_on_this_phone_and_the_way_out(false).await;
}

/// The pages of a PDF: its `/Type /Page` objects (not the `/Type /Pages` tree).
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    ["/Type /Page", "/Type/Page"]
        .iter()
        .map(|marker| {
            text.match_indices(marker)
                .filter(|(at, m)| !text[at + m.len()..].starts_with('s'))
                .count()
        })
        .sum()
}

#[actix_web::test]
async fn the_receipt_prints_on_one_a4_page() {
    if browser_tests_skipped() {
        return;
    }
    let app = crate::kit::spawn::spawn_app_with(&[("SWISH_SIM_DELAY_MS", "50")]).await;
    let email = "utskrift@regionvastmanland.se";
    let permit = crate::permits::bought_permit(&app, email).await;
    assert_eq!(
        crate::payments::pay(&app, &permit, "0701234567")
            .await
            .status(),
        303
    );
    assert_eq!(crate::payments::settled(&app).await, "paid");
    let b = Browser::start(true).await;
    b.login(&app.url("/"), email, PASSWORD).await;
    b.goto(&app.url(&permit)).await;
    b.wait_for_heading("Anställda månads/årskort – ABC123")
        .await;
    b.click("Se kvitto").await;
    b.wait_for_heading("Kvitto").await;
    let on_screen = b.page_text().await;
    for words in ["Kvittonummer", "232100-0172", "ABC123"] {
        assert!(on_screen.contains(words), "{words}");
    }
    let a4 = fantoccini::wd::PrintConfiguration::builder()
        .size(fantoccini::wd::PrintSize::A4)
        .build()
        .unwrap();
    let pdf = b.client.print(a4).await.expect("WebDriver print");
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(format!("{dir}/receipt.pdf"), &pdf).unwrap();
    }
    assert_eq!(pdf_pages(&pdf), 1, "the receipt prints on one A4 page");
    assert!(
        String::from_utf8_lossy(&pdf).contains("/MediaBox [0 0 595.9"),
        "A4 paper"
    );
    // The count is real: the same page made three A4 pages tall prints on more than one.
    b.client
        .execute(
            // Through the CSSOM: the page's CSP refuses inline style attributes.
            "const d = document.createElement('div'); d.style.height = '90cm'; document.querySelector('main').append(d);",
            vec![],
        )
        .await
        .unwrap();
    let a4 = fantoccini::wd::PrintConfiguration::builder()
        .size(fantoccini::wd::PrintSize::A4)
        .build()
        .unwrap();
    let longer = b.client.print(a4).await.expect("WebDriver print");
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(format!("{dir}/longer.pdf"), &longer).unwrap();
    }
    assert!(pdf_pages(&longer) >= 3, "{} pages", pdf_pages(&longer));
    b.close().await;
}

/// "Förnya" near the end of a paid permit, at 320 px without JavaScript: the renewal page
/// says what it renews and from when, asks only the package and the number, and ends in a
/// new permit waiting for payment; a cancelled permit says why and that nothing comes back.
#[actix_web::test]
async fn renew_near_the_end_and_a_cancelled_permit_at_320_px() {
    use diesel::prelude::*;
    use parkportal::db::schema::permits;
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    let email = "fornyare@regionvastmanland.se";
    let permit = crate::permits::bought_permit(&app, email).await;
    let end = crate::kit::dates::today() + chrono::Duration::days(10);
    diesel::update(permits::table)
        .set((permits::state.eq("paid"), permits::end_date.eq(end)))
        .execute(&mut app.conn())
        .unwrap();
    let b = Browser::start_sized(false, 320).await;
    b.login(&app.url("/"), email, PASSWORD).await;
    b.goto(&app.url(&permit)).await;
    b.click("Förnya").await;
    let from = end + chrono::Duration::days(1);
    b.wait_for_heading(&format!("Förnya ABC123 – nytt tillstånd från {from}"))
        .await;
    let width = |b: &Browser| {
        let c = b.client.clone();
        async move {
            c.execute("return document.documentElement.scrollWidth", vec![])
                .await
                .unwrap()
                .as_u64()
                .unwrap()
        }
    };
    assert!(width(&b).await <= 320);
    b.screenshot("renew-320").await;
    b.choose("1 månad").await;
    b.fill("Registreringsnummer", "xyz 98a").await;
    b.click("Spara och fortsätt").await;
    b.wait_for_heading("Granska och bekräfta").await;
    assert!(b.page_text().await.contains(&from.to_string()));
    b.click("Bekräfta").await;
    b.wait_for_heading("Anställda månads/årskort – XYZ98A")
        .await;
    assert_eq!(b.text("#status").await, "Väntar på betalning");

    diesel::update(permits::table.filter(permits::regnr.eq("ABC123")))
        .set(permits::state.eq("cancelled"))
        .execute(&mut app.conn())
        .unwrap();
    b.goto(&app.url(&permit)).await;
    b.wait_for_text("Tillståndet är makulerat").await;
    let text = b.page_text().await;
    assert!(text.contains("Inga pengar betalas tillbaka."), "{text}");
    assert!(
        !text.contains("Uppdatera") && !text.contains("Förnya"),
        "{text}"
    );
    assert!(width(&b).await <= 320);
    b.screenshot("cancelled-320").await;
    b.close().await;
}

/// No dead address after a refused form (#16 item 3), without JavaScript at 320 px: a wrong
/// number posted to `/permits/{id}/regnr` comes back with the error summary ("Fel: " in the
/// title, the number as typed); the language switch from there (a GET of that POST-only
/// address) and opening that address again end on the permit, never on "Sidan finns inte".
#[actix_web::test]
async fn a_refused_form_leaves_no_dead_address() {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    let email = "dod.adress@regionvastmanland.se";
    let permit = crate::permits::paid_permit(&app, email).await;
    let b = Browser::start_sized(false, 320).await;
    b.login(&app.url("/"), email, PASSWORD).await;
    b.goto(&app.url(&permit)).await;
    b.wait_for_heading("Anställda månads/årskort – ABC123")
        .await;
    b.fill("Registreringsnummer", "!!").await;
    b.click("Uppdatera").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while !b.client.title().await.unwrap().starts_with("Fel: ") {
        assert!(Instant::now() < deadline, "no refused page");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let here = b.client.current_url().await.unwrap();
    assert!(here.path().ends_with("/regnr"), "{here}");
    assert_eq!(
        b.input_by_label("Registreringsnummer")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("!!")
    );
    b.click("In English").await;
    b.wait_for_heading("Employee monthly/yearly permit – ABC123")
        .await;
    assert!(!b.page_text().await.contains("Page not found"));
    // Opening the form's address itself (a bookmark, or a reload that sends GET) shows the
    // permit it belongs to.
    b.goto(here.as_str()).await;
    b.wait_for_heading("Employee monthly/yearly permit – ABC123")
        .await;
    assert_eq!(b.client.current_url().await.unwrap().path(), permit);
    b.close().await;
}
