//! Issue 13, account items: the e-mail change needs the password and can be undone from the
//! old address (6), a taken address answers as always (15), my data holds everything (17),
//! `Cache-Control: no-store` on personal data (10), the `lang` cookie is `Secure` under https
//! (16b), and the current password asked by the settings forms is not guessable without end.

use diesel::prelude::*;

use crate::kit::dates::today;
use crate::kit::flows::{package_id, type_id};
use crate::kit::{
    client::client,
    flows::PASSWORD,
    html::hidden_value,
    spawn::{TestApp, spawn_app, spawn_app_with},
};
use crate::payments::{pay, settled};
use crate::permits::bought_permit;
use parkportal::db::schema::{account_tokens, notifications, sessions, users};

fn cache_control(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[actix_web::test]
async fn pages_with_personal_data_are_never_stored_but_assets_stay_immutable() {
    let app = spawn_app().await;
    let permit = bought_permit(&app, "cache@regionvastmanland.se").await;
    assert_eq!(pay(&app, &permit, "0701234567").await.status(), 303);
    assert_eq!(settled(&app).await, "paid");
    let receipt = format!("{permit}/receipt");
    for path in [
        "/",
        "/settings",
        "/settings/payment",
        "/notifications",
        "/messages",
        permit.as_str(),
        receipt.as_str(),
        "/settings/export",
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 200, "GET {path}");
        assert_eq!(cache_control(&resp), "no-store", "GET {path}");
    }
    // A redirect and an error page of a logged-in request, too.
    let resp = app.get("/permits/999999").await;
    assert_eq!(cache_control(&resp), "no-store", "404 logged in");

    // The stylesheet and htmx referenced by a page keep their long, immutable caching.
    let home = app.get_html("/").await;
    let mut assets = 0;
    for part in home.split("\"/assets/").skip(1) {
        let path = format!("/assets/{}", &part[..part.find('"').unwrap()]);
        let resp = app.get(&path).await;
        assert_eq!(resp.status(), 200, "GET {path}");
        let cc = cache_control(&resp);
        assert!(
            cc.contains("immutable") && cc.contains("max-age=31536000"),
            "{path}: {cc}"
        );
        assets += 1;
    }
    assert!(assets >= 2, "the page references its CSS and htmx");
}

#[actix_web::test]
async fn operator_pages_are_never_stored() {
    let app = spawn_app().await;
    let operator = crate::operator::operator_client(&app, "kontroll@regionvastmanland.se").await;
    for path in [
        "/operator/dashboard",
        "/operator/check?regnr=ABC123",
        "/operator/search?q=a",
        "/operator/cases",
    ] {
        let resp = operator.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "GET {path}");
        assert_eq!(cache_control(&resp), "no-store", "GET {path}");
    }
}

#[actix_web::test]
async fn over_https_the_language_cookie_is_secure() {
    let app = spawn_app_with(&[
        ("PUBLIC_URL", "https://parkering.example.se"),
        ("DEMO_MODE", "on"),
    ])
    .await;
    let resp = app.get("/lang/en?next=/login").await;
    assert_eq!(resp.status(), 303);
    let set_cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set_cookie.starts_with("lang=en"), "{set_cookie}");
    assert!(set_cookie.contains("Secure"), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"));

    // Over plain http (the local default) it cannot be Secure, or the browser would drop it.
    let plain = spawn_app().await;
    let resp = plain.get("/lang/en?next=/login").await;
    let set_cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(!set_cookie.contains("Secure"), "{set_cookie}");
}

fn email_of(app: &TestApp, id: i64) -> String {
    users::table
        .find(id)
        .select(users::email)
        .first(&mut app.conn())
        .unwrap()
}

fn id_of(app: &TestApp, email: &str) -> i64 {
    users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap()
}

/// Notifications queued to an address, of one kind.
fn queued(app: &TestApp, to: &str, kind: &str) -> i64 {
    notifications::table
        .filter(notifications::recipient.eq(to))
        .filter(notifications::kind.eq(kind))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

async fn change_email(app: &TestApp, new: &str, password: Option<&str>) -> reqwest::Response {
    let csrf = app.csrf().await;
    let mut form = vec![("csrf", csrf.as_str()), ("new_email", new)];
    if let Some(p) = password {
        form.push(("email_password", p));
    }
    app.post_form("/settings/email", &form).await
}

/// A second browser with a confirmed, logged-in account.
async fn other_browser(app: &TestApp, email: &str) -> reqwest::Client {
    let client = client(&app.address);
    let resp = client
        .post(app.url("/register"))
        .form(&[
            ("email", email),
            ("password", PASSWORD),
            ("mobile", "0701234567"),
            ("name", "Bertil Berg"),
            ("terms", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let link = app.smtp().wait_for(email).await.link("/confirm?token=");
    assert_eq!(client.get(&link).send().await.unwrap().status(), 200);
    let resp = client
        .post(app.url("/login"))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    client
}

#[actix_web::test]
async fn changing_the_email_needs_the_password_and_the_old_address_can_undo_it() {
    let app = spawn_app().await;
    let old = "agnes@example.com";
    let new = "tjuven@example.org";
    app.logged_in_user(old).await;
    let id = id_of(&app, old);
    // A second session of the same account (the phone), which the undo must end too.
    let phone = client(&app.address);
    let resp = phone
        .post(app.url("/login"))
        .form(&[("email", old), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);

    // Without the password, and with a wrong one: refused, the address kept in the form.
    for password in [None, Some("Fel9!losen")] {
        let resp = change_email(&app, new, password).await;
        assert_eq!(resp.status(), 422, "{password:?}");
        let html = resp.text().await.unwrap();
        assert!(html.contains("Fel lösenord"), "{html}");
        assert!(
            html.contains(&format!(r#"value="{new}""#)),
            "typed address kept"
        );
        assert!(
            html.contains(">Lösenord<"),
            "the input is labelled Lösenord"
        );
    }
    assert_eq!(queued(&app, new, "email_change_confirm"), 0);
    assert_eq!(queued(&app, old, "email_change_requested"), 0);
    assert_eq!(email_of(&app, id), old);

    // With the right one: the link goes to the new address, the notice to the old one.
    let resp = change_email(&app, new, Some(PASSWORD)).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/settings?m=email_sent");
    let confirm = app
        .smtp()
        .wait_for(new)
        .await
        .link("/settings/email/confirm?token=");
    let resp = app.client.get(&confirm).send().await.unwrap();
    assert_eq!(resp.headers()["location"], "/settings?m=email_changed");
    assert_eq!(email_of(&app, id), new);

    // The notice to the old address carries the undo link; the link is stored only hashed.
    let notice = app.smtp().wait_for_nth(old, 2).await;
    assert!(notice.text().contains(new));
    let undo = notice.link("/settings/email/undo?token=");
    let token = undo.rsplit_once("token=").unwrap().1.to_string();
    let stored: i64 = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM email_undo_tokens WHERE token_hash = '{token}'"
    ))
    .get_result::<Count>(&mut app.conn())
    .unwrap()
    .n;
    assert_eq!(stored, 0, "the token itself is not in the database");

    // Opening the link changes nothing (a mail scanner may fetch it); its button does it.
    let stranger = client(&app.address);
    let page = stranger.get(&undo).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("Ångra bytet"), "{page}");
    assert_eq!(email_of(&app, id), new);
    let resp = stranger
        .post(app.url("/settings/email/undo"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains("har ångrats"));
    assert_eq!(email_of(&app, id), old, "the old address is back");
    let left: i64 = sessions::table
        .filter(sessions::user_id.eq(id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(left, 0, "every session ended");
    for client in [&app.client, &phone] {
        let resp = client.get(app.url("/settings")).send().await.unwrap();
        assert_eq!(resp.status(), 303, "the session cookie no longer works");
        assert!(
            resp.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login")
        );
    }
    // Single use.
    let again = stranger
        .post(app.url("/settings/email/undo"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("redan använts"));
    assert_eq!(app.login(old, PASSWORD).await.status(), 303);
    assert_eq!(app.login(new, PASSWORD).await.status(), 401);
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[actix_web::test]
async fn an_undo_link_expires_after_seven_days_and_stops_a_change_under_way() {
    let app = spawn_app().await;
    let old = "vera@example.com";
    app.logged_in_user(old).await;
    let id = id_of(&app, old);
    assert_eq!(
        change_email(&app, "ny@example.org", Some(PASSWORD))
            .await
            .status(),
        303
    );
    let undo = app
        .smtp()
        .wait_for_nth(old, 2)
        .await
        .link("/settings/email/undo?token=");
    let confirm = app
        .smtp()
        .wait_for("ny@example.org")
        .await
        .link("/settings/email/confirm?token=");
    let expires: chrono::NaiveDateTime = parkportal::db::schema::email_undo_tokens::table
        .select(parkportal::db::schema::email_undo_tokens::expires_at)
        .first(&mut app.conn())
        .unwrap();
    let days = (expires - chrono::Utc::now().naive_utc()).num_hours();
    assert!(
        (7 * 24 - 1..=7 * 24).contains(&days),
        "valid 7 days: {days} h"
    );
    // Used before the new address was confirmed: the confirmation link no longer works.
    let token = undo.rsplit_once("token=").unwrap().1.to_string();
    let resp = client(&app.address)
        .post(app.url("/settings/email/undo"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(app.login(old, PASSWORD).await.status(), 303);
    let resp = app.client.get(&confirm).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(email_of(&app, id), old);
}

#[actix_web::test]
async fn changing_to_a_taken_address_answers_as_always_and_changes_nothing() {
    let app = spawn_app().await;
    let mine = "mina@example.com";
    let theirs = "deras@example.com";
    let _bertil = other_browser(&app, theirs).await;
    app.logged_in_user(mine).await;
    let me = id_of(&app, mine);
    let them = id_of(&app, theirs);

    // Taken by a live account: the same answer as a free address, no link made.
    let resp = change_email(&app, theirs, Some(PASSWORD)).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/settings?m=email_sent");
    let links: i64 = account_tokens::table
        .filter(account_tokens::purpose.eq("email_change"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(links, 0, "no confirmation link for a taken address");
    // Its owner gets a neutral note that names no other account and asks for nothing.
    let note = app.smtp().wait_for_nth(theirs, 2).await;
    assert!(!note.text().contains(mine) && !note.text().contains("Anna"));
    assert!(!note.text().contains("http"), "no link: {}", note.text());
    // What the requester can see of it (Notifikationer) is what a free address shows.
    let free = "ledig@example.com";
    assert_eq!(change_email(&app, free, Some(PASSWORD)).await.status(), 303);
    let confirm = app.smtp().wait_for(free).await;
    assert_eq!(note.subject(), confirm.subject());
    let mine_listed: Vec<(Option<i64>, String)> = notifications::table
        .filter(notifications::recipient.eq_any([theirs, free]))
        .select((notifications::user_id, notifications::subject))
        .load(&mut app.conn())
        .unwrap();
    let of_theirs: Vec<_> = mine_listed.iter().filter(|(u, _)| *u == Some(me)).collect();
    assert_eq!(
        of_theirs.len(),
        2,
        "both listed under the requester: {mine_listed:?}"
    );
    assert_eq!(of_theirs[0].1, of_theirs[1].1);
    assert_eq!(email_of(&app, me), mine);
    assert_eq!(email_of(&app, them), theirs);

    // A deleted account's placeholder: no 5xx, nothing sent, nothing changed.
    let gone = other_browser(&app, "borta@example.com").await;
    let gone_id = id_of(&app, "borta@example.com");
    let csrf = {
        let html = gone
            .get(app.url("/settings"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        hidden_value(&html, "csrf")
    };
    let resp = gone
        .post(app.url("/settings/delete"))
        .form(&[("csrf", csrf.as_str()), ("delete_password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let placeholder = email_of(&app, gone_id);
    assert!(placeholder.ends_with("@deleted.invalid"), "{placeholder}");
    let resp = change_email(&app, &placeholder, Some(PASSWORD)).await;
    assert!(resp.status().as_u16() < 500, "{}", resp.status());
    assert_eq!(
        queued(&app, &placeholder, "email_change_confirm"),
        0,
        "no link"
    );
    assert_eq!(email_of(&app, me), mine);

    // Free when asked for, taken before the link is clicked (an account moved there, or a
    // deleted account's placeholder): a clear 400, not a 500, and nothing changed.
    for taker in ["later@example.com", "deleted-77@deleted.invalid"] {
        assert_eq!(
            change_email(&app, taker, Some(PASSWORD)).await.status(),
            303
        );
        let link = app
            .smtp()
            .wait_for(taker)
            .await
            .link("/settings/email/confirm?token=");
        diesel::update(users::table.find(them))
            .set(users::email.eq(taker))
            .execute(&mut app.conn())
            .unwrap();
        let resp = app.client.get(&link).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{taker}");
        assert!(resp.text().await.unwrap().contains("används redan"));
        assert_eq!(email_of(&app, me), mine);
    }
}

/// A PDF small but whole (header, one empty page, cross-reference table, trailer).
fn small_pdf() -> Vec<u8> {
    let objects = [
        "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
        "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n",
        "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>\nendobj\n",
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for o in objects {
        offsets.push(pdf.len());
        pdf.extend_from_slice(o.as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(b"xref\n0 4\n0000000000 65535 f \n");
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    pdf
}

async fn open_case(client: &reqwest::Client, app: &TestApp, subject: &str, text: &str) {
    let html = client
        .get(app.url("/messages/new"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_value(&html, "csrf");
    let resp = client
        .post(app.url("/messages/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("subject", subject),
            ("message", text),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "case opened");
}

fn entries<'a>(data: &'a serde_json::Value, key: &str) -> &'a Vec<serde_json::Value> {
    data[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {data:#}"))
}

#[actix_web::test]
async fn my_data_holds_everything_kept_about_me_and_nothing_of_others() {
    let app = spawn_app().await;
    let email = "allt@regionvastmanland.se";
    // A day card with a booked day.
    let card = crate::daycards::paid_day_card(&app, email, today(), 5).await;
    let csrf = app.csrf().await;
    let booked = today() + chrono::Duration::days(1);
    let resp = app
        .post_form(
            &format!("{card}/sessions"),
            &[
                ("csrf", &csrf),
                ("regnr", "DAG123"),
                ("day", &booked.to_string()),
            ],
        )
        .await;
    assert!(
        resp.status().is_success() || resp.status() == 303,
        "{}",
        resp.status()
    );
    // A paid period permit with a temporary number.
    let review = crate::permits::review(
        &app,
        "Anställda månads/årskort",
        "12 månader",
        &today().to_string(),
        "ABC123",
    )
    .await
    .text()
    .await
    .unwrap();
    let permit = crate::permits::confirm(&app, &review).await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(pay(&app, &permit, "0701234567").await.status(), 303);
    assert_eq!(settled(&app).await, "paid");
    let resp = app
        .post_form(
            &format!("{permit}/temporary"),
            &[
                ("csrf", &csrf),
                ("temp_regnr", "HYR111"),
                ("from", &today().to_string()),
                ("to", &(today() + chrono::Duration::days(3)).to_string()),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303, "temporary number");
    // An application with an attachment.
    let html = app.get_html("/permits/new").await;
    let t = type_id(&html, "Extern betalande");
    let details = app
        .get_html(&format!("/permits/new/details?type={t}"))
        .await;
    let p = package_id(&details, "1 månad");
    let resp = app
        .post_form(
            "/permits/new",
            &[
                ("csrf", &csrf),
                ("type", &t),
                ("package", &p),
                ("start", &today().to_string()),
                ("regnr", "APP777"),
                ("car_park", "1"),
                ("organisation", "Mälardalens universitet"),
                ("role", "Student"),
                ("reason", "Praktik på kirurgen"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let review = resp.text().await.unwrap();
    let application = crate::permits::confirm(&app, &review).await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let resp = app
        .client
        .post(app.url(&format!("{application}/attachment")))
        .multipart(
            reqwest::multipart::Form::new()
                .text("csrf", csrf.clone())
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(small_pdf())
                        .file_name("intyg.pdf")
                        .mime_str("application/pdf")
                        .unwrap(),
                ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "attachment stored");
    // A case with the office's answer.
    open_case(
        &app.client,
        &app,
        "Fråga om exporten",
        "Hej, vad sparas om mig?",
    )
    .await;
    let case_id: i64 = parkportal::db::schema::cases::table
        .select(parkportal::db::schema::cases::id)
        .first(&mut app.conn())
        .unwrap();
    let op = crate::operator::operator_client(&app, "olle@regionvastmanland.se").await;
    let page = op
        .get(app.url(&format!("/operator/cases/{case_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let op_csrf = hidden_value(&page, "csrf");
    let resp = op
        .post(app.url(&format!("/operator/cases/{case_id}")))
        .form(&[
            ("csrf", op_csrf.as_str()),
            ("message", "Svar från kontoret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "office reply");
    // The office cancels the period permit with a refund of 100 kr.
    let permit_id = permit.rsplit('/').next().unwrap().to_string();
    let permit_no: i64 = permit_id.parse().unwrap();
    let resp = op
        .post(app.url(&format!("/operator/permits/{permit_id}/cancel")))
        .form(&[
            ("csrf", op_csrf.as_str()),
            ("refund", "100"),
            ("confirm", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "cancelled with refund");
    // Someone else's data.
    let other = other_browser(&app, "annan@example.com").await;
    open_case(&other, &app, "Annans hemlighet", "Inte din sak").await;

    let resp = app.get("/settings/export").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(cache_control(&resp), "no-store");
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body = resp.text().await.unwrap();
    let data: serde_json::Value = serde_json::from_str(&body).unwrap();

    assert_eq!(data["account"]["email"], email);
    let permits = entries(&data, "permits");
    let period = permits
        .iter()
        .find(|p| p["number"] == permit_no)
        .expect("the period permit");
    assert_eq!(period["regnr"], "ABC123");
    assert_eq!(period["state"], "cancelled");
    assert_eq!(period["valid_from"], today().to_string());
    assert!(period["valid_to"].is_string() && period["car_park"]["name"].is_string());
    assert!(
        permits
            .iter()
            .any(|p| p["kind"] == "day_card" || p["days_bought"] == 5)
    );
    assert!(permits.iter().any(|p| p["regnr"] == "APP777"));
    assert!(
        entries(&data, "temporary_regnrs")
            .iter()
            .any(|t| t["regnr"] == "HYR111")
    );
    assert!(
        entries(&data, "day_sessions")
            .iter()
            .any(|d| d["regnr"] == "DAG123" && d["day"] == booked.to_string())
    );
    let payments = entries(&data, "payments");
    assert_eq!(payments.len(), 2, "{payments:#?}");
    assert!(
        payments
            .iter()
            .all(|p| p["method"] == "swish" && p["status"] == "paid")
    );
    let receipts = entries(&data, "receipts");
    assert_eq!(receipts.len(), 2);
    assert!(
        receipts
            .iter()
            .all(|r| r["receipt_number"].is_i64() && r["total"].is_string())
    );
    let refunds = entries(&data, "refunds");
    assert_eq!(refunds.len(), 1, "{refunds:#?}");
    assert_eq!(refunds[0]["amount_ore"], 10_000);
    assert_eq!(refunds[0]["method"], "swish");
    let stored_name: Option<String> = parkportal::db::schema::applications::table
        .select(parkportal::db::schema::applications::attachment_name)
        .first(&mut app.conn())
        .unwrap();
    let apps = entries(&data, "applications");
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["organisation"], "Mälardalens universitet");
    assert_eq!(apps[0]["reason"], "Praktik på kirurgen");
    assert!(stored_name.is_some());
    assert_eq!(apps[0]["attachment_name"], stored_name.unwrap());
    let cases = entries(&data, "cases");
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["subject"], "Fråga om exporten");
    let texts: Vec<&str> = entries(&cases[0], "messages")
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Hej, vad sparas om mig?", "Svar från kontoret"]);
    assert!(!entries(&data, "notifications").is_empty());
    let sessions_out = entries(&data, "sessions");
    assert!(!sessions_out.is_empty());
    assert!(
        sessions_out
            .iter()
            .all(|s| s["created_at"].is_string() && s["last_seen_at"].is_string())
    );

    // Never a session's hash or CSRF token; nothing of the other user or the operator.
    let secrets: Vec<(String, String)> = sessions::table
        .select((sessions::id_hash, sessions::csrf_token))
        .load(&mut app.conn())
        .unwrap();
    for (hash, csrf) in secrets {
        assert!(!body.contains(&hash) && !body.contains(&csrf));
    }
    for foreign in [
        "annan@example.com",
        "Annans hemlighet",
        "Inte din sak",
        "olle@",
        "Bertil",
    ] {
        assert!(!body.contains(foreign), "{foreign} in my export");
    }
}

/// A stolen session cannot guess the current password without end: the forms that ask for
/// it (password, e-mail, delete) count wrong guesses with the account's login limit, in
/// parallel too, and then refuse even the right one for a while.
#[actix_web::test]
async fn the_current_password_cannot_be_guessed_without_end_from_a_session() {
    let app = spawn_app().await;
    let email = "gissa@example.com";
    app.logged_in_user(email).await;
    let hash_of = || -> String {
        users::table
            .filter(users::email.eq(email))
            .select(users::password_hash)
            .first(&mut app.conn())
            .unwrap()
    };
    let before = hash_of();
    let csrf = app.csrf().await;
    let mut guesses = Vec::new();
    for i in 0..12 {
        let (app, csrf) = (&app, csrf.clone());
        guesses.push(async move {
            let guess = format!("Gissning{i}!x");
            let (path, field) = match i % 3 {
                0 => ("/settings/password", "current_password"),
                1 => ("/settings/email", "email_password"),
                _ => ("/settings/delete", "delete_password"),
            };
            app.post_form(
                path,
                &[
                    ("csrf", csrf.as_str()),
                    (field, guess.as_str()),
                    ("new_password", "Nytt8#losen"),
                    ("email", "ny.adress@example.com"),
                ],
            )
            .await
            .text()
            .await
            .unwrap()
        });
    }
    let pages = futures_util::future::join_all(guesses).await;
    let locked = pages
        .iter()
        .filter(|p| p.contains("För många misslyckade inloggningsförsök"))
        .count();
    assert_eq!(locked, 2, "10 guesses checked, 2 refused unchecked");

    // Now even the right password is refused, and nothing changes.
    let resp = app
        .post_form(
            "/settings/password",
            &[
                ("csrf", csrf.as_str()),
                ("current_password", PASSWORD),
                ("new_password", "Nytt8#losen"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("För många misslyckade inloggningsförsök")
    );
    let still: i64 = users::table
        .filter(users::email.eq(email))
        .filter(users::deleted_at.is_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(still, 1, "not deleted");
    assert_eq!(hash_of(), before, "the password was not changed");
    // The guesses from a session do not lock the person out of logging in (issue #34, 9:
    // no limit can be used to lock someone out): logins have limits of their own.
    assert_eq!(app.login(email, PASSWORD).await.status(), 303);
}
