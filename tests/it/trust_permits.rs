//! Issue #13: what may be done to a permit follows one table of actions × kinds × states;
//! everything else is refused with a clear Swedish message and a 4xx status.

use chrono::Duration;
use diesel::prelude::*;
use parkportal::db::schema::{permits, temporary_regnrs};

use crate::daycards::{book, buy_day_card, paid_day_card};
use crate::kit::dates::today;
use crate::kit::spawn::{TestApp, spawn_app_with};
use crate::operator::{KEY, KEYS, check};
use crate::payments::pay;
use crate::permits::{bought_permit, confirm};

fn permit_id(path: &str) -> i64 {
    path.rsplit('/').next().unwrap().parse().unwrap()
}

fn set_state(app: &TestApp, permit: &str, state: &str) {
    diesel::update(permits::table.find(permit_id(permit)))
        .set(permits::state.eq(state))
        .execute(&mut app.conn())
        .unwrap();
}

async fn valid(app: &TestApp, regnr: &str) -> serde_json::Value {
    let (status, body) = check(app, regnr, Some(KEY)).await;
    assert_eq!(status, 200, "{body}");
    body["valid"].clone()
}

#[actix_web::test]
async fn a_temporary_number_on_a_paid_day_card_is_refused_and_never_valid() {
    let app = spawn_app_with(&[("CHECK_API_KEYS", KEYS)]).await;
    let permit = paid_day_card(&app, "dagtemp@regionvastmanland.se", today(), 3).await;
    let page = app.get_html(&permit).await;
    assert!(!page.contains(&format!("{permit}/temporary\"")), "{page}");

    let csrf = app.csrf().await;
    let resp = app
        .post_form(
            &format!("{permit}/temporary"),
            &[
                ("csrf", &csrf),
                ("temp_regnr", "TMP999"),
                ("from", &today().to_string()),
                ("to", &(today() + Duration::days(2)).to_string()),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("Ett dagkort kan inte ha ett tillfälligt registreringsnummer"),
        "{body}"
    );
    let stored: i64 = temporary_regnrs::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(stored, 0);
    assert_eq!(valid(&app, "TMP999").await, false);

    // Even a row written before the rule (old data) does not make the number valid: the
    // check counts temporary numbers of period permits only.
    diesel::insert_into(temporary_regnrs::table)
        .values((
            temporary_regnrs::permit_id.eq(permit_id(&permit)),
            temporary_regnrs::regnr.eq("TMP999"),
            temporary_regnrs::foreign_plate.eq(false),
            temporary_regnrs::from_date.eq(today()),
            temporary_regnrs::to_date.eq(today() + Duration::days(300)),
            temporary_regnrs::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(&mut app.conn())
        .unwrap();
    assert_eq!(valid(&app, "TMP999").await, false);
    app.stop().await;
}

#[actix_web::test]
async fn forbidden_actions_are_refused_with_4xx_and_a_reason() {
    let app = spawn_app_with(&[]).await;
    // Paying a cancelled permit.
    let permit = bought_permit(&app, "makulerad@regionvastmanland.se").await;
    set_state(&app, &permit, "cancelled");
    let resp = pay(&app, &permit, "0701234567").await;
    assert!(resp.status().is_client_error(), "{}", resp.status());

    // Changing the number of a rejected permit.
    set_state(&app, &permit, "rejected");
    let csrf = app.csrf().await;
    let resp = app
        .post_form(
            &format!("{permit}/regnr"),
            &[("csrf", &csrf), ("regnr", "XYZ789")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Tillståndet kan inte längre ändras.")
    );
    let regnr: String = permits::table
        .find(permit_id(&permit))
        .select(permits::regnr)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(regnr, "ABC123");

    // Booking days on an unpaid day card.
    let review = buy_day_card(&app, today(), "3").await.text().await.unwrap();
    let card = confirm(&app, &review).await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let resp = book(&app, &card, false, "ABC123", &[today()]).await;
    assert!(resp.status().is_client_error(), "{}", resp.status());
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Dagkortet är inte betalt."),
    );

    // Renewing a day card, by its address or through the buying form: refused with the
    // reason, and an order naming it does not renew it.
    for path in [
        format!("{card}/renew"),
        format!("/permits/new?renew={}", permit_id(&card)),
    ] {
        let resp = app.get(&path).await;
        assert_eq!(resp.status(), 409, "{path}");
        assert!(
            resp.text()
                .await
                .unwrap()
                .contains("Ett dagkort kan inte förnyas."),
            "{path}"
        );
    }
    app.stop().await;
}

async fn upload(app: &TestApp, path: &str, bytes: Vec<u8>, name: &str) -> reqwest::Response {
    let csrf = app.csrf().await;
    app.client
        .post(app.url(&format!("{path}/attachment")))
        .multipart(
            reqwest::multipart::Form::new().text("csrf", csrf).part(
                "file",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name(name.to_string())
                    .mime_str("application/pdf")
                    .unwrap(),
            ),
        )
        .send()
        .await
        .unwrap()
}

fn stored_attachment(app: &TestApp) -> (Option<String>, Option<Vec<u8>>) {
    use parkportal::db::schema::applications;
    applications::table
        .select((applications::attachment_name, applications::attachment))
        .first(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_pdf_html_polyglot_is_refused() {
    let app = spawn_app_with(&[]).await;
    app.logged_in_user("polyglot@regionvastmanland.se").await;
    let csrf = app.csrf().await;
    let application = crate::hostile::apply_as_extern(&app, &csrf).await;
    // Starts like a PDF, ends like one, but carries a page and a script.
    let mut polyglot = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script>".to_vec();
    polyglot.extend_from_slice(&parkportal::domain::pdf::minimal()[9..]);
    let resp = upload(&app, &application, polyglot, "ansokan.pdf").await;
    assert_eq!(resp.status(), 422);
    assert_eq!(stored_attachment(&app), (None, None));
    // Only the header and an end marker: not a PDF either.
    let resp = upload(&app, &application, b"%PDF-1.4\n%%EOF".to_vec(), "a.pdf").await;
    assert_eq!(resp.status(), 422);
    assert_eq!(stored_attachment(&app), (None, None));
    app.stop().await;
}

#[actix_web::test]
async fn a_right_to_left_name_is_not_kept_and_the_file_is_served_as_a_pdf() {
    let app = spawn_app_with(&[]).await;
    app.logged_in_user("rtl@regionvastmanland.se").await;
    let csrf = app.csrf().await;
    let application = crate::hostile::apply_as_extern(&app, &csrf).await;
    let id = permit_id(&application);
    let rtl = "ansokan\u{202E}fdp.ath";
    let pdf = parkportal::domain::pdf::minimal();
    let resp = upload(&app, &application, pdf.clone(), rtl).await;
    assert_eq!(resp.status(), 303);
    let (name, data) = stored_attachment(&app);
    assert_eq!(name.as_deref(), Some(format!("bilaga-{id}-1.pdf").as_str()));
    assert_eq!(data.as_deref(), Some(pdf.as_slice()));
    let page = app.get_html(&application).await;
    assert!(page.contains(&format!("bilaga-{id}-1.pdf")));
    assert!(
        !page.contains('\u{202E}') && !page.contains("ath"),
        "{page}"
    );

    let operator = crate::operator::operator_client(&app, "op-rtl@regionvastmanland.se").await;
    let list = operator
        .get(app.url("/operator/applications"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(&format!("bilaga-{id}-1.pdf")), "{list}");
    assert!(!list.contains('\u{202E}'));
    let resp = operator
        .get(app.url(&format!("/operator/applications/{id}/attachment")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let h = resp.headers();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(
        h["content-disposition"],
        format!("attachment; filename=\"bilaga-{id}-1.pdf\"").as_str()
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), pdf.as_slice());
    app.stop().await;
}

/// Issue #34, 3: the permit page's "Får jag parkera i dag?" speaks only of the
/// viewer's own permits. Bo orders (unpaid) for the number of Anna's paid permit: his page
/// shows neither her type, her car park's answer nor her end date — only his own state.
#[actix_web::test]
async fn the_today_view_never_tells_of_another_persons_permit() {
    let app = spawn_app_with(&[]).await;
    let annas = bought_permit(&app, "anna.owner@regionvastmanland.se").await;
    set_state(&app, &annas, "paid");
    let end: chrono::NaiveDate = permits::table
        .find(permit_id(&annas))
        .select(permits::end_date)
        .first(&mut app.conn())
        .unwrap();
    // Bo, on a client of his own, orders for the same number (ABC123) and does not pay.
    let bo = crate::kit::client::client(&app.address);
    crate::kit::flows::register_confirm_login(
        &bo,
        &app.address,
        "bo.curious@regionvastmanland.se",
        app.inbox(),
    )
    .await;
    let start = today().to_string();
    let order = crate::kit::flows::Order {
        type_name: "Anställda månads/årskort",
        package: Some("1 månad"),
        days: None,
        start: &start,
        regnr: "ABC123",
    };
    let bos = crate::kit::flows::buy_permit(&bo, &app.address, &order).await;
    let page = bo
        .get(app.url(&bos))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let view = crate::kit::html::text(&page, "section[aria-labelledby='check-h']")
        .unwrap_or_else(|| panic!("no today view: {page}"));
    assert!(!view.contains(&end.to_string()), "Anna's end date: {view}");
    assert!(!view.contains("12 månader"), "{view}");
    assert!(
        !view.contains("Giltigt"),
        "valid through Anna's permit: {view}"
    );
    // Anna's own page still tells her that her car is valid today.
    let hers = app.get_html(&annas).await;
    let view = crate::kit::html::text(&hers, "section[aria-labelledby='check-h']").unwrap();
    assert!(view.contains(&end.to_string()), "{view}");
}
