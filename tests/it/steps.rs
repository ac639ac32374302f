//! Issue #35, 2–4: every step that changes or carries state answers with 303 to a GET page,
//! so "Back" and reload never post again nor show the browser's "confirm form resubmission";
//! an unpaid permit is a payment page; an application just sent is a confirmation page; an
//! offer being answered keeps its place and deadline.

use diesel::prelude::*;
use parkportal::db::schema::permits;

use crate::kit::dates::today;
use crate::kit::flows::{self, car_park, confirm_fields, package_id, type_id};
use crate::kit::html::hidden_value;
use crate::kit::spawn::{TestApp, spawn_app};

/// "Spara och fortsätt" on a monthly card for ABC123, as the browser posts it (no redirect
/// followed).
async fn save_and_continue(app: &TestApp) -> reqwest::Response {
    let form = app.get_html("/permits/new").await;
    let t = type_id(&form, "Anställda månads/årskort");
    let details = app
        .get_html(&format!("/permits/new/details?type={t}"))
        .await;
    let start = today().to_string();
    app.client
        .post(app.url("/permits/new"))
        .form(&[
            ("csrf", hidden_value(&form, "csrf").as_str()),
            ("type", &t),
            ("package", &package_id(&details, "1 månad")),
            ("start", &start),
            ("regnr", "ABC123"),
            ("car_park", &car_park(&form)),
        ])
        .send()
        .await
        .unwrap()
}

fn permit_count(app: &TestApp) -> i64 {
    permits::table.count().get_result(&mut app.conn()).unwrap()
}

#[actix_web::test]
async fn back_and_reload_on_every_step_of_an_order_never_post_again() {
    let app = spawn_app().await;
    app.logged_in_user("back@regionvastmanland.se").await;
    let resp = save_and_continue(&app).await;
    assert_eq!(resp.status(), 303, "the review is a page of its own");
    let review_url = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(review_url.starts_with("/permits/review?"), "{review_url}");
    // Reload: the same draft, the same confirm key.
    let first = app.get_html(&review_url).await;
    let again = app.get_html(&review_url).await;
    assert!(first.contains(">Bekräfta</button>") && first.contains("ABC123"));
    let key = hidden_value(&first, "confirm_key");
    assert_eq!(key.len(), 64);
    assert_eq!(hidden_value(&again, "confirm_key"), key);

    let done = flows::confirm(&app.client, &app.address, &first).await;
    assert_eq!(done.status(), 303);
    let permit = done.headers()["location"].to_str().unwrap().to_string();
    // Back to the review: it says the order is made and links to it; no second "Bekräfta".
    let back = app.get(&review_url).await;
    assert_eq!(back.status(), 200);
    let back = back.text().await.unwrap();
    assert!(back.contains("redan bekräftat"), "{back}");
    assert!(back.contains(&format!("href=\"{permit}\"")), "{back}");
    assert!(!back.contains(">Bekräfta</button>"));
    // The old review page's form posted again (a second tab): the same permit.
    let twice = app
        .client
        .post(app.url("/permits/confirm"))
        .form(&confirm_fields(&first))
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), 303);
    assert_eq!(twice.headers()["location"].to_str().unwrap(), permit);
    assert_eq!(permit_count(&app), 1);
    // Back once more to the form: it is a GET page, as typed.
    assert_eq!(app.get("/permits/new").await.status(), 200);

    // A draft address with no key or a forged one gets a fresh key; a bad one goes back.
    let no_key = review_url
        .split("&confirm_key=")
        .next()
        .unwrap()
        .to_string();
    let resp = app.get(&no_key).await;
    assert_eq!(resp.status(), 303);
    let fresh = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(
        fresh.contains("confirm_key=") && !fresh.contains(&key),
        "{fresh}"
    );
    let bad = fresh.replace("regnr=ABC123", "regnr=%C3%85%C3%84%C3%96%21");
    let resp = app.get(&bad).await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("value=\"ÅÄÖ!\""));
    assert_eq!(permit_count(&app), 1);
}

#[actix_web::test]
async fn an_unpaid_permit_is_a_payment_page_and_its_number_waits_for_the_payment() {
    let app = spawn_app().await;
    let permit = crate::permits::bought_permit(&app, "betala@regionvastmanland.se").await;
    let page = app.get_html(&permit).await;
    // The order, its price and how to pay; today's answer neutral, at the top.
    for words in [
        "Inte betald än",
        "3\u{a0}850\u{a0}kr",
        ">Betala nu</button>",
        "Ta bort beställningen",
    ] {
        assert!(page.contains(words), "{words}: {page}");
    }
    let top = page.find("Inte betald än").unwrap();
    assert!(
        top < page.find(">Betala nu</button>").unwrap(),
        "the answer first"
    );
    // Nothing a permit that is not paid cannot do.
    for words in [
        "Uppdatera",
        "Byt registreringsnummer tillfälligt",
        "Möjliga åtgärder",
        "Inget giltigt tillstånd",
    ] {
        assert!(!page.contains(words), "{words}: {page}");
    }
    // The handler refuses what the page hides: the number changes once paid.
    let csrf = app.csrf().await;
    let resp = app
        .post_form(
            &format!("{permit}/regnr"),
            &[("csrf", &csrf), ("regnr", "XYZ789")],
        )
        .await;
    assert!(resp.status().is_client_error(), "{}", resp.status());
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("när tillståndet är betalt")
    );
    let regnr: String = permits::table
        .select(permits::regnr)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(regnr, "ABC123");
    crate::kit::db::mark_paid(&mut app.conn(), &permit);
    let resp = app
        .post_form(
            &format!("{permit}/regnr"),
            &[("csrf", &csrf), ("regnr", "XYZ789")],
        )
        .await;
    assert_eq!(resp.status(), 303);
}

#[actix_web::test]
async fn an_application_just_sent_is_a_confirmation_page() {
    let app = spawn_app().await;
    app.logged_in_user("student@example.com").await;
    let html = app.get_html("/permits/new").await;
    let csrf = hidden_value(&html, "csrf");
    let t = type_id(&html, "Extern betalande");
    let details = app
        .get_html(&format!("/permits/new/details?type={t}"))
        .await;
    let review = app
        .post_form(
            "/permits/new",
            &[
                ("csrf", &csrf),
                ("type", &t),
                ("package", &package_id(&details, "1 månad")),
                ("start", &today().to_string()),
                ("regnr", "APP777"),
                ("car_park", &car_park(&html)),
                ("organisation", "Mälardalens universitet"),
                ("role", "Student"),
                ("reason", "Praktik på kirurgen"),
            ],
        )
        .await;
    assert_eq!(review.status(), 200);
    let done = flows::confirm(&app.client, &app.address, &review.text().await.unwrap()).await;
    let application = done.headers()["location"].to_str().unwrap().to_string();
    let page = app.get_html(&application).await;
    for words in [
        "Ansökan skickad",
        "Inte godkänd än",
        "Frivilligt",
        "Väntar på godkännande",
    ] {
        assert!(page.contains(words), "{words}: {page}");
    }
    assert!(page.contains(&format!("tillståndet gäller sedan från {}", today())));
    for words in ["Inget giltigt tillstånd", "Uppdatera", "Betala nu"] {
        assert!(!page.contains(words), "{words}: {page}");
    }
}

#[actix_web::test]
async fn kop_igen_takes_a_repeat_buyer_straight_to_the_review() {
    let app = spawn_app().await;
    // A paid 1-month card ends within 30 days: Hem offers "Köp igen".
    let form = {
        app.logged_in_user("igen@regionvastmanland.se").await;
        let resp = save_and_continue(&app).await;
        let review = app
            .get_html(resp.headers()["location"].to_str().unwrap())
            .await;
        flows::confirm(&app.client, &app.address, &review).await
    };
    let permit = form.headers()["location"].to_str().unwrap().to_string();
    crate::kit::db::mark_paid(&mut app.conn(), &permit);
    let hem = app.get_html("/").await;
    let again = format!("{permit}/again");
    assert!(
        hem.contains(&format!("href=\"{again}\"")) && hem.contains(">Köp igen</a>"),
        "{hem}"
    );
    // One tap: the review, a renewal from the day after the card ends.
    let resp = app.get(&again).await;
    assert_eq!(resp.status(), 303);
    let review_url = resp.headers()["location"].to_str().unwrap().to_string();
    let review = app.get_html(&review_url).await;
    let end: chrono::NaiveDate = permits::table
        .select(permits::end_date)
        .first(&mut app.conn())
        .unwrap();
    let start = end.succ_opt().unwrap();
    assert!(review.contains(">Bekräfta</button>"), "{review}");
    assert!(review.contains(&start.to_string()), "{review}");
    // Two: "Bekräfta" — the renewal waits for payment (Swish on this phone is the third).
    let done = flows::confirm(&app.client, &app.address, &review).await;
    assert_eq!(done.status(), 303);
    assert_eq!(permit_count(&app), 2);
    let page = app
        .get_html(done.headers()["location"].to_str().unwrap())
        .await;
    assert!(page.contains(">Betala nu</button>"), "{page}");
}
