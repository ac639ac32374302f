//! "Meddelanden": a case with the parking office from start to reply, unread counts, the
//! reply notification with its link, bad input, and nobody reading another's case.

use diesel::prelude::*;
use parkportal::db::schema::{case_messages, cases, notifications};

use crate::kit::{
    client::client,
    spawn::{TestApp, spawn_app},
};
use crate::permits::{bought_permit, spawn_other_user};

async fn open_case(app: &TestApp, subject: &str, message: &str, permit: &str) -> reqwest::Response {
    let csrf = app.csrf().await;
    app.post_form(
        "/messages/new",
        &[
            ("csrf", &csrf),
            ("subject", subject),
            ("message", message),
            ("permit", permit),
        ],
    )
    .await
}

/// The parking office answers through the service the operator portal uses.
fn office_replies(app: &TestApp, case_id: i64, text: &str) {
    let case_id = parkportal::domain::CaseId::from(case_id);
    let base = app.state.link("");
    parkportal::cases::operator_reply(&mut app.conn(), None, case_id, text, &base).unwrap();
}

fn unread_badge(html: &str) -> Option<String> {
    crate::kit::html::text(html, "#unread .badge")
}

#[actix_web::test]
async fn a_case_from_question_to_reply() {
    let app = spawn_app().await;
    // The parking office's staff hear of each message a customer writes.
    let office = "kontoret@regionvastmanland.se";
    crate::operator::operator_client(&app, office).await;
    let email = "fraga@regionvastmanland.se";
    let permit = bought_permit(&app, email).await;
    let permit_id = permit.rsplit('/').next().unwrap();
    let page = app.get_html("/messages").await;
    assert!(page.contains(">Nytt ärende</a>") && page.contains("inga ärenden"));
    let form = app
        .get_html(&format!("/messages/new?permit={permit_id}"))
        .await;
    assert!(form.contains("<label for=\"subject\">Ämne</label>"));
    assert!(form.contains("<label for=\"message\">Meddelande</label>"));
    assert!(form.contains(&format!("<option value=\"{permit_id}\" selected")));

    let resp = open_case(
        &app,
        "Fel bil",
        "Jag har bytt bil.\nVad gör jag?",
        permit_id,
    )
    .await;
    assert_eq!(resp.status(), 303);
    let thread_url = resp.headers()["location"].to_str().unwrap().to_string();
    let thread = app.get_html(&thread_url).await;
    assert!(thread.contains("Ditt meddelande har skickats"));
    assert!(thread.contains("Jag har bytt bil.\nVad gör jag?"));
    assert!(thread.contains(&format!("href=\"/permits/{permit_id}\"")));
    let case_id: i64 = cases::table
        .select(cases::id)
        .first(&mut app.conn())
        .unwrap();
    assert!(unread_badge(&app.get_html("/").await).is_none());
    let told = app.smtp().wait_for_nth(office, 2).await;
    assert!(
        told.subject()
            .contains("Nytt meddelande i ärendet: Fel bil")
    );
    assert!(
        told.link("/operator/cases/")
            .ends_with(&format!("/operator/cases/{case_id}"))
    );

    // The office answers: the count shows in the top bar and an e-mail links to the case.
    office_replies(&app, case_id, "Byt registreringsnummer under Visa/ändra.");
    let home = app.get_html("/").await;
    assert_eq!(unread_badge(&home).as_deref(), Some("1"), "{home}");
    let poll = app.get_html("/messages/unread").await;
    assert!(poll.starts_with("<span id=\"unread\"") && poll.contains(">1<"));
    // The poll carries the count shown: unchanged is 204 (nothing swapped, nothing announced
    // again by the live region around the badge), changed is the new badge (#16 item 8).
    assert!(
        home.contains("hx-get=\"/messages/unread?seen=1\""),
        "{home}"
    );
    assert!(poll.contains("1 olästa"), "{poll}");
    assert_eq!(app.get("/messages/unread?seen=1").await.status(), 204);
    let changed = app.get("/messages/unread?seen=0").await;
    assert_eq!(changed.status(), 200);
    assert!(changed.text().await.unwrap().contains("seen=1"));
    assert_eq!(
        crate::kit::html::attr(&home, "li:has(> #unread)", "aria-live").as_deref(),
        Some("polite")
    );
    let list = app.get_html("/messages").await;
    assert!(list.contains("Fel bil") && list.contains("1 olästa"));
    let mail = app.smtp().wait_for_nth(email, 2).await;
    let link = mail.link("/messages/");
    assert!(link.ends_with(&format!("/messages/{case_id}")), "{link}");
    // The link goes through login and lands on the case.
    let stranger = client(&app.address);
    let resp = stranger.get(&link).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    let to = resp.headers()["location"].to_str().unwrap();
    assert!(to.contains("/login?next=%2Fmessages%2F"), "{to}");

    // Reading the thread marks the reply read.
    let thread = app.get_html(&thread_url).await;
    assert!(thread.contains("Parkeringsservice") && thread.contains("Byt registreringsnummer"));
    assert!(unread_badge(&thread).is_none());
    assert!(unread_badge(&app.get_html("/").await).is_none());
    let read: i64 = case_messages::table
        .filter(case_messages::read_at.is_not_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(
        read, 2,
        "the customer's message (read by the office) and the reply"
    );

    // The customer answers in the thread.
    let csrf = app.csrf().await;
    let resp = app
        .post_form(
            &format!("/messages/{case_id}"),
            &[("csrf", &csrf), ("message", "Tack!")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let thread = app.get_html(&format!("/messages/{case_id}")).await;
    assert!(thread.contains("Tack!"));
    let kinds: Vec<String> = notifications::table
        .select(notifications::kind)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(kinds.iter().filter(|k| *k == "case_reply").count(), 1);
    // The office is told of the customer's answer too, not of its own.
    assert_eq!(
        kinds.iter().filter(|k| *k == "case_from_customer").count(),
        2
    );
    let told = app.smtp().wait_for_nth(office, 3).await;
    assert!(told.subject().contains("Fel bil"));
}

#[actix_web::test]
async fn bad_input_is_explained_and_kept() {
    let app = spawn_app().await;
    app.logged_in_user("fel@regionvastmanland.se").await;
    let resp = open_case(&app, "   ", "", "").await;
    assert_eq!(resp.status(), 422);
    let page = resp.text().await.unwrap();
    // Each empty field says what to do (#16 item 1), not how long it may be.
    assert!(page.contains("Skriv ett ämne.") && page.contains("Skriv ett meddelande."));
    assert!(!page.contains("högst"));
    let long = "å".repeat(121);
    let resp = open_case(&app, &long, "<script>alert(1)</script>", "").await;
    assert_eq!(resp.status(), 422);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("Ämnet får vara högst 120 tecken.") && !page.contains("Skriv ett meddelande")
    );
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;</textarea>"));
    assert!(!page.contains("<script>alert"));
    assert!(page.contains(&long));
    // A permit that is not the user's (or not a number).
    for permit in ["999", "x"] {
        let resp = open_case(&app, "Hej", "Text", permit).await;
        assert_eq!(resp.status(), 422, "{permit}");
        assert!(
            resp.text()
                .await
                .unwrap()
                .contains("Välj ett av dina parkeringstillstånd")
        );
    }
    // Without the form's token nothing is stored.
    let resp = app
        .post_form("/messages/new", &[("subject", "Hej"), ("message", "Text")])
        .await;
    assert_eq!(resp.status(), 403);
    let n: i64 = cases::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(n, 0);
    // An empty reply is refused and the thread shown again.
    assert_eq!(open_case(&app, "Hej", "Text", "").await.status(), 303);
    let id: i64 = cases::table
        .select(cases::id)
        .first(&mut app.conn())
        .unwrap();
    let csrf = app.csrf().await;
    let resp = app
        .post_form(
            &format!("/messages/{id}"),
            &[("csrf", &csrf), ("message", " ")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("Skriv ett meddelande"));
}

#[actix_web::test]
async fn nobody_reads_or_writes_in_anothers_case() {
    let app = spawn_app().await;
    app.logged_in_user("agare@regionvastmanland.se").await;
    assert_eq!(open_case(&app, "Privat", "Hemligt", "").await.status(), 303);
    let id: i64 = cases::table
        .select(cases::id)
        .first(&mut app.conn())
        .unwrap();
    let other = client(&app.address);
    let csrf = spawn_other_user(&app, &other).await;
    let resp = other
        .get(app.url(&format!("/messages/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert!(!resp.text().await.unwrap().contains("Hemligt"));
    let resp = other
        .post(app.url(&format!("/messages/{id}")))
        .form(&[("csrf", csrf.as_str()), ("message", "Intrång")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let list = other
        .get(app.url("/messages"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!list.contains("Privat"));
    let n: i64 = case_messages::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(n, 1);
}
