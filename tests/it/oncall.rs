//! Issue #39, 2: "Jag är inkallad". An employee starts on-call parking ("Parkeringsområde",
//! "Registreringsnummer", "Starta jourparkering"); the pass is valid at once at the check
//! (type "Jourparkering"); Hem shows it with its end and "Avsluta"; 8 passes a month; two taps
//! at once make one pass; customers who are not employees never see it.

use diesel::prelude::*;
use parkportal::db::schema::oncall_passes;

use crate::kit::html::{form_fields, hidden_value};
use crate::kit::spawn::{TestApp, spawn_app_with};
use crate::operator::{KEY, KEYS, check};

async fn start(app: &TestApp, regnr: &str) -> reqwest::Response {
    let page = app.get_html("/oncall").await;
    let mut fields = form_fields(&page, "form[action='/oncall']").expect("the on-call form");
    fields.retain(|(k, _)| k != "regnr");
    fields.push(("regnr".into(), regnr.into()));
    app.client
        .post(app.url("/oncall"))
        .form(&fields)
        .send()
        .await
        .unwrap()
}

fn passes(app: &TestApp) -> i64 {
    oncall_passes::table
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_pass_is_valid_at_once_shown_on_hem_and_ended_by_avsluta() {
    let app = spawn_app_with(&[("CHECK_API_KEYS", KEYS)]).await;
    app.logged_in_user("jour@regionvastmanland.se").await;
    let hem = app.get_html("/").await;
    let link = hem.find(">Jag är inkallad</a>").expect("the link on Hem");
    assert!(
        link > hem.find(">Köp nytt parkeringstillstånd</a>").unwrap(),
        "below"
    );
    let page = app.get_html("/oncall").await;
    for words in [
        ">Parkeringsområde</label>",
        ">Registreringsnummer</label>",
        ">Starta jourparkering</button>",
        "8 av 8",
    ] {
        assert!(page.contains(words), "{words}: {page}");
    }
    // A bad number: said at the field, kept.
    let resp = start(&app, "!!").await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("value=\"!!\""));
    assert_eq!(passes(&app), 0);

    let resp = start(&app, "jour 01").await;
    assert_eq!(resp.status(), 303);
    let (_, answer) = check(&app, "JOUR01", Some(KEY)).await;
    assert_eq!(answer["valid"], true, "{answer}");
    assert_eq!(answer["permits"][0]["type"], "Jourparkering");
    let hem = app.get_html("/").await;
    assert!(
        hem.contains("Jourparkering pågår") && hem.contains("JOUR01"),
        "{hem}"
    );
    assert!(hem.contains(">Avsluta</button>"));
    // A second tap: the same pass.
    assert_eq!(start_again(&app).await, 303);
    assert_eq!(passes(&app), 1);

    // "Avsluta": not valid any more; the number is filled in next time; 7 left.
    let csrf = hidden_value(&hem, "csrf");
    let id: i64 = oncall_passes::table
        .select(oncall_passes::id)
        .first(&mut app.conn())
        .unwrap();
    let resp = app
        .post_form(&format!("/oncall/{id}/end"), &[("csrf", &csrf)])
        .await;
    assert_eq!(resp.status(), 303);
    let (_, answer) = check(&app, "JOUR01", Some(KEY)).await;
    assert_eq!(answer["valid"], false);
    let page = app.get_html("/oncall").await;
    assert!(
        page.contains("value=\"JOUR01\"") && page.contains("7 av 8"),
        "{page}"
    );
}

/// The form as the page has it, sent once more (a second tap on "Starta jourparkering").
async fn start_again(app: &TestApp) -> u16 {
    let csrf = app.csrf().await;
    app.post_form(
        "/oncall",
        &[("csrf", &csrf), ("car_park", "1"), ("regnr", "JOUR01")],
    )
    .await
    .status()
    .as_u16()
}

#[actix_web::test]
async fn two_taps_at_once_make_one_pass_and_the_month_holds_eight() {
    let app = spawn_app_with(&[]).await;
    app.logged_in_user("natt@regionvastmanland.se").await;
    let csrf = app.csrf().await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("car_park", "1"),
        ("regnr", "ABC123"),
    ];
    let send = || app.post_form("/oncall", &fields);
    let (a, b) = futures_util::join!(send(), send());
    assert_eq!(
        (a.status(), b.status()),
        (303.try_into().unwrap(), 303.try_into().unwrap())
    );
    assert_eq!(passes(&app), 1, "one pass");
    // End it, then use the month's other 7 passes.
    for _ in 0..8 {
        diesel::update(oncall_passes::table.filter(oncall_passes::ended_at.is_null()))
            .set(oncall_passes::ended_at.eq(parkportal::clock::now()))
            .execute(&mut app.conn())
            .unwrap();
        if passes(&app) == 8 {
            break;
        }
        assert_eq!(send().await.status(), 303);
    }
    assert_eq!(passes(&app), 8);
    // The office follows use up: passes per employee and month, as a page and as CSV.
    let op = crate::operator::operator_client(&app, "olle@regionvastmanland.se").await;
    let report = crate::kit::client::page_text(&op, app.url("/operator/reports/oncall")).await;
    assert!(report.contains("natt@regionvastmanland.se"), "{report}");
    let csv = crate::kit::client::page_text(&op, app.url("/operator/reports/oncall.csv")).await;
    let month = crate::kit::dates::today().format("%Y-%m").to_string();
    assert!(
        csv.contains(&format!("natt@regionvastmanland.se,{month},8")),
        "{csv}"
    );
    let page = app.get_html("/oncall").await;
    assert!(page.contains("använt alla jourparkeringar"), "{page}");
    let resp = send().await;
    assert_eq!(resp.status(), 422, "the ninth");
    assert_eq!(passes(&app), 8);
}

#[actix_web::test]
async fn on_call_parking_is_for_employees_only() {
    let app = spawn_app_with(&[]).await;
    app.logged_in_user("student@example.com").await;
    assert!(!app.get_html("/").await.contains("Jag är inkallad"));
    assert_eq!(app.get("/oncall").await.status(), 404);
    let csrf = app.csrf().await;
    let resp = app
        .post_form(
            "/oncall",
            &[("csrf", &csrf), ("car_park", "1"), ("regnr", "ABC123")],
        )
        .await;
    assert_eq!(resp.status(), 404);
    assert_eq!(passes(&app), 0);
}
