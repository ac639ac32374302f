//! Issue #35, 1 ("Får jag parkera här i dag?"): Hem tells the truth the attendant will tell.
//! "Gäller i dag" holds only what the check accepts today; a paid day card with no day booked
//! today says "Ingen dag bokad i dag" with "Parkera i dag" and "Parkera i morgon"; and a day
//! is not spent on a car that is valid already through a period permit.

use diesel::prelude::*;
use parkportal::db::schema::permits;

use crate::daycards::paid_day_card;
use crate::kit::dates::today;
use crate::kit::html::{form_fields, text};
use crate::kit::spawn::{TestApp, spawn_app_with};
use crate::operator::{KEY, KEYS, check};

/// The Hem section whose heading is `heading`, as text ("" when there is none).
fn section(hem: &str, heading: &str) -> String {
    text(hem, &format!("section[aria-label='{heading}']")).unwrap_or_default()
}

/// Presses the Hem button whose text begins with `words`.
async fn press(app: &TestApp, hem: &str, words: &str) -> reqwest::Response {
    let doc = scraper::Html::parse_document(hem);
    let sel = scraper::Selector::parse("form").unwrap();
    let button = scraper::Selector::parse("button").unwrap();
    let form = doc
        .select(&sel)
        .find(|f| {
            f.select(&button)
                .any(|b| b.text().collect::<String>().starts_with(words))
        })
        .unwrap_or_else(|| panic!("no button {words:?} on {hem}"));
    let action = form.value().attr("action").unwrap().to_string();
    let fields = form_fields(&form.html(), "form").unwrap();
    app.client
        .post(app.url(&action))
        .form(&fields)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_day_card_without_todays_day_is_not_shown_as_valid_today() {
    let app = spawn_app_with(&[("CHECK_API_KEYS", KEYS)]).await;
    let card = paid_day_card(&app, "natt@regionvastmanland.se", today(), 3).await;
    let hem = app.get_html("/").await;
    assert!(!section(&hem, "Gäller i dag").contains("ABC123"), "{hem}");
    let not_today = section(&hem, "Gäller inte i dag");
    assert!(not_today.contains("Ingen dag bokad i dag"), "{not_today}");
    assert!(hem.contains(">Parkera i dag (ABC123)</button>"));
    assert!(hem.contains(">Parkera i morgon (ABC123)</button>"));
    let (_, answer) = check(&app, "ABC123", Some(KEY)).await;
    assert_eq!(answer["valid"], false, "the attendant says no: so does Hem");

    // "Parkera i morgon": tomorrow booked; today still not valid.
    let resp = press(&app, &hem, "Parkera i morgon").await;
    assert_eq!(resp.status(), 303);
    let hem = app.get_html("/").await;
    assert!(section(&hem, "Gäller inte i dag").contains("ABC123"));
    // "Parkera i dag": now valid, in "Gäller i dag", as the check says.
    let resp = press(&app, &hem, "Parkera i dag").await;
    assert_eq!(resp.status(), 303);
    let hem = app.get_html("/").await;
    let valid = section(&hem, "Gäller i dag");
    assert!(valid.contains("ABC123") && valid.contains("Aktiv"), "{hem}");
    assert!(!hem.contains(">Parkera i dag (ABC123)</button>"));
    let (_, answer) = check(&app, "ABC123", Some(KEY)).await;
    assert_eq!(answer["valid"], true);
    let used: i32 = permits::table
        .find(card.rsplit('/').next().unwrap().parse::<i64>().unwrap())
        .select(permits::days_used)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(used, 2);
}

#[actix_web::test]
async fn parking_today_with_a_valid_period_permit_spends_no_day() {
    let app = spawn_app_with(&[]).await;
    let card = paid_day_card(&app, "bada@regionvastmanland.se", today(), 3).await;
    // The same car has a paid monthly permit running today.
    let monthly = crate::permits::bought_permit(&app, "bada@regionvastmanland.se").await;
    diesel::update(
        permits::table.find(monthly.rsplit('/').next().unwrap().parse::<i64>().unwrap()),
    )
    .set(permits::state.eq("paid"))
    .execute(&mut app.conn())
    .unwrap();
    let hem = app.get_html("/").await;
    let resp = press(&app, &hem, "Parkera i dag").await;
    assert_eq!(resp.status(), 422);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("ABC123 har redan ett giltigt tillstånd"),
        "{page}"
    );
    let used: i32 = permits::table
        .find(card.rsplit('/').next().unwrap().parse::<i64>().unwrap())
        .select(permits::days_used)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(used, 0, "no day spent");
}

/// Issue #35, 2: an unpaid order has "Ta bort beställningen", which asks once more with
/// "Ja, ta bort"; only that answer removes it (cancelled, nothing charged).
#[actix_web::test]
async fn an_unpaid_order_is_removed_only_after_asking_once_more() {
    let app = spawn_app_with(&[]).await;
    let permit = crate::permits::bought_permit(&app, "angrar@regionvastmanland.se").await;
    let page = app.get_html(&permit).await;
    let link = format!("{permit}/withdraw");
    assert!(
        page.contains(&format!("href=\"{link}\">Ta bort beställningen</a>")),
        "{page}"
    );
    let csrf = app.csrf().await;
    let resp = app.post_form(&link, &[("csrf", &csrf)]).await;
    assert_eq!(resp.headers()["location"], link.as_str(), "asked once more");
    let ask = app.get_html(&link).await;
    assert!(ask.contains(">Ja, ta bort</button>"), "{ask}");
    let fields = form_fields(&ask, "form[action$='/withdraw']").unwrap();
    let resp = app
        .client
        .post(app.url(&link))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["location"], "/?m=withdrawn");
    assert!(
        app.get_html("/?m=withdrawn")
            .await
            .contains("Beställningen är borttagen.")
    );
    let state: String = permits::table
        .find(permit.rsplit('/').next().unwrap().parse::<i64>().unwrap())
        .select(permits::state)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(state, "cancelled");
    // A paid permit has no such button, and its address refuses.
    let ask = app.get(&link).await;
    assert_eq!(ask.headers()["location"], permit.as_str());
}

/// Issue #35, 1 and 5: the review page warns when the car has a permit in that car park for a
/// day of the period, naming the number and saying "redan"; a day card's page has "Köp fler
/// dagar", which opens the wizard filled in for the same car park and car.
#[actix_web::test]
async fn a_second_permit_for_the_same_car_is_warned_and_more_days_are_one_tap() {
    let app = spawn_app_with(&[]).await;
    let first = crate::permits::bought_permit(&app, "dubbel@regionvastmanland.se").await;
    diesel::update(permits::table.find(first.rsplit('/').next().unwrap().parse::<i64>().unwrap()))
        .set(permits::state.eq("paid"))
        .execute(&mut app.conn())
        .unwrap();
    let review = crate::permits::review(
        &app,
        "Anställda månads/årskort",
        "1 månad",
        &today().to_string(),
        "ABC123",
    )
    .await
    .text()
    .await
    .unwrap();
    let warning = text(&review, ".notice.warning").unwrap_or_else(|| panic!("{review}"));
    assert!(
        warning.contains("ABC123") && warning.contains("redan"),
        "{warning}"
    );
    // Another car: no warning.
    let other = crate::permits::review(
        &app,
        "Anställda månads/årskort",
        "1 månad",
        &today().to_string(),
        "XYZ789",
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(text(&other, ".notice.warning").is_none());

    let card = paid_day_card(&app, "dubbel@regionvastmanland.se", today(), 2).await;
    let page = app.get_html(&card).await;
    let more = crate::kit::html::attrs(&page, "a.button", "href")
        .into_iter()
        .find(|h| h.starts_with("/permits/new?type="))
        .unwrap_or_else(|| panic!("no Köp fler dagar: {page}"));
    assert!(page.contains(">Köp fler dagar</a>"));
    let wizard = app.get_html(&more).await;
    assert!(wizard.contains("value=\"ABC123\""), "the number filled in");
}
