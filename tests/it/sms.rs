//! SMS through the 46elks API: the real client over HTTP to the 46elks simulator, the user's
//! channel choices, a gateway that is down or failing for good, and the "Notifikationer" page.

use parkportal::domain::status::NotificationStatus;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use parkportal::db::notifications::NotificationRow;
use parkportal::db::schema::{notifications, payments, permits};
use parkportal::notify::sms_sim::{SimMode, SmsSim};

use crate::kit::spawn::{TestApp, spawn_app_with};
use crate::permits::bought_permit;

const API_USER: &str = "u8f2c1e0d9b7a6";
const API_PASSWORD: &str = "B3C2D1E0F9A8B7C6";
/// What `register` typed (070-123 45 67), in E.164.
const MOBILE: &str = "+46701234567";

/// The portal with SMTP and with the 46elks simulator as its SMS gateway.
async fn spawn_with_sms(password: &str, extra: &[(&str, &str)]) -> (TestApp, SmsSim) {
    let sim = SmsSim::start(API_USER, API_PASSWORD).expect("simulator starts");
    let url = sim.url();
    let mut vars = vec![
        ("SMS_46ELKS_URL", url.as_str()),
        ("SMS_46ELKS_USER", API_USER),
        ("SMS_46ELKS_PASSWORD", password),
        ("SMS_FROM", "Parkering"),
    ];
    vars.extend_from_slice(extra);
    (spawn_app_with(&vars).await, sim)
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Chooses the notification channels (and the mobile number) on "Inställningar".
async fn choose_channels(app: &TestApp, mobile: &str, email: bool, sms: bool) {
    let csrf = app.csrf().await;
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("name", "Anna Andersson"),
        ("mobile", mobile),
        ("language", "sv"),
    ];
    if email {
        form.push(("notify_email", "yes"));
    }
    if sms {
        form.push(("notify_sms", "yes"));
        // The number confirmed beforehand (the confirmation itself:
        // `a_number_gets_sms_only_once_confirmed_with_its_code`), so no code SMS goes.
        confirmed_number(app, mobile);
    }
    assert_eq!(app.post_form("/settings", &form).await.status(), 303);
}

/// A fixture: the logged-in user's `mobile` as a number they confirmed.
pub fn confirmed_number(app: &TestApp, mobile: &str) {
    use parkportal::db::schema::{mobile_confirmations, sessions};
    let e164 = parkportal::domain::mobile::MobileNumber::parse(mobile)
        .unwrap()
        .e164()
        .to_string();
    // The user of the newest session: the one this test's client is logged in as.
    let uid: i64 = sessions::table
        .order(sessions::created_at.desc())
        .select(sessions::user_id)
        .first(&mut app.conn())
        .unwrap();
    diesel::delete(mobile_confirmations::table.find(uid))
        .execute(&mut app.conn())
        .unwrap();
    diesel::insert_into(mobile_confirmations::table)
        .values((
            mobile_confirmations::user_id.eq(uid),
            mobile_confirmations::mobile.eq(e164),
            mobile_confirmations::code_hash.eq("fixture"),
            mobile_confirmations::sent_at.eq(parkportal::clock::now()),
            mobile_confirmations::confirmed_at.eq(parkportal::clock::now()),
        ))
        .execute(&mut app.conn())
        .unwrap();
}

/// Pays with the Swish simulator and waits until the payment has its outcome.
async fn pay(app: &TestApp, permit: &str, number: &str) -> String {
    let csrf = app.csrf().await;
    let resp = app
        .post_form(
            &format!("{permit}/pay"),
            &[
                ("csrf", &csrf),
                ("method", "swish"),
                ("swish_number", number),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let mut status = String::new();
    wait_until("the payment settles", || {
        let latest: Vec<String> = payments::table
            .order(payments::id.desc())
            .select(payments::status)
            .limit(1)
            .load(&mut app.conn())
            .unwrap();
        status = latest.into_iter().next().unwrap_or_default();
        !status.is_empty() && status != "pending"
    })
    .await;
    status
}

fn rows(app: &TestApp, kind: &str) -> Vec<NotificationRow> {
    notifications::table
        .filter(notifications::kind.eq(kind))
        .order(notifications::id)
        .select(NotificationRow::as_select())
        .load(&mut app.conn())
        .unwrap()
}

fn row_of(app: &TestApp, kind: &str, channel: &str) -> Option<NotificationRow> {
    rows(app, kind).into_iter().find(|r| r.channel == channel)
}

/// The `<tr>` of the notifications page, as text without tags.
fn table_rows(html: &str) -> Vec<String> {
    let Some(start) = html.find("<tbody>") else {
        return Vec::new();
    };
    let body = &html[start..html[start..].find("</tbody>").unwrap() + start];
    body.split("<tr")
        .skip(1)
        .map(|tr| &tr[tr.find('>').unwrap() + 1..])
        .map(|tr| {
            let mut text = String::new();
            let mut in_tag = false;
            for c in tr.chars() {
                match c {
                    '<' => {
                        in_tag = true;
                        text.push('|');
                    }
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.split('|')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

#[actix_web::test]
async fn a_paid_permit_sends_the_receipt_by_sms_to_the_users_mobile() {
    let (app, sim) = spawn_with_sms(API_PASSWORD, &[]).await;
    let email = "sms-kvitto@regionvastmanland.se";
    let permit = bought_permit(&app, email).await;
    choose_channels(&app, "070-123 45 67", true, true).await;
    assert_eq!(pay(&app, &permit, "0701234567").await, "paid");

    wait_until("the SMS reaches 46elks", || !sim.to(MOBILE).is_empty()).await;
    let sms = sim.to(MOBILE).remove(0);
    assert_eq!(sms.api_user, API_USER, "Basic auth with the API user");
    assert_eq!(sms.from, "Parkering");
    assert!(sms.message.contains("ABC123"), "{}", sms.message);
    assert!(sms.message.contains("kvitto nr"), "{}", sms.message);
    let link = sms.message.split_whitespace().last().unwrap().to_string();
    assert_eq!(link, app.url(&format!("{permit}/receipt")));
    assert!(
        app.get_html(&format!("{permit}/receipt"))
            .await
            .contains("Kvitto")
    );

    // The same notification by e-mail too, as chosen.
    let mail = app.smtp().wait_for_nth(email, 2).await;
    assert!(mail.subject().starts_with("Betalning mottagen"));

    wait_until("the SMS row is marked sent", || {
        row_of(&app, "payment_received", "sms")
            .is_some_and(|r| r.status == NotificationStatus::Sent)
    })
    .await;
    let row = row_of(&app, "payment_received", "sms").unwrap();
    assert_eq!(row.recipient, MOBILE);
    assert_eq!(row.transport.as_deref(), Some("46elks"));
    assert_eq!(row.attempts, 1);
    assert_eq!(row.body_text, sms.message);
    // Account confirmation is e-mail only, whatever the user chose: the gateway heard one SMS.
    assert_eq!(sim.messages().len(), 1);
    assert_eq!(sim.requests(), 1);
    sim.stop().await;
}

#[actix_web::test]
async fn the_users_channel_choice_is_followed() {
    let (app, sim) = spawn_with_sms(API_PASSWORD, &[]).await;
    let email = "kanaler@regionvastmanland.se";
    let permit = bought_permit(&app, email).await;

    // E-mail only (the default): a failed payment is told by e-mail, no SMS.
    choose_channels(&app, "070-123 45 67", true, false).await;
    assert_eq!(pay(&app, &permit, "0700000001").await, "declined");
    let mail = app.smtp().wait_for_nth(email, 2).await;
    assert_eq!(mail.subject(), "Betalningen gick inte igenom");
    let failed = rows(&app, "payment_failed");
    assert_eq!(failed.len(), 1, "one channel, one row");
    assert_eq!(failed[0].channel, "email");

    // SMS only, to a new number: the payment received goes by SMS, no e-mail.
    choose_channels(&app, "073 555 66 77", false, true).await;
    assert_eq!(pay(&app, &permit, "0701234567").await, "paid");
    wait_until("the SMS reaches 46elks", || {
        !sim.to("+46735556677").is_empty()
    })
    .await;
    let received = rows(&app, "payment_received");
    assert_eq!(received.len(), 1, "one channel, one row");
    assert_eq!(received[0].channel, "sms");
    assert_eq!(received[0].recipient, "+46735556677");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(app.smtp().to(email).len(), 2, "no e-mail about the payment");
    assert_eq!(sim.messages().len(), 1, "no SMS about the failed payment");
    assert!(sim.to(MOBILE).is_empty(), "the old number gets nothing");
    sim.stop().await;
}

#[actix_web::test]
async fn an_sms_waits_while_the_gateway_is_down_and_is_sent_once_when_it_is_back() {
    let (app, sim) = spawn_with_sms(API_PASSWORD, &[]).await;
    let email = "nere@regionvastmanland.se";
    let permit = bought_permit(&app, email).await;
    choose_channels(&app, "070-123 45 67", true, true).await;

    // First a gateway that answers 200 with something that is not 46elks's JSON.
    sim.set_mode(SimMode::Garbage);
    assert_eq!(pay(&app, &permit, "0701234567").await, "paid");
    wait_until("a failed attempt on a non-JSON answer", || {
        row_of(&app, "payment_received", "sms").is_some_and(|r| r.attempts >= 1)
    })
    .await;
    let row = row_of(&app, "payment_received", "sms").unwrap();
    assert_eq!(row.status, NotificationStatus::Pending);
    assert!(
        row.last_error
            .as_deref()
            .unwrap_or("")
            .contains("unreadable"),
        "{:?}",
        row.last_error
    );
    // Then 503.
    sim.set_mode(SimMode::Failing(503));
    wait_until("a failed attempt on 503", || {
        row_of(&app, "payment_received", "sms").is_some_and(|r| {
            r.attempts >= 2 && r.last_error.as_deref().unwrap_or("").contains("503")
        })
    })
    .await;
    // The e-mail does not wait for the SMS gateway.
    let mail = app.smtp().wait_for_nth(email, 2).await;
    assert!(mail.subject().starts_with("Betalning mottagen"));
    let page = app.get_html("/notifications").await;
    let listed = table_rows(&page);
    let sms = listed.iter().find(|r| r.contains("| SMS |")).unwrap();
    assert!(sms.ends_with("| Väntar"), "{listed:?}");
    assert!(sim.messages().is_empty());

    sim.set_mode(SimMode::Up);
    wait_until("the SMS is delivered", || !sim.to(MOBILE).is_empty()).await;
    wait_until("the row is sent", || {
        row_of(&app, "payment_received", "sms")
            .is_some_and(|r| r.status == NotificationStatus::Sent)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sim.to(MOBILE).len(), 1, "delivered exactly once");
    let row = row_of(&app, "payment_received", "sms").unwrap();
    assert!(row.attempts >= 3, "{}", row.attempts);
    assert_eq!(row.last_error, None);
    let page = app.get_html("/notifications").await;
    let listed = table_rows(&page);
    let sms = listed.iter().find(|r| r.contains("| SMS |")).unwrap();
    assert!(sms.ends_with("| Skickad"), "{listed:?}");
    sim.stop().await;
}

#[actix_web::test]
async fn an_sms_the_gateway_keeps_refusing_fails_after_the_last_attempt() {
    // Wrong API password: the gateway answers 401 every time.
    let (app, sim) = spawn_with_sms("not-the-password", &[("NOTIFY_MAX_ATTEMPTS", "3")]).await;
    let email = "refuserad@regionvastmanland.se";
    let permit = bought_permit(&app, email).await;
    choose_channels(&app, "070-123 45 67", true, true).await;
    assert_eq!(pay(&app, &permit, "0701234567").await, "paid");
    wait_until("the SMS is given up", || {
        row_of(&app, "payment_received", "sms")
            .is_some_and(|r| r.status == NotificationStatus::Failed)
    })
    .await;
    let row = row_of(&app, "payment_received", "sms").unwrap();
    assert_eq!(row.attempts, 3);
    assert!(
        row.last_error.as_deref().unwrap_or("").contains("401"),
        "{:?}",
        row.last_error
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(sim.requests(), 3, "no attempt after the last one");
    assert!(sim.messages().is_empty());

    // The e-mail went; the page tells which channel failed.
    app.smtp().wait_for_nth(email, 2).await;
    wait_until("the e-mail row is sent", || {
        row_of(&app, "payment_received", "email")
            .is_some_and(|r| r.status == NotificationStatus::Sent)
    })
    .await;
    let page = app.get_html("/notifications").await;
    let listed = table_rows(&page);
    let sms = listed.iter().find(|r| r.contains(MOBILE)).unwrap();
    assert!(
        sms.contains("| SMS |") && sms.ends_with("Misslyckad"),
        "{sms}"
    );
    assert!(sms.contains("Betalning mottagen"), "{sms}");
    let mail = listed
        .iter()
        .find(|r| r.contains(email) && r.contains("Betalning mottagen"))
        .unwrap();
    assert!(
        mail.contains("| E-post |") && mail.ends_with("Skickad"),
        "{mail}"
    );
    sim.stop().await;
}

#[actix_web::test]
async fn the_notifications_page_lists_newest_first_in_swedish_time_twenty_a_page() {
    let (app, sim) = spawn_with_sms(API_PASSWORD, &[]).await;
    let email = "sidor@example.com";
    app.logged_in_user(email).await;
    choose_channels(&app, "070-123 45 67", true, true).await;
    let user = parkportal::db::accounts::user_by_email(&mut app.conn(), email)
        .unwrap()
        .unwrap();
    assert!(user.notify_email && user.notify_sms);
    // Twelve notifications to both channels, written as the portal writes them, one a day
    // from mid-March (winter time, UTC+1) into April (summer time, UTC+2).
    let start = chrono::NaiveDate::from_ymd_opt(2024, 3, 20)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap();
    for i in 1..=12 {
        let message = parkportal::notify::Message {
            subject: format!("Testnotis {i:02}"),
            text: format!("Notis nummer {i}"),
            html: format!("<p>Notis nummer {i}</p>"),
            sms: format!("Parkportal: notis {i}"),
        };
        let at = start + chrono::Duration::days(i);
        let n = parkportal::notify::queue(&mut app.conn(), &user, "test", message, at).unwrap();
        assert_eq!(n, 2, "e-mail and SMS");
    }
    // Not the user's: never listed.
    parkportal::notify::queue_email(
        &mut app.conn(),
        None,
        "annan@example.com",
        "test",
        parkportal::i18n::messages::password_changed(Default::default(), "Annan"),
        start,
    )
    .unwrap();
    app.state.wake_mailbox();
    wait_until("all delivered", || sim.to(MOBILE).len() == 12).await;
    wait_until("all rows sent", || {
        rows(&app, "test")
            .iter()
            .all(|r| r.status == NotificationStatus::Sent)
    })
    .await;

    // 24 rows and the confirmation e-mail (stored today, so the newest): 25.
    let first = app.get_html("/notifications").await;
    let listed = table_rows(&first);
    assert_eq!(listed.len(), 20, "{listed:#?}");
    assert!(listed[0].contains("Bekräfta ditt konto"), "{}", listed[0]);
    // 2024-04-01 10:00 UTC is 12:00 in Stockholm (summer time), one row per channel.
    assert!(
        listed[1].starts_with("2024-04-01 12:00 | "),
        "{}",
        listed[1]
    );
    assert!(listed[1].contains("Testnotis 12") && listed[2].contains("Testnotis 12"));
    let channels: Vec<&str> = listed[1..3]
        .iter()
        .map(|r| r.split(" | ").nth(1).unwrap())
        .collect();
    assert!(channels.contains(&"SMS") && channels.contains(&"E-post"));
    assert!(listed[1..].iter().all(|r| r.ends_with("Skickad")));
    assert!(first.contains(">Nästa</a>") && !first.contains(">Föregående</a>"));
    assert!(first.contains(r#"href="/notifications?sida=2""#));

    let second = app.get_html("/notifications?sida=2").await;
    let listed = table_rows(&second);
    assert_eq!(listed.len(), 5, "{listed:#?}");
    // 2024-03-21 10:00 UTC is 11:00 in Stockholm (winter time).
    assert!(
        listed[4].starts_with("2024-03-21 11:00 | ") && listed[4].contains("Testnotis 01"),
        "{}",
        listed[4]
    );
    assert!(second.contains(">Föregående</a>") && !second.contains(">Nästa</a>"));
    assert!(second.contains(r#"href="/notifications?sida=1""#));
    // Past the end: an empty page, with the way back.
    let third = app.get_html("/notifications?sida=3").await;
    assert!(table_rows(&third).is_empty() && third.contains(">Föregående</a>"));

    for page in [&first, &second, &third] {
        assert!(!page.contains("annan@example.com") && !page.contains("lösenord har ändrats"));
    }

    // In English.
    let csrf = app.csrf().await;
    app.post_form(
        "/settings",
        &[
            ("csrf", &csrf),
            ("name", "Anna Andersson"),
            ("mobile", "0701234567"),
            ("notify_email", "yes"),
            ("notify_sms", "yes"),
            ("language", "en"),
        ],
    )
    .await;
    let english = app.get_html("/notifications").await;
    assert!(english.contains(">Next</a>") && english.contains(">Sent<"));
    assert!(english.contains(">E-mail<") && english.contains(">Channel<"));
    sim.stop().await;
}

#[actix_web::test]
async fn the_expiry_reminder_goes_by_sms_when_that_is_the_choice() {
    let (app, sim) = spawn_with_sms(API_PASSWORD, &[]).await;
    let email = "paminnelse@regionvastmanland.se";
    let permit = bought_permit(&app, email).await;
    choose_channels(&app, "070-123 45 67", false, true).await;
    let end = chrono::Utc::now().date_naive() + chrono::Duration::days(5);
    diesel::update(permits::table)
        .set((permits::state.eq("paid"), permits::end_date.eq(end)))
        .execute(&mut app.conn())
        .unwrap();
    let sent = parkportal::actors::reminders::send_due(&mut app.conn(), &app.address, 7).unwrap();
    assert_eq!(sent, 1);
    app.state.wake_mailbox();
    wait_until("the reminder SMS", || !sim.to(MOBILE).is_empty()).await;
    let sms = sim.to(MOBILE).remove(0);
    assert!(sms.message.contains("ABC123") && sms.message.contains("går ut"));
    assert!(
        sms.message.ends_with(&app.url(&format!("{permit}/renew"))),
        "{}",
        sms.message
    );
    assert_eq!(rows(&app, "permit_expiring").len(), 1, "no e-mail row");
    assert_eq!(
        app.smtp().to(email).len(),
        1,
        "only the confirmation e-mail"
    );
    sim.stop().await;
}

#[actix_web::test]
async fn without_a_gateway_sms_land_on_the_local_mailbox_page() {
    let app = spawn_app_with(&[]).await;
    let email = "lokal-sms@regionvastmanland.se";
    let permit = bought_permit(&app, email).await;
    choose_channels(&app, "070-123 45 67", true, true).await;
    assert_eq!(pay(&app, &permit, "0701234567").await, "paid");
    wait_until("the SMS row is handled", || {
        row_of(&app, "payment_received", "sms")
            .is_some_and(|r| r.status == NotificationStatus::Sent)
    })
    .await;
    let row = row_of(&app, "payment_received", "sms").unwrap();
    assert_eq!(row.transport.as_deref(), Some("mailbox"));
    let page = app.get_html("/dev/mailbox").await;
    assert!(page.contains(MOBILE) && page.contains("Betalning mottagen"));
    assert!(page.contains(&format!(
        r#"href="{}""#,
        app.url(&format!("{permit}/receipt"))
    )));
    // The e-mail went over SMTP, so it is not on the page.
    assert!(!page.contains(email));
}

#[actix_web::test]
async fn the_simulator_answers_like_46elks() {
    let sim = SmsSim::start(API_USER, API_PASSWORD).unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/a1/sms", sim.url());
    let send = |auth: Option<(&str, &str)>, form: Vec<(&'static str, &'static str)>| {
        let mut req = http.post(&url).form(&form);
        if let Some((u, p)) = auth {
            req = req.basic_auth(u, Some(p));
        }
        req.send()
    };
    let good = vec![
        ("from", "Parkering"),
        ("to", "+46701234567"),
        ("message", "Hej"),
    ];
    let resp = send(None, good.clone()).await.unwrap();
    assert_eq!(resp.status(), 401);
    let resp = send(Some((API_USER, "fel")), good.clone()).await.unwrap();
    assert_eq!(resp.status(), 401);
    let auth = Some((API_USER, API_PASSWORD));
    for (form, status, text) in [
        (
            vec![
                ("from", "Parkering"),
                ("to", "0701234567"),
                ("message", "Hej"),
            ],
            403,
            "Invalid to number",
        ),
        (
            vec![
                ("from", "Parkeringsservice"),
                ("to", "+46701234567"),
                ("message", "Hej"),
            ],
            403,
            "Invalid from field",
        ),
        (
            vec![("from", "Parkering"), ("to", "+46701234567")],
            400,
            "Missing key message",
        ),
    ] {
        let resp = send(auth, form).await.unwrap();
        assert_eq!(resp.status(), status);
        assert_eq!(resp.text().await.unwrap(), text);
    }
    assert!(sim.messages().is_empty());
    let resp = send(auth, good.clone()).await.unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "created");
    assert_eq!(body["to"], "+46701234567");
    assert_eq!(body["direction"], "outgoing");
    assert!(body["id"].as_str().unwrap().starts_with('s'));
    assert_eq!(sim.messages()[0].id, body["id"].as_str().unwrap());
    sim.set_mode(SimMode::Failing(503));
    assert_eq!(send(auth, good.clone()).await.unwrap().status(), 503);
    sim.set_mode(SimMode::Up);
    assert_eq!(send(auth, good).await.unwrap().status(), 200);
    assert_eq!(sim.messages().len(), 2);
    assert_eq!(sim.requests(), 8);
    sim.stop().await;
}

/// Issue #34, 8: SMS go only to a number its owner confirmed with a code sent to it, at most a
/// few an hour, and failed payments tried again and again are one message, not five.
#[actix_web::test]
async fn a_number_gets_sms_only_once_confirmed_with_its_code() {
    let (app, sim) = spawn_with_sms(API_PASSWORD, &[]).await;
    let permit = bought_permit(&app, "kod@regionvastmanland.se").await;
    // SMS chosen for a number typed by anyone: a code goes to it, nothing else.
    let csrf = app.csrf().await;
    let form = [
        ("csrf", csrf.as_str()),
        ("name", "Anna Andersson"),
        ("mobile", "070-765 43 21"),
        ("notify_sms", "yes"),
        ("language", "sv"),
    ];
    let resp = app.post_form("/settings", &form).await;
    assert_eq!(
        resp.headers()["location"],
        "/settings?m=sms_code_sent#mobile-h"
    );
    let page = app.get_html("/settings?m=sms_code_sent").await;
    assert!(page.contains(">Kod från SMS</label>") && page.contains(">Bekräfta numret</button>"));
    wait_until("the code SMS", || !sim.messages().is_empty()).await;
    let code_sms = sim.messages();
    assert_eq!(code_sms.len(), 1);
    assert_eq!(code_sms[0].to, "+46707654321");
    // Until confirmed, a failed payment tells by e-mail only.
    pay(&app, &permit, "0700000001").await;
    assert!(
        row_of(&app, "payment_failed", "sms").is_none(),
        "no SMS before the code"
    );
    // A wrong code is said at the field; the right one confirms.
    let resp = app
        .post_form(
            "/settings/mobile/confirm",
            &[("csrf", &csrf), ("code", "000000")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("Koden stämmer inte"));
    let code: String = code_sms[0]
        .message
        .chars()
        .filter(char::is_ascii_digit)
        .take(6)
        .collect();
    let resp = app
        .post_form(
            "/settings/mobile/confirm",
            &[("csrf", &csrf), ("code", &code)],
        )
        .await;
    assert_eq!(resp.headers()["location"], "/settings?m=mobile_confirmed");
    // Five more failed payments within minutes: no second "payment failed" at all.
    for _ in 0..5 {
        pay(&app, &permit, "0700000001").await;
    }
    assert_eq!(
        rows(&app, "payment_failed").len(),
        1,
        "one message, by e-mail"
    );
    // A confirmed number gets no code on asking. At most three codes an hour.
    let resp = app
        .post_form("/settings/mobile/code", &[("csrf", &csrf)])
        .await;
    assert_eq!(resp.headers()["location"], "/settings");
    let form2 = [
        ("csrf", csrf.as_str()),
        ("name", "Anna Andersson"),
        ("mobile", "070-111 11 11"),
        ("notify_sms", "yes"),
        ("language", "sv"),
    ];
    let resp = app.post_form("/settings", &form2).await;
    assert_eq!(
        resp.headers()["location"],
        "/settings?m=sms_code_sent#mobile-h"
    );
    let resp = app
        .post_form("/settings/mobile/code", &[("csrf", &csrf)])
        .await;
    assert_eq!(
        resp.headers()["location"],
        "/settings?m=sms_code_sent#mobile-h"
    );
    let resp = app
        .post_form("/settings/mobile/code", &[("csrf", &csrf)])
        .await;
    assert_eq!(
        resp.headers()["location"],
        "/settings?m=sms_code_limit#mobile-h"
    );
    sim.stop().await;
}
