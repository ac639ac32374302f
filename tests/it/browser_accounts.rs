//! The guide's first sections in Chromium on a phone, with JavaScript on and off.

use fantoccini::Locator;

use crate::browser::{Browser, browser_tests_skipped};
use crate::kit::{flows::PASSWORD, spawn::spawn_app};

async fn register_confirm_login(javascript: bool) {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    let b = Browser::start(javascript).await;
    let email = "browser.user@regionvastmanland.se";

    b.goto(&app.url("/")).await;
    b.click("Registrera ny användare").await;
    b.wait_for_heading("Registrera ny användare").await;
    // A refused form (#16 item 1): "Fel: " in the title, the error summary focused, one link
    // per wrong field that takes the focus to the field, and what was typed still there.
    b.fill("E-postadress", email).await;
    b.fill("Lösenord", PASSWORD).await;
    b.fill("Mobilnummer", "12").await;
    b.fill("Namn", "Britt Browser").await;
    b.click("Registrera").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !b.client.title().await.unwrap().starts_with("Fel: ") {
        assert!(
            std::time::Instant::now() < deadline,
            "no 'Fel: ' in the title"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let focused = b
        .client
        .execute("return document.activeElement.id", vec![])
        .await
        .unwrap();
    assert_eq!(focused, "error-summary", "the summary has the focus");
    let links = b
        .client
        .execute(
            "return [...document.querySelectorAll('#error-summary a')].map(a => a.getAttribute('href'))",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(links, serde_json::json!(["#mobile", "#terms"]));
    b.client
        .find(Locator::Css("#error-summary a"))
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    let focused = b
        .client
        .execute("return document.activeElement.id", vec![])
        .await
        .unwrap();
    assert_eq!(focused, "mobile", "the link takes the focus to its field");
    assert_eq!(
        b.input_by_label("E-postadress")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some(email),
        "what was typed is kept"
    );
    b.fill("Lösenord", PASSWORD).await;
    // "Visa lösenord" (issue #35, 7): with JavaScript, a box that shows what is typed; without,
    // no box that would do nothing.
    let shown = |b: &Browser| {
        let c = b.client.clone();
        async move {
            c.execute(
                "const box = document.getElementById('password-show'); return [!box.closest('.reveal').hidden, document.getElementById('password').type]",
                vec![],
            )
            .await
            .unwrap()
        }
    };
    if javascript {
        assert_eq!(shown(&b).await, serde_json::json!([true, "password"]));
        b.choose("Visa lösenord").await;
        assert_eq!(shown(&b).await, serde_json::json!([true, "text"]));
    } else {
        assert_eq!(shown(&b).await, serde_json::json!([false, "password"]));
    }
    b.fill("Mobilnummer", "070-123 45 67").await;
    b.input_by_label("villkoren")
        .await
        .send_keys(" ")
        .await
        .unwrap();
    b.click("Registrera").await;
    b.wait_for_heading("Kontrollera din e-post").await;

    let link = app.smtp().wait_for(email).await.link("/confirm?token=");
    b.goto(&link).await;
    b.wait_for_heading("Kontot är bekräftat").await;
    b.fill("E-postadress", email).await;
    b.fill("Lösenord", PASSWORD).await;
    b.click("Logga in").await;
    b.wait_for_heading("Mina parkeringstillstånd").await;
    if !javascript {
        let htmx: serde_json::Value = b
            .client
            .execute("return typeof htmx", vec![])
            .await
            .unwrap_or(serde_json::Value::Null);
        assert_ne!(
            htmx,
            serde_json::json!("object"),
            "page scripts are really off"
        );
    }
    // On a phone the rest sits behind "Meny" (CONTRACT.md), which opens without JavaScript.
    b.client
        .find(Locator::XPath("//summary[normalize-space()='Meny']"))
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    let bar = b.text("header").await;
    for word in [
        "Hem",
        "Köp nytt parkeringstillstånd",
        "Meddelanden",
        "Notifikationer",
        "Inställningar",
        "Betalinställningar",
        "Logga ut",
    ] {
        assert!(bar.contains(word), "top bar lacks {word}: {bar}");
    }
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");

    b.click("Logga ut").await;
    b.wait_for_heading("Logga in").await;
    assert!(b.page_text().await.contains("Du är utloggad."));
    b.close().await;
}

#[actix_web::test]
async fn register_confirm_and_log_in_with_javascript() {
    register_confirm_login(true).await;
}

#[actix_web::test]
async fn register_confirm_and_log_in_without_javascript() {
    register_confirm_login(false).await;
}

async fn reset_password(javascript: bool) {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    let email = "glomsk@example.com";
    app.logged_in_user(email).await;
    // Without JavaScript on the narrowest phone: the pages after the reset fit it too.
    let width = if javascript { 390 } else { 320 };
    let b = Browser::start_sized(javascript, width).await;
    b.goto(&app.url("/")).await;
    b.click("Glömt lösenord").await;
    b.wait_for_heading("Glömt lösenord").await;
    b.fill("E-postadress", email).await;
    b.click("Skicka återställningslänk").await;
    b.wait_for_heading("Glömt lösenord").await;
    assert!(b.page_text().await.contains("återställningslänk"));

    let link = app
        .smtp()
        .wait_for_nth(email, 2)
        .await
        .link("/reset-password?token=");
    b.goto(&link).await;
    b.wait_for_heading("Välj nytt lösenord").await;
    b.fill("Nytt lösenord", "kort").await;
    b.click("Spara lösenord").await;
    // The answer comes on a page with the same heading: wait for what it says.
    b.wait_for_text("minst 8 tecken").await;
    b.fill("Nytt lösenord", "Nytt8#losen").await;
    b.click("Spara lösenord").await;
    b.wait_for_text("Lösenordet har återställts").await;
    let scroll = b
        .client
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap();
    assert!(
        scroll.as_u64().is_some_and(|w| w <= u64::from(width)),
        "{scroll} px wide at {width} px after the reset"
    );
    let notice = b
        .client
        .find(Locator::XPath(
            "//*[normalize-space()='Lösenordet har återställts']",
        ))
        .await
        .expect("the success message");
    let colour = notice.css_value("background-color").await.unwrap();
    assert!(
        colour.contains("227, 242, 232"),
        "green notice, got {colour}"
    );
    b.fill("E-postadress", email).await;
    b.fill("Lösenord", "Nytt8#losen").await;
    b.click("Logga in").await;
    b.wait_for_heading("Mina parkeringstillstånd").await;
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    b.close().await;
}

#[actix_web::test]
async fn reset_a_forgotten_password_with_javascript() {
    reset_password(true).await;
}

#[actix_web::test]
async fn reset_a_forgotten_password_without_javascript() {
    reset_password(false).await;
}

/// The height of the page's top bar in CSS pixels.
async fn bar_height(b: &Browser) -> f64 {
    b.client
        .execute(
            "return document.querySelector('header').getBoundingClientRect().height",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap()
}

/// Each of `words` is shown in the top bar.
async fn bar_shows(b: &Browser, words: &[&str], width: u32) {
    for words in words {
        let shown = b
            .client
            .find(Locator::XPath(&format!(
                "//header//*[normalize-space()='{words}']"
            )))
            .await
            .unwrap_or_else(|_| panic!("{words} in the bar"));
        assert!(
            shown.is_displayed().await.unwrap(),
            "{words} visible at {width}"
        );
    }
}

/// The logged-in frame on a phone (#15 §5): the brand and the three most used links in one
/// low bar, the rest behind "Meny" (a `<details>`, so it opens without JavaScript too), the
/// page you are on marked.
async fn the_frame_on_a_phone(javascript: bool) {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    let email = "ram@regionvastmanland.se";
    app.logged_in_user(email).await;
    for width in [390, 360, 320] {
        let b = Browser::start_sized(javascript, width).await;
        b.goto(&app.url("/login")).await;
        let logged_out = bar_height(&b).await;
        assert!(
            logged_out <= 80.0,
            "logged-out header {logged_out} px at {width}"
        );
        b.login(&app.url("/"), email, PASSWORD).await;
        let height = bar_height(&b).await;
        b.screenshot(&format!("frame-{width}-{javascript}")).await;
        eprintln!("top bar {height} px at {width} (logged out {logged_out} px)");
        // One row under the brand at every phone width ("Köp nytt parkerings-tillstånd" may
        // break after its joint at 320 px).
        assert!(height <= 80.0, "top bar {height} px at {width}");
        let scroll = b
            .client
            .execute("return document.documentElement.scrollWidth", vec![])
            .await
            .unwrap()
            .as_f64()
            .unwrap();
        assert!(scroll <= f64::from(width), "{scroll} px wide at {width}");
        bar_shows(
            &b,
            &[
                "Parkportal Region Västmanland",
                "Hem",
                "Köp nytt parkeringstillstånd",
                "Meddelanden",
                "Meny",
            ],
            width,
        )
        .await;
        let current = b
            .client
            .find(Locator::Css("header a[aria-current=page]"))
            .await
            .unwrap();
        assert_eq!(current.text().await.unwrap(), "Hem");
        let logout = b
            .client
            .find(Locator::XPath(
                "//header//button[normalize-space()='Logga ut']",
            ))
            .await
            .unwrap();
        assert!(!logout.is_displayed().await.unwrap(), "behind Meny");
        // "Meny" opens with the keyboard; its links are at least 44 px high.
        b.client
            .find(Locator::XPath("//summary[normalize-space()='Meny']"))
            .await
            .unwrap()
            .send_keys("\u{E007}")
            .await
            .unwrap();
        assert!(logout.is_displayed().await.unwrap(), "shown by Meny");
        b.screenshot(&format!("frame-menu-{width}-{javascript}"))
            .await;
        let heights = b
            .client
            .execute(
                "return [...document.querySelectorAll('header a, header summary, header button')]\
                 .map(e => e.getBoundingClientRect().height)",
                vec![],
            )
            .await
            .unwrap();
        for h in heights.as_array().unwrap() {
            assert!(
                h.as_f64().unwrap() >= 44.0,
                "a target {h} px high at {width}"
            );
        }
        b.click("Inställningar").await;
        b.wait_for_heading("Inställningar").await;
        let current = b
            .client
            .find(Locator::Css("header a[aria-current=page]"))
            .await
            .unwrap();
        // Behind "Meny" (closed again on the new page), still marked.
        assert_eq!(
            current.prop("textContent").await.unwrap().as_deref(),
            Some("Inställningar")
        );
        let wide = b
            .client
            .execute("return document.documentElement.scrollWidth", vec![])
            .await
            .unwrap();
        assert!(
            wide.as_f64().unwrap() <= f64::from(width),
            "{wide} at {width}"
        );
        if width == 320 {
            // In English the bar is as low, with the same links in the row.
            b.click("In English").await;
            b.wait_for_heading("Settings").await;
            let height = bar_height(&b).await;
            assert!(height <= 80.0, "English top bar {height} px at {width}");
            bar_shows(
                &b,
                &[
                    "Parkportal Region Västmanland",
                    "Home",
                    "Buy a new parking permit",
                    "Messages",
                    "Menu",
                ],
                width,
            )
            .await;
            b.screenshot(&format!("frame-en-{width}-{javascript}"))
                .await;
        }
        b.close().await;
    }
    // On a wide screen everything is in the bar and there is no "Meny".
    let b = Browser::start_sized(javascript, 1024).await;
    b.login(&app.url("/"), email, PASSWORD).await;
    b.screenshot(&format!("frame-1024-{javascript}")).await;
    // (WebDriver counts anything in a closed <details> as hidden; the browser shows it.)
    let shown = b
        .client
        .execute(
            "return document.querySelector('header form button').checkVisibility()",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(shown, serde_json::json!(true), "Logga ut in the bar");
    let menu = b.client.find(Locator::Css("header summary")).await.unwrap();
    assert!(
        !menu.is_displayed().await.unwrap(),
        "no Meny on a wide screen"
    );
    b.close().await;
}

#[actix_web::test]
async fn the_frame_on_a_phone_with_javascript() {
    the_frame_on_a_phone(true).await;
}

#[actix_web::test]
async fn the_frame_on_a_phone_without_javascript() {
    the_frame_on_a_phone(false).await;
}

/// Betalinställningar: the Swish number is hidden while "Kort" is chosen and shown again for
/// Swish, by the stylesheet alone (#16 item 6).
#[actix_web::test]
async fn the_swish_number_is_asked_only_for_swish() {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    let email = "betalsatt@regionvastmanland.se";
    app.logged_in_user(email).await;
    let b = Browser::start_sized(false, 320).await;
    b.login(&app.url("/"), email, PASSWORD).await;
    b.goto(&app.url("/settings/payment")).await;
    b.wait_for_heading("Betalinställningar").await;
    let number = b.input_by_label("Swishnummer").await;
    b.choose("Kort").await;
    assert!(!number.is_displayed().await.unwrap(), "hidden for Kort");
    b.choose("Swish").await;
    assert!(number.is_displayed().await.unwrap(), "shown for Swish");
    b.close().await;
}
