//! Issue #36: the parking office at its desk, the attendant in the car park. The check API's
//! `car_park` and `GET /api/v1/car-parks`; Kontroll per car park, remembered on the device;
//! `/operator` opening on "Översikt" with the menu marking the page.

use serde_json::Value;

use crate::kit::spawn::{TestApp, spawn_app_with};
use crate::operator::{KEY, KEYS, operator_client};

async fn api(app: &TestApp, path: &str, key: Option<&str>) -> (u16, Value) {
    let mut req = reqwest::Client::new().get(app.url(path));
    if let Some(key) = key {
        req = req.header("Authorization", format!("Bearer {key}"));
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    assert_eq!(resp.headers()["content-type"], "application/json");
    (status, resp.json().await.unwrap())
}

#[actix_web::test]
async fn the_check_api_answers_for_one_car_park_when_asked() {
    let app = spawn_app_with(&[("CHECK_API_KEYS", KEYS)]).await;
    // ABC123 paid in the first car park (Västerås).
    crate::permits::paid_permit(&app, "vasteras@regionvastmanland.se").await;
    let (status, parks) = api(&app, "/api/v1/car-parks", Some(KEY)).await;
    assert_eq!(status, 200);
    let parks = parks.as_array().unwrap().clone();
    assert_eq!(parks.len(), 4, "{parks:?}");
    assert_eq!(parks[0]["name"], "Västmanlands sjukhus Västerås");
    let (here, other) = (
        parks[0]["id"].as_i64().unwrap(),
        parks[1]["id"].as_i64().unwrap(),
    );
    assert_eq!(api(&app, "/api/v1/car-parks", None).await.0, 401);

    let (status, answer) = api(
        &app,
        &format!("/api/v1/check?regnr=abc123&car_park={here}"),
        Some(KEY),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(answer["valid"], true);
    assert_eq!(
        answer["permits"][0]["car_park"],
        "Västmanlands sjukhus Västerås"
    );
    let (_, answer) = api(
        &app,
        &format!("/api/v1/check?regnr=ABC123&car_park={other}"),
        Some(KEY),
    )
    .await;
    assert_eq!(answer["valid"], false, "not valid in Köping");
    assert_eq!(answer["permits"], serde_json::json!([]));
    assert_eq!(answer["regnr"], "ABC123");
    // Without car_park: as before, anywhere.
    let (_, answer) = api(&app, "/api/v1/check?regnr=ABC123", Some(KEY)).await;
    assert_eq!(answer["valid"], true);
    // A car park that is not a number, or not there: said, never "not valid".
    let (status, body) = api(&app, "/api/v1/check?regnr=ABC123&car_park=x", Some(KEY)).await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("car_park"));
    let (status, _) = api(&app, "/api/v1/check?regnr=ABC123&car_park=999", Some(KEY)).await;
    assert_eq!(status, 404);
    // The key first: nothing is told without it.
    assert_eq!(
        api(&app, "/api/v1/check?regnr=ABC123&car_park=999", None)
            .await
            .0,
        401
    );
}

#[actix_web::test]
async fn kontroll_answers_for_the_car_park_the_attendant_stands_in_and_remembers_it() {
    let app = spawn_app_with(&[]).await;
    crate::permits::paid_permit(&app, "sala@regionvastmanland.se").await;
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    let get = |path: String| {
        let op = op.clone();
        let url = app.url(&path);
        async move {
            let resp = op.get(url).send().await.unwrap();
            (
                resp.headers().get("set-cookie").is_some(),
                resp.text().await.unwrap(),
            )
        }
    };
    let (_, page) = get("/operator/check".into()).await;
    let köping = crate::kit::html::option_value(&page, "car_park", "Lasarettet i Köping").unwrap();
    let (remembered, page) = get(format!("/operator/check?car_park={köping}&regnr=ABC123")).await;
    assert!(remembered, "the choice is kept on the device");
    assert!(page.contains("Inget giltigt tillstånd här"), "{page}");
    assert!(
        page.contains("gäller i Västmanlands sjukhus Västerås"),
        "{page}"
    );
    // The next check, without choosing: the same car park.
    let (_, page) = get("/operator/check?regnr=ABC123".into()).await;
    assert!(page.contains("Inget giltigt tillstånd här"), "{page}");
    let selected = crate::kit::html::attr(&page, "#car_park option[selected]", "value");
    assert_eq!(selected.as_deref(), Some(köping.as_str()));
    // In Västerås: "Giltigt här".
    let (_, page) = get("/operator/check?car_park=1&regnr=ABC123".into()).await;
    assert!(page.contains("Giltigt här"), "{page}");
    // "Alla parkeringsområden": the answer for anywhere, as before.
    let (_, page) = get("/operator/check?car_park=&regnr=ABC123".into()).await;
    assert!(page.contains(">Giltigt<"), "{page}");
}

#[actix_web::test]
async fn the_operator_portal_opens_on_oversikt_and_marks_the_page() {
    let app = spawn_app_with(&[]).await;
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    let resp = op.get(app.url("/operator")).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/operator/dashboard");
    let page = crate::kit::client::page_text(&op, app.url("/operator/dashboard")).await;
    assert!(page.contains("<h1>Översikt</h1>"), "{page}");
    // What needs the office today, beside applications and cases.
    for id in [
        "failed-refunds",
        "offers-lapsing",
        "pending-applications",
        "open-cases",
    ] {
        assert_eq!(
            crate::kit::html::text(&page, &format!("#{id}")).as_deref(),
            Some("0"),
            "{id}"
        );
    }
    assert!(
        page.contains("<a href=\"/operator/dashboard\" aria-current=\"page\">Översikt</a>"),
        "{page}"
    );
    let page = crate::kit::client::page_text(&op, app.url("/operator/check")).await;
    assert!(page.contains("<a href=\"/operator/check\" aria-current=\"page\">Kontroll</a>"));
    assert!(!page.contains("<a href=\"/operator/dashboard\" aria-current"));
}

#[actix_web::test]
async fn the_operators_permit_page_names_the_car_park_todays_answer_and_the_people() {
    let app = spawn_app_with(&[]).await;
    let permit = crate::permits::paid_permit(&app, "namn@regionvastmanland.se").await;
    let id = permit.rsplit('/').next().unwrap();
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    let path = format!("/operator/permits/{id}");
    let page = crate::kit::client::page_text(&op, app.url(&path)).await;
    let csrf = crate::kit::html::hidden_value(&page, "csrf");
    assert!(page.contains("Västmanlands sjukhus Västerås"), "{page}");
    assert!(page.contains("Kontrollens svar i dag") && page.contains(">Giltigt<"));
    // A change by the office: the history says who, by name.
    let resp = op
        .post(app.url(&format!("{path}/regnr")))
        .form(&[("csrf", csrf.as_str()), ("regnr", "NEW999")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let page = crate::kit::client::page_text(&op, app.url(&path)).await;
    assert!(page.contains("av Olle Operatör"), "{page}");
    assert!(!page.contains("av #"), "{page}");
}

/// Katalog's capacity table (#36, 3): every cell in one form and one transaction. A wrong
/// cell saves nothing and says which; a good table saves the cells that changed and comes
/// back at the table saying them; a cell of an unknown car park saves nothing.
#[actix_web::test]
async fn katalog_saves_the_capacity_table_at_once_and_says_what_changed() {
    use diesel::prelude::*;
    use parkportal::db::schema::{audit_log, capacities};
    let app = spawn_app_with(&[]).await;
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    let page = crate::kit::client::page_text(&op, app.url("/operator/catalogue")).await;
    let csrf = crate::kit::html::hidden_value(&page, "csrf");
    let cells: Vec<String> = page
        .match_indices("name=\"cap-")
        .map(|(at, _)| {
            let rest = &page[at + 6..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect();
    assert_eq!(cells.len(), 12, "4 car parks × 3 types: {cells:?}");
    assert_eq!(page.matches(">Kapacitet</label>").count(), 12);
    let post = |pairs: Vec<(String, String)>| {
        let op = op.clone();
        let url = app.url("/operator/catalogue/capacity");
        async move { op.post(url).form(&pairs).send().await.unwrap() }
    };
    let form = |values: &[(&str, &str)]| {
        let mut pairs = vec![("csrf".to_string(), csrf.clone())];
        for cell in &cells {
            let v = values
                .iter()
                .find(|(c, _)| c == cell)
                .map_or("", |(_, v)| v);
            pairs.push((cell.clone(), v.to_string()));
        }
        pairs
    };
    let stored = || {
        capacities::table
            .filter(capacities::places.is_not_null())
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap()
    };
    // One wrong cell: nothing saved, that cell named, everything typed kept.
    let resp = post(form(&[(&cells[0], "10"), (&cells[1], "tio")])).await;
    assert_eq!(resp.status(), 422);
    let refused = resp.text().await.unwrap();
    assert!(
        refused.contains(&format!("href=\"#{}\"", cells[1])),
        "{refused}"
    );
    assert!(refused.contains("value=\"tio\"") && refused.contains("value=\"10\""));
    assert_eq!(stored(), 0);
    // A good table: two cells, saved at once, said at the table.
    let resp = post(form(&[(&cells[0], "10"), (&cells[1], "0")])).await;
    assert_eq!(resp.status(), 303);
    let to = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(
        to.ends_with("#saved") && to.contains("part=capacity"),
        "{to}"
    );
    assert_eq!(stored(), 2);
    let back = crate::kit::client::page_text(&op, app.url(&to)).await;
    assert!(back.contains("id=\"saved\""), "{back}");
    assert!(
        back.contains(
            "Västmanlands sjukhus Västerås, Anställda månads/årskort: <strong>10</strong>"
        ),
        "{back}"
    );
    // The same table again changes nothing and says so; no audit line for unchanged cells.
    let audited = || {
        audit_log::table
            .filter(audit_log::action.eq("capacity.set"))
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap()
    };
    let before = audited();
    let resp = post(form(&[(&cells[0], "10"), (&cells[1], "0")])).await;
    let to = resp.headers()["location"].to_str().unwrap().to_string();
    let again = crate::kit::client::page_text(&op, app.url(&to)).await;
    assert!(again.contains("Inget ändrades."), "{again}");
    assert_eq!(audited(), before);
    // A cell of a car park that does not exist: nothing saved at all.
    let mut pairs = form(&[(&cells[0], "3")]);
    pairs.push(("cap-1-99999".into(), "5".into()));
    assert_eq!(post(pairs).await.status(), 404);
    let first: Option<i32> = capacities::table
        .filter(capacities::places.eq(3))
        .select(capacities::places)
        .first(&mut app.conn())
        .optional()
        .unwrap()
        .flatten();
    assert_eq!(first, None, "the good cell was not saved either");
}

/// A "Kontrollant" (#36, 6): invited as such by an admin; sees Kontroll and nothing else of
/// the operator portal (every other page and form 404, as for a customer), with a menu of
/// Kontroll alone; the second factor is asked as of any staff.
#[actix_web::test]
async fn a_kontrollant_sees_kontroll_and_nothing_else() {
    use diesel::prelude::*;
    use parkportal::db::schema::{audit_log, users};
    let app = spawn_app_with(&[]).await;
    crate::permits::paid_permit(&app, "bilen@regionvastmanland.se").await;
    let admin = operator_client(&app, "anna@regionvastmanland.se").await;
    diesel::update(users::table.filter(users::email.eq("anna@regionvastmanland.se")))
        .set(users::role.eq("admin"))
        .execute(&mut app.conn())
        .unwrap();
    let page = crate::kit::client::page_text(&admin, app.url("/operator/staff")).await;
    assert!(page.contains(">Kontrollant</label>"), "{page}");
    let csrf = crate::kit::html::hidden_value(&page, "csrf");
    let resp = admin
        .post(app.url("/operator/staff"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "vakt@regionvastmanland.se"),
            ("name", "Ville Vakt"),
            ("role", "attendant"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let (role, check_only): (String, bool) = users::table
        .filter(users::email.eq("vakt@regionvastmanland.se"))
        .select((users::role, users::check_only))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!((role.as_str(), check_only), ("operator", true));
    let audited: Option<String> = audit_log::table
        .filter(audit_log::action.eq("user.invite"))
        .select(audit_log::after_value)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(audited.as_deref(), Some("attendant"));
    let staff = crate::kit::client::page_text(&admin, app.url("/operator/staff")).await;
    assert!(staff.contains(">Kontrollant</td>"), "{staff}");

    // Olle is made a Kontrollant while logged in: it holds from his next request.
    let olle = operator_client(&app, "olle@regionvastmanland.se").await;
    diesel::update(users::table.filter(users::email.eq("olle@regionvastmanland.se")))
        .set(users::check_only.eq(true))
        .execute(&mut app.conn())
        .unwrap();
    let resp = olle.get(app.url("/operator")).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/operator/check");
    let check = crate::kit::client::page_text(&olle, app.url("/operator/check?regnr=ABC123")).await;
    assert!(check.contains(">Giltigt<"), "{check}");
    assert!(
        check.contains("aria-current=\"page\">Kontroll</a>"),
        "{check}"
    );
    for word in [">Översikt<", ">Katalog<", ">Sök<", ">Kundportalen<"] {
        assert!(!check.contains(word), "{word} in a Kontrollant's menu");
    }
    for path in [
        "/operator/dashboard",
        "/operator/catalogue",
        "/operator/search?q=ABC123",
        "/operator/applications",
        "/operator/reports/permits.csv",
        "/operator/permits/1",
    ] {
        let status = olle.get(app.url(path)).send().await.unwrap().status();
        assert_eq!(status, 404, "{path}");
    }
    let csrf = crate::kit::html::hidden_value(&check, "csrf");
    let resp = olle
        .post(app.url("/operator/catalogue/capacity"))
        .form(&[("csrf", csrf.as_str()), ("cap-1-1", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404, "no form of the office either");
}
