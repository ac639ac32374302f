//! The guide's "Köpa ett dagkort" in Chromium on a phone, with and without JavaScript: buy 5
//! days, pay, book two, see 3 left and "Utfärdad", cancel one, see 4 left.

use std::time::{Duration, Instant};

use chrono::{Datelike, Duration as Days};
use fantoccini::Locator;

use crate::browser::{Browser, browser_tests_skipped};
use crate::kit::{flows::PASSWORD, spawn::spawn_app_with};

/// "Avbryt" on the booked day `day` (YYYY-MM-DD), by the keyboard.
async fn press_avbryt(b: &Browser, day: &str) {
    let css = format!("button[formaction$='/sessions/{day}/cancel']");
    let cancel = b.client.find(Locator::Css(&css)).await.unwrap();
    assert_eq!(cancel.text().await.unwrap(), "Avbryt");
    cancel.send_keys("\u{E007}").await.unwrap();
}

async fn wait_for(b: &Browser, css: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        // The element may be swapped out between finding it and reading it: try again.
        if let Ok(el) = b.client.find(Locator::Css(css)).await
            && el.text().await.is_ok_and(|t| t == want)
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{css} never read {want:?}: {}",
            b.page_text().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_for_css(b: &Browser, css: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while b.client.find(Locator::Css(css)).await.is_err() {
        assert!(Instant::now() < deadline, "never found {css}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// No address this page asked for (itself, its htmx GETs) carries the form's token (#16
/// item 6): the wizard's and the calendar's GETs send only their own fields.
async fn no_token_in_addresses(b: &Browser) {
    let asked = b
        .client
        .execute(
            "return performance.getEntriesByType('navigation').map(e => e.name)\
               .concat(performance.getEntriesByType('resource').map(e => e.name))",
            vec![],
        )
        .await
        .unwrap();
    let asked: Vec<String> = serde_json::from_value(asked).unwrap();
    assert!(!asked.is_empty());
    assert!(
        asked.iter().all(|url| !url.contains("csrf")),
        "the token in an address: {asked:?}"
    );
}

async fn day_card_flow(javascript: bool) {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app_with(&[("SWISH_SIM_DELAY_MS", "300")]).await;
    let email = "dagkort@regionvastmanland.se";
    app.logged_in_user(email).await;
    let b = Browser::start(javascript).await;
    b.login(&app.url("/"), email, PASSWORD).await;

    // Buy: Typ → Startdatum (today) → Antal dagar → Spara och fortsätt → Bekräfta.
    b.click("Köp nytt parkeringstillstånd").await;
    b.wait_for_heading("Köp nytt parkeringstillstånd").await;
    b.choose("Anställda dagkort").await;
    if !javascript {
        b.click("Visa paket för vald typ").await;
        b.wait_for_heading("Köp nytt parkeringstillstånd").await;
    }
    b.wait_for_text("Antal dagar").await;
    no_token_in_addresses(&b).await;
    b.fill("Antal dagar", "5").await;
    b.fill("Registreringsnummer", "abc 123").await;
    b.click("Spara och fortsätt").await;
    b.wait_for_heading("Granska och bekräfta").await;
    assert!(b.page_text().await.contains("200 kr"));
    b.click("Bekräfta").await;
    b.wait_for_heading("Anställda dagkort – ABC123").await;

    // Pay with Swish.
    b.choose("Swish").await;
    b.fill("Swishnummer", "0701234567").await;
    b.click("Betala nu").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !b.page_text().await.contains("Återstående dagar") {
        assert!(Instant::now() < deadline, "never paid");
        if !javascript && b.page_text().await.contains("Uppdatera status") {
            tokio::time::sleep(Duration::from_millis(300)).await;
            b.click("Uppdatera status").await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_for(&b, "#days-left", "5").await;

    // Two days in the month shown (next month's first days when this one is about to end).
    let today = crate::kit::dates::today();
    let moved = (today + Days::days(2)).month() != today.month();
    let (d1, d2) = if !moved {
        (today + Days::days(1), today + Days::days(2))
    } else {
        b.click("Nästa månad").await;
        let first = today
            .with_day(1)
            .unwrap()
            .checked_add_months(chrono::Months::new(1))
            .unwrap();
        b.wait_for_text(&first.format("%Y").to_string()).await;
        (first, first + Days::days(1))
    };
    let words = |d| parkportal::i18n::day_in_words(parkportal::i18n::Lang::Sv.texts(), d);
    let (w1, w2) = (words(d1), words(d2));
    let booking_month = d1.format("%Y-%m").to_string();
    let d1 = d1.to_string();
    b.choose(&w1).await;
    if javascript {
        wait_for(&b, "#chosen", "1").await;
    }
    b.choose(&w2).await;
    if javascript {
        wait_for(&b, "#chosen", "2").await;
    }
    // Month navigation keeps what is ticked (the month buttons submit the booking form).
    let (away, back) = if moved {
        ("Föregående månad", "Nästa månad")
    } else {
        ("Nästa månad", "Föregående månad")
    };
    let shown = |d: chrono::NaiveDate| d.format("%Y-%m").to_string();
    let other = if moved {
        today
    } else {
        today.with_day(1).unwrap() + chrono::Months::new(1)
    };
    b.click(away).await;
    wait_for_css(
        &b,
        &format!("input[name='month'][value='{}']", shown(other)),
    )
    .await;
    b.click(back).await;
    wait_for_css(&b, &format!("input[name='month'][value='{booking_month}']")).await;
    wait_for(&b, "#chosen", "2").await;
    b.screenshot(&format!("daycard-ticked-{javascript}")).await;
    let url_before = b.client.current_url().await.unwrap();
    b.click("Skapa session").await;
    // The notice names the days booked.
    b.wait_for_text(&format!("Dagarna har bokats. Bokade dagar: {w1}, {w2}."))
        .await;
    wait_for(&b, "#days-left", "3").await;
    // The focus is on what happened, swapped in or not (#16 item 8).
    let focused = b
        .client
        .execute("return document.activeElement.textContent", vec![])
        .await
        .unwrap();
    assert!(
        focused
            .as_str()
            .is_some_and(|f| f.starts_with("Dagarna har bokats.")),
        "focus on {focused}"
    );
    if javascript {
        assert_eq!(
            url_before,
            b.client.current_url().await.unwrap(),
            "swapped in place"
        );
    }
    let text = b.page_text().await;
    assert!(
        text.contains("Utfärdad") && text.contains("ABC123"),
        "{text}"
    );
    b.screenshot(&format!("daycard-booked-{javascript}")).await;

    // "Avbryt" on the first session gives the day back at once; the notice names it and
    // offers "Ångra", which books it again with its number. Then "Avbryt" once more.
    press_avbryt(&b, &d1).await;
    b.wait_for_text(&format!(
        "Dagen har avbokats och räknas tillbaka till kortet: {w1} (ABC123)."
    ))
    .await;
    wait_for(&b, "#days-left", "4").await;
    b.screenshot(&format!("daycard-cancelled-{javascript}"))
        .await;
    b.click("Ångra").await;
    b.wait_for_text(&format!("Dagarna har bokats. Bokade dagar: {w1}."))
        .await;
    wait_for(&b, "#days-left", "3").await;
    press_avbryt(&b, &d1).await;
    b.wait_for_text("Dagen har avbokats").await;
    wait_for(&b, "#days-left", "4").await;
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    no_token_in_addresses(&b).await;
    let permit_url = b.client.current_url().await.unwrap();
    b.close().await;

    // At 320 px nothing scrolls sideways (WCAG 1.4.10), the booked days' list included.
    let narrow = Browser::start_sized(javascript, 320).await;
    narrow.login(&app.url("/"), email, PASSWORD).await;
    narrow.goto(permit_url.as_str()).await;
    narrow.wait_for_text("Bokade dagar").await;
    let width = narrow
        .client
        .execute(
            "document.getElementById('booked-h').scrollIntoView(); \
             return document.documentElement.scrollWidth;",
            vec![],
        )
        .await
        .unwrap();
    narrow
        .screenshot(&format!("daycard-list-320-{javascript}"))
        .await;
    // Even at 320 px the whole day cell is the tap target, at least 44 × 44 px, and the day
    // numbers are at least 16 px.
    let sizes = narrow
        .client
        .execute(
            "const r = [...document.querySelectorAll('.cal label')]\
               .map(l => l.getBoundingClientRect());\
             const f = [...document.querySelectorAll('.cal td:not(:empty)')]\
               .map(n => parseFloat(getComputedStyle(n).fontSize));\
             return [r.length, Math.min(...r.map(x => x.width)), \
                     Math.min(...r.map(x => x.height)), Math.min(...f)];",
            vec![],
        )
        .await
        .unwrap();
    let sizes: Vec<f64> = serde_json::from_value(sizes).unwrap();
    assert!(sizes[0] >= 1.0, "no bookable day cell shown: {sizes:?}");
    assert!(
        sizes[1] >= 44.0 && sizes[2] >= 44.0,
        "a day cell is {} × {} px at 320 px",
        sizes[1],
        sizes[2]
    );
    assert!(sizes[3] >= 16.0, "day numbers {} px", sizes[3]);
    assert!(
        width.as_u64().unwrap() <= 320,
        "scroll width {width} at 320 px"
    );

    // Hem: with today free the card is not under "Gäller i dag" (the check would say no): it
    // says "Ingen dag bokad i dag" and offers "Parkera i dag"; one tap books today and says so.
    narrow.goto(&app.url("/")).await;
    narrow.wait_for_text("Ingen dag bokad i dag").await;
    narrow.screenshot(&format!("home-320-{javascript}")).await;
    narrow.click("Parkera i dag (ABC123)").await;
    narrow
        .wait_for_text(&format!(
            "Dagarna har bokats. Bokade dagar: {}.",
            words(today)
        ))
        .await;
    narrow.goto(&app.url("/")).await;
    narrow.wait_for_text("Dagens session").await;
    let home = narrow.page_text().await;
    assert!(
        !home.contains("Parkera i dag") && home.contains("Gäller i dag"),
        "{home}"
    );

    // "Boka flera dagar": every weekday for the coming week, shown first, then booked at
    // once (days left permitting: 3 left after today's).
    narrow.goto(permit_url.as_str()).await;
    narrow.click("Boka flera dagar").await;
    narrow.wait_for_heading("Boka flera dagar – ABC123").await;
    for day in [
        "Måndag", "Tisdag", "Onsdag", "Torsdag", "Fredag", "Lördag", "Söndag",
    ] {
        narrow.choose(day).await;
    }
    let from = today + Days::days(1);
    let to = today + Days::days(3);
    narrow
        .fill("Från och med", &from.format("%m%d%Y").to_string())
        .await;
    narrow
        .fill("Till och med", &to.format("%m%d%Y").to_string())
        .await;
    narrow.click("Visa dagarna").await;
    narrow.wait_for_text("Det blir").await;
    narrow
        .screenshot(&format!("daycard-pattern-320-{javascript}"))
        .await;
    let width = narrow
        .client
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap();
    assert!(width.as_u64().unwrap() <= 320, "scroll width {width}");
    let shown = narrow.page_text().await;
    let free: Vec<_> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| !shown.contains(&format!("{} – dagen är redan bokad", words(*d))))
        .collect();
    narrow.click(&format!("Boka {} dagar", free.len())).await;
    narrow.wait_for_text("Dagarna har bokats.").await;
    wait_for(&narrow, "#days-left", &(3 - free.len()).to_string()).await;
    narrow.close().await;
}

#[actix_web::test]
async fn buy_and_book_a_day_card_with_javascript() {
    day_card_flow(true).await;
}

#[actix_web::test]
async fn buy_and_book_a_day_card_without_javascript() {
    day_card_flow(false).await;
}

/// The same journey in English on a 320 px phone (#15, "in Swedish and English"): buy a day
/// card, pay with Swish and see it done with its receipt, book today from Home; the permit page
/// and Home in English, nothing scrolling sideways.
#[actix_web::test]
async fn a_day_card_in_english_on_a_narrow_phone() {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app_with(&[("SWISH_SIM_DELAY_MS", "300")]).await;
    let email = "english@regionvastmanland.se";
    app.logged_in_user(email).await;
    let b = Browser::start_sized(true, 320).await;
    b.login(&app.url("/"), email, PASSWORD).await;
    b.click("In English").await;
    b.wait_for_heading("My parking permits").await;

    b.click("Buy a new parking permit").await;
    b.wait_for_heading("Buy a new parking permit").await;
    b.choose("Employee day card").await;
    b.wait_for_text("Number of days").await;
    b.fill("Number of days", "5").await;
    b.fill("Registration number", "abc 123").await;
    b.click("Save and continue").await;
    b.wait_for_heading("Review and confirm").await;
    b.click("Confirm").await;
    b.wait_for_heading("Employee day card – ABC123").await;

    b.choose("Swish").await;
    b.fill("Swish number", "0701234567").await;
    b.click("Pay now").await;
    b.wait_for_text("The payment is done").await;
    let done = b.page_text().await;
    assert!(done.contains("See receipt"), "{done}");
    assert!(
        done.contains("You have 5 days to book – book them below."),
        "{done}"
    );
    assert!(done.contains("Days left"), "{done}");
    wait_for(&b, "#days-left", "5").await;
    b.screenshot("daycard-paid-en-320").await;
    let width = b
        .client
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap();
    assert!(
        width.as_u64().unwrap() <= 320,
        "permit page {width} px wide"
    );

    b.goto(&app.url("/")).await;
    b.wait_for_text("No day booked today").await;
    b.click("Park today (ABC123)").await;
    b.wait_for_text("The days have been booked.").await;
    wait_for(&b, "#days-left", "4").await;
    b.goto(&app.url("/")).await;
    b.wait_for_heading("My parking permits").await;
    assert!(!b.page_text().await.contains("Park today"));
    let width = b
        .client
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap();
    assert!(width.as_u64().unwrap() <= 320, "Home {width} px wide");
    b.screenshot("home-en-320").await;
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    b.close().await;
}
