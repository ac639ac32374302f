//! Issue #34, 7 (GDPR art. 15 and 17): "Ladda ner mina uppgifter" holds the person's queue
//! places, offers and login history too; "Ta bort mitt konto" leaves no application text or
//! file, no case message, no Swish number and no login history behind; and the retention
//! round purges what is kept only for a while.

use chrono::Duration;
use diesel::prelude::*;
use parkportal::db::schema::{
    account_tokens, applications, case_messages, cases, login_attempts, notifications, payments,
    queue_entries, users,
};

use crate::kit::flows::PASSWORD;

/// An application as stored: organisation, role, reason, file, file name.
type ApplicationRow = (String, String, String, Option<Vec<u8>>, Option<String>);
use crate::kit::spawn::spawn_app;

#[actix_web::test]
async fn export_holds_queues_and_logins_and_erasure_leaves_nothing_personal() {
    let app = spawn_app().await;
    let email = "sjuk@regionvastmanland.se";
    // A paid permit (Swish, from a payer number), an application with its PDF, a case.
    let permit = crate::permits::bought_permit(&app, email).await;
    assert_eq!(
        crate::payments::pay(&app, &permit, "0701234567")
            .await
            .status(),
        303
    );
    assert_eq!(crate::payments::settled(&app).await, "paid");
    let csrf = app.csrf().await;
    let application = crate::hostile::apply_as_extern(&app, &csrf).await;
    let part = reqwest::multipart::Part::bytes(parkportal::domain::pdf::minimal())
        .file_name("intyg.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let resp = app
        .client
        .post(app.url(&format!("{application}/attachment")))
        .multipart(
            reqwest::multipart::Form::new()
                .text("csrf", csrf.clone())
                .part("file", part),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let html = app.get_html("/messages/new").await;
    let form_csrf = crate::kit::html::hidden_value(&html, "csrf");
    let resp = app
        .post_form(
            "/messages/new",
            &[
                ("csrf", &form_csrf),
                ("subject", "Sjukskrivning"),
                ("message", "Jag är sjukskriven till mars, kan jag pausa?"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let uid: i64 = users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap();
    diesel::insert_into(queue_entries::table)
        .values((
            queue_entries::user_id.eq(uid),
            queue_entries::car_park_id.eq(1_i64),
            queue_entries::permit_type_id.eq(1_i64),
            queue_entries::joined_at.eq(parkportal::clock::now()),
            queue_entries::sort_key.eq(1_i64),
            queue_entries::status.eq("waiting"),
        ))
        .execute(&mut app.conn())
        .unwrap();

    // The export: the queue place, the (no) offers, the logins.
    let data: serde_json::Value = app.get("/settings/export").await.json().await.unwrap();
    assert_eq!(data["queue_entries"].as_array().unwrap().len(), 1, "{data}");
    assert_eq!(data["queue_entries"][0]["status"], "waiting");
    assert!(data["queue_offers"].as_array().unwrap().is_empty());
    let logins = data["logins"].as_array().unwrap();
    assert!(
        logins
            .iter()
            .any(|l| l["success"] == true && l["client"] == "127.0.0.1"),
        "{logins:?}"
    );

    // "Ta bort mitt konto".
    let resp = app
        .post_form(
            "/settings/delete",
            &[("csrf", &csrf), ("delete_password", PASSWORD)],
        )
        .await;
    assert_eq!(resp.headers()["location"], "/login?m=deleted");
    let mut c = app.conn();
    let apps: Vec<ApplicationRow> = applications::table
        .select((
            applications::organisation,
            applications::role,
            applications::reason,
            applications::attachment,
            applications::attachment_name,
        ))
        .load(&mut c)
        .unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(
        apps[0],
        (String::new(), String::new(), String::new(), None, None)
    );
    let bodies: Vec<String> = case_messages::table
        .select(case_messages::body)
        .load(&mut c)
        .unwrap();
    assert!(!bodies.is_empty());
    assert!(bodies.iter().all(|b| b == "(borttaget)"), "{bodies:?}");
    let subjects: Vec<String> = cases::table.select(cases::subject).load(&mut c).unwrap();
    assert!(subjects.iter().all(|s| s == "(borttaget)"), "{subjects:?}");
    let payers: Vec<Option<String>> = payments::table
        .select(payments::payer_alias)
        .load(&mut c)
        .unwrap();
    assert!(!payers.is_empty());
    assert!(payers.iter().all(Option::is_none), "{payers:?}");
    let logins: i64 = login_attempts::table
        .filter(login_attempts::email.eq(email))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(logins, 0);
    // The bookkeeping stays: the payment and its amount.
    let paid: i64 = payments::table
        .filter(payments::status.eq("paid"))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(paid, 1);
}

/// The retention round's purge: login history older than 90 days, links a week past their
/// expiry, notifications delivered over 90 days ago go; newer ones stay.
#[actix_web::test]
async fn the_retention_purge_deletes_only_what_is_past_its_time() {
    let app = spawn_app().await;
    let email = "gammal@regionvastmanland.se";
    app.logged_in_user(email).await;
    let now = parkportal::clock::now();
    let mut c = app.conn();
    for (days, success) in [(100, false), (10, true)] {
        diesel::insert_into(login_attempts::table)
            .values((
                login_attempts::email.eq(email),
                login_attempts::ip.eq("198.51.100.1"),
                login_attempts::success.eq(success),
                login_attempts::at.eq(now - Duration::days(days)),
            ))
            .execute(&mut c)
            .unwrap();
    }
    diesel::update(account_tokens::table)
        .set(account_tokens::expires_at.eq(now - Duration::days(8)))
        .execute(&mut c)
        .unwrap();
    diesel::update(notifications::table)
        .set(notifications::created_at.eq(now - Duration::days(91)))
        .execute(&mut c)
        .unwrap();
    let before_notes: i64 = notifications::table.count().get_result(&mut c).unwrap();
    assert!(before_notes > 0);
    let purged = parkportal::db::retention::purge(&mut c, now).unwrap();
    assert_eq!(purged.login_attempts, 1);
    assert!(purged.links >= 1, "{purged:?}");
    assert_eq!(purged.notifications as i64, before_notes);
    let left: Vec<bool> = login_attempts::table
        .filter(login_attempts::ip.eq("198.51.100.1"))
        .select(login_attempts::success)
        .load(&mut c)
        .unwrap();
    assert_eq!(left, [true]);
    // The person is still logged in: the session was not past its time.
    assert_eq!(app.get("/settings").await.status(), 200);
}
