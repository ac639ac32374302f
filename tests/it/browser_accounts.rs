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
    b.fill("E-postadress", email).await;
    b.fill("Lösenord", PASSWORD).await;
    b.fill("Mobilnummer", "070-123 45 67").await;
    b.fill("Namn", "Britt Browser").await;
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
    let b = Browser::start(javascript).await;
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
