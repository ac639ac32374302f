//! A case thread in Chromium: "Meddelanden" → "Nytt ärende" → "Skicka", the office answers,
//! the count shows in the top bar, the customer reads and answers.

use diesel::prelude::*;
use parkportal::db::schema::cases;

use crate::browser::{Browser, browser_tests_skipped};
use crate::kit::{flows::PASSWORD, spawn::spawn_app};

#[actix_web::test]
async fn a_case_thread_in_the_browser() {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    let email = "arende@regionvastmanland.se";
    app.logged_in_user(email).await;
    let b = Browser::start(true).await;
    b.login(&app.url("/"), email, PASSWORD).await;
    b.click("Meddelanden").await;
    b.wait_for_heading("Meddelanden").await;
    b.click("Nytt ärende").await;
    b.wait_for_heading("Nytt ärende").await;
    // Nothing typed: the reasons are shown.
    b.click("Skicka").await;
    b.wait_for_text("Skriv ett ämne").await;
    b.fill("Ämne", "Parkering vid jul").await;
    b.fill("Meddelande", "Gäller mitt kort under helgerna?")
        .await;
    b.click("Skicka").await;
    b.wait_for_heading("Ärende: Parkering vid jul").await;
    assert!(
        b.page_text()
            .await
            .contains("Gäller mitt kort under helgerna?")
    );

    let id: parkportal::domain::CaseId = cases::table
        .select(cases::id)
        .first(&mut app.conn())
        .unwrap();
    let base = app.state.link("");
    parkportal::cases::operator_reply(&mut app.conn(), None, id, "Ja, hela perioden.", &base)
        .unwrap();
    b.click("Hem").await;
    b.wait_for_heading("Mina parkeringstillstånd").await;
    assert_eq!(b.text("#unread .badge").await, "1");
    b.click("Meddelanden").await;
    b.wait_for_heading("Meddelanden").await;
    b.click("Parkering vid jul").await;
    b.wait_for_heading("Ärende: Parkering vid jul").await;
    assert!(b.page_text().await.contains("Ja, hela perioden."));
    b.fill("Meddelande", "Tack!").await;
    b.click("Skicka").await;
    b.wait_for_text("Ditt meddelande har skickats").await;
    assert!(b.page_text().await.contains("Tack!"));
    b.screenshot("case-thread").await;
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    b.close().await;
}
