//! Buying a period permit up to "Väntar på betalning", the permit page and its changes.

use diesel::prelude::*;
use parkportal::db::schema::{applications, permit_events, permits, temporary_regnrs};

use crate::kit::dates::today;
use crate::kit::flows::{self, Order, package_id, type_id};
use crate::kit::{
    html::hidden_value,
    spawn::{TestApp, spawn_app},
};

fn permit_count(app: &TestApp) -> i64 {
    permits::table.count().get_result(&mut app.conn()).unwrap()
}

/// Goes through the wizard to the review page (`package` "" for none); returns its answer.
pub async fn review(
    app: &TestApp,
    type_name: &str,
    package: &str,
    start: &str,
    regnr: &str,
) -> reqwest::Response {
    let order = Order {
        type_name,
        package: (!package.is_empty()).then_some(package),
        days: None,
        start,
        regnr,
    };
    flows::review(&app.client, &app.address, &order).await
}

pub async fn confirm(app: &TestApp, review_html: &str) -> reqwest::Response {
    flows::confirm(&app.client, &app.address, review_html).await
}

#[actix_web::test]
async fn an_employee_buys_a_monthly_permit_up_to_awaiting_payment() {
    let app = spawn_app().await;
    app.logged_in_user("buyer@regionvastmanland.se").await;
    let html = app.get_html("/permits/new").await;
    for name in [
        "Anställda månads/årskort",
        "Anställda dagkort",
        "Extern betalande",
    ] {
        assert!(
            html.contains(&format!(">{name}</label>")),
            "{name} offered to an employee"
        );
    }
    for label in [
        "<legend>Typ</legend>",
        ">Startdatum</label>",
        ">Registreringsnummer</label>",
        ">Spara och fortsätt</button>",
    ] {
        assert!(html.contains(label), "{label}");
    }
    let start = today().to_string();
    let resp = review(
        &app,
        "Anställda månads/årskort",
        "1 månad",
        &start,
        "abc 123",
    )
    .await;
    assert_eq!(resp.status(), 200);
    let review_html = resp.text().await.unwrap();
    assert!(review_html.contains("ABC123"));
    assert!(review_html.contains("350\u{a0}kr"));
    assert!(review_html.contains(">Bekräfta</button>"));
    assert_eq!(permit_count(&app), 0, "nothing is created before Bekräfta");

    let resp = confirm(&app, &review_html).await;
    assert_eq!(resp.status(), 303);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/permits/"));
    let page = app.get_html(&location).await;
    assert!(page.contains("Väntar på betalning"));
    assert!(page.contains("350\u{a0}kr"));
    let end = parkportal::domain::permit::period_end(today(), 1).unwrap();
    assert!(page.contains(&format!("{} – {}", today(), end)));

    // The back button and a second click on Bekräfta give the same permit.
    let again = confirm(&app, &review_html).await;
    assert_eq!(again.headers()["location"].to_str().unwrap(), location);
    assert_eq!(permit_count(&app), 1);

    let home = app.get_html("/").await;
    assert!(home.contains(">Visa/ändra</a>"));
    // Its accessible name is just "Visa/ändra"; the permit it opens is its description.
    let link = format!("{location}\"]:not(.card-link)");
    let link = format!("a[href=\"{link}");
    assert_eq!(crate::kit::html::attr(&home, &link, "aria-label"), None);
    let described = crate::kit::html::attr(&home, &link, "aria-describedby").unwrap();
    for id in described.split(' ') {
        assert!(
            crate::kit::html::text(&home, &format!("#{id}")).is_some(),
            "#{id}"
        );
    }
    assert!(home.contains("ABC123") && home.contains("Väntar på betalning"));
    assert!(
        home.contains("Västmanlands sjukhus Västerås"),
        "car park on the home page"
    );
    // A car park no longer offered for new permits is still named on the permits in it.
    diesel::update(parkportal::db::schema::car_parks::table)
        .set(parkportal::db::schema::car_parks::active.eq(false))
        .execute(&mut app.conn())
        .unwrap();
    let home = app.get_html("/").await;
    assert!(
        crate::kit::html::text(&home, ".permit-card dd")
            .is_some_and(|park| park.contains("Västmanlands sjukhus Västerås")),
        "car park on the home page once no longer offered"
    );
}

#[actix_web::test]
async fn a_private_address_may_only_apply_as_extern_betalande() {
    let app = spawn_app().await;
    app.logged_in_user("student@example.com").await;
    let html = app.get_html("/permits/new").await;
    assert!(!html.contains(">Anställda månads/årskort</label>"));
    assert!(html.contains(">Extern betalande</label>"));
    let csrf = hidden_value(&html, "csrf");
    // A tampered type id (an employee type) is refused and nothing is created.
    let resp = app
        .post_form(
            "/permits/new",
            &[
                ("csrf", &csrf),
                ("type", "1"),
                ("package", "1"),
                ("start", &today().to_string()),
                ("regnr", "ABC123"),
                ("car_park", "1"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("Välj en typ."));

    let t = type_id(&html, "Extern betalande");
    let details = app
        .get_html(&format!("/permits/new/details?type={t}"))
        .await;
    assert!(details.contains("Skola eller arbetsgivare"));
    let p = package_id(&details, "12 månader");
    let missing = app
        .post_form(
            "/permits/new",
            &[
                ("csrf", &csrf),
                ("type", &t),
                ("package", &p),
                ("start", &today().to_string()),
                ("regnr", "ABC123"),
                ("car_park", "1"),
            ],
        )
        .await;
    assert_eq!(missing.status(), 422);
    let missing = missing.text().await.unwrap();
    // Each says what to write (issue #35, 7).
    for words in [
        "Skriv namnet på din skola eller arbetsgivare.",
        "Skriv din utbildning eller befattning.",
        "Skriv varför du behöver parkera vid sjukhuset.",
    ] {
        assert!(missing.contains(words), "{words}");
    }
    assert!(!missing.contains("Fyll i fältet."));
    let resp = app
        .post_form(
            "/permits/new",
            &[
                ("csrf", &csrf),
                ("type", &t),
                ("package", &p),
                ("start", &today().to_string()),
                ("regnr", "ABC123"),
                ("car_park", "1"),
                ("organisation", "Mälardalens universitet"),
                ("role", "Sjuksköterskeprogrammet"),
                ("reason", "VFU på sjukhuset"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let review_html = resp.text().await.unwrap();
    let location = confirm(&app, &review_html).await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let page = app.get_html(&location).await;
    assert!(page.contains("Väntar på godkännande"));
    let apps: i64 = applications::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(apps, 1);
}

#[actix_web::test]
async fn bad_input_gives_clear_errors_and_creates_nothing() {
    let app = spawn_app().await;
    app.logged_in_user("careful@regionvastmanland.se").await;
    let yesterday = (today() - chrono::Duration::days(1)).to_string();
    let resp = review(
        &app,
        "Anställda månads/årskort",
        "1 månad",
        &yesterday,
        "ABC123",
    )
    .await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("tidigare än i dag"));
    let far = (today() + chrono::Duration::days(400)).to_string();
    let resp = review(&app, "Anställda månads/årskort", "1 månad", &far, "ABC123").await;
    assert!(resp.text().await.unwrap().contains("för långt fram"));
    let resp = review(
        &app,
        "Anställda månads/årskort",
        "1 månad",
        &today().to_string(),
        "<script>",
    )
    .await;
    let html = resp.text().await.unwrap();
    assert!(html.contains("svenskt registreringsnummer"));
    assert!(html.contains("&lt;script&gt;") && !html.contains("<script>alert"));
    let resp = review(
        &app,
        "Anställda månads/årskort",
        "",
        &today().to_string(),
        "ABC123",
    )
    .await;
    assert!(resp.text().await.unwrap().contains("Välj ett paket."));
    let resp = review(
        &app,
        "Anställda månads/årskort",
        "1 månad",
        "31/12",
        "ABC123",
    )
    .await;
    assert!(resp.text().await.unwrap().contains("ÅÅÅÅ-MM-DD"));
    assert_eq!(permit_count(&app), 0);
}

pub async fn bought_permit(app: &TestApp, email: &str) -> String {
    app.logged_in_user(email).await;
    bought_permit_for_logged_in(app).await
}

/// A yearly permit for ABC123 from today, bought by the user logged in; its path.
pub async fn bought_permit_for_logged_in(app: &TestApp) -> String {
    let review_html = review(
        app,
        "Anställda månads/årskort",
        "12 månader",
        &today().to_string(),
        "ABC123",
    )
    .await
    .text()
    .await
    .unwrap();
    confirm(app, &review_html).await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string()
}

/// A bought permit marked paid: its number can change (an unpaid one is a payment page).
pub async fn paid_permit(app: &TestApp, email: &str) -> String {
    let permit = bought_permit(app, email).await;
    crate::kit::db::mark_paid(&mut app.conn(), &permit);
    permit
}

#[actix_web::test]
async fn the_registration_number_is_updated_inline_or_by_a_plain_post() {
    let app = spawn_app().await;
    let permit = paid_permit(&app, "regnr@regionvastmanland.se").await;
    let csrf = app.csrf().await;
    // HTMX: only the form and the confirmation come back.
    let resp = app
        .client
        .post(app.url(&format!("{permit}/regnr")))
        .header("HX-Request", "true")
        .form(&[("csrf", csrf.as_str()), ("regnr", "xyz 789")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["vary"], "HX-Request");
    let fragment = resp.text().await.unwrap();
    assert!(
        fragment.starts_with("<form id=\"regnr-form\""),
        "{fragment}"
    );
    assert!(!fragment.contains("<html"));
    assert!(fragment.contains("Registreringsnumret har uppdaterats"));
    assert!(fragment.contains("value=\"XYZ789\""));
    // Without JavaScript: a post, a redirect, the full page with the confirmation.
    let resp = app
        .post_form(
            &format!("{permit}/regnr"),
            &[("csrf", &csrf), ("regnr", "DEF-456")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let page = app
        .get_html(resp.headers()["location"].to_str().unwrap())
        .await;
    assert!(page.contains("Registreringsnumret har uppdaterats") && page.contains("<html"));
    let regnr: String = permits::table
        .select(permits::regnr)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(regnr, "DEF456");
    // A bad number keeps what was typed and says why.
    let resp = app
        .post_form(
            &format!("{permit}/regnr"),
            &[("csrf", &csrf), ("regnr", "!!")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("value=\"!!\""));
}

#[actix_web::test]
async fn another_users_permit_is_not_found() {
    let app = spawn_app().await;
    let permit = bought_permit(&app, "owner@regionvastmanland.se").await;
    let intruder = crate::kit::client::client(&app.address);
    let other = spawn_other_user(&app, &intruder).await;
    let page = intruder.get(app.url(&permit)).send().await.unwrap();
    assert_eq!(page.status(), 404);
    let resp = intruder
        .post(app.url(&format!("{permit}/regnr")))
        .form(&[("csrf", other.as_str()), ("regnr", "HAX000")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let regnr: String = permits::table
        .select(permits::regnr)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(regnr, "ABC123");
    assert_eq!(
        intruder
            .get(app.url("/permits/999999"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        intruder
            .get(app.url("/permits/abc"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

/// Registers and logs in a second user on its own client; returns its CSRF token.
pub async fn spawn_other_user(app: &TestApp, client: &reqwest::Client) -> String {
    let email = "intruder@regionvastmanland.se";
    flows::register_confirm_login(client, &app.address, email, app.inbox()).await;
    flows::csrf(client, &app.address).await
}

#[actix_web::test]
async fn concurrent_changes_to_one_permit_are_applied_one_at_a_time() {
    let app = spawn_app().await;
    let permit = paid_permit(&app, "race@regionvastmanland.se").await;
    let csrf = app.csrf().await;
    let plates: Vec<String> = (0..10).map(|i| format!("RAC{i:03}")).collect();
    let mut handles = Vec::new();
    for plate in &plates {
        let client = app.client.clone();
        let url = app.url(&format!("{permit}/regnr"));
        let body = [("csrf", csrf.clone()), ("regnr", plate.clone())];
        handles.push(actix_web::rt::spawn(async move {
            client.post(url).form(&body).send().await.unwrap().status()
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), 303);
    }
    let (regnr, version): (String, i32) = permits::table
        .select((permits::regnr, permits::version))
        .first(&mut app.conn())
        .unwrap();
    assert!(plates.contains(&regnr));
    assert_eq!(version, 10, "every change counted, none lost");
    let changes: i64 = permit_events::table
        .filter(permit_events::kind.eq("regnr"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(changes, 10);
    // A change from another instance that read an older version fails instead of overwriting.
    let id: i64 = permits::table
        .select(permits::id)
        .first(&mut app.conn())
        .unwrap();
    let stale = parkportal::db::permits::bump_version(
        &mut app.conn(),
        id.into(),
        version - 1,
        parkportal::clock::now(),
    )
    .unwrap();
    assert!(!stale);
}

#[actix_web::test]
async fn a_temporary_number_within_the_period_one_at_a_time() {
    let app = spawn_app().await;
    let permit = paid_permit(&app, "rental@regionvastmanland.se").await;
    let csrf = app.csrf().await;
    // The contract's words: the button itself says "Byt registreringsnummer tillfälligt".
    let page = app.get_html(&permit).await;
    assert!(
        page.contains(">Byt registreringsnummer tillfälligt</button>"),
        "{page}"
    );
    let d = |n: i64| (today() + chrono::Duration::days(n)).to_string();
    let past = app
        .post_form(
            &format!("{permit}/temporary"),
            &[
                ("csrf", &csrf),
                ("temp_regnr", "HYR111"),
                ("from", &d(-1)),
                ("to", &d(2)),
            ],
        )
        .await;
    assert_eq!(past.status(), 422);
    assert!(past.text().await.unwrap().contains("före i dag"));
    let outside = app
        .post_form(
            &format!("{permit}/temporary"),
            &[
                ("csrf", &csrf),
                ("temp_regnr", "HYR111"),
                ("from", &d(1)),
                ("to", &d(900)),
            ],
        )
        .await;
    assert!(
        outside
            .text()
            .await
            .unwrap()
            .contains("inom tillståndets giltighetstid")
    );
    let ok = app
        .post_form(
            &format!("{permit}/temporary"),
            &[
                ("csrf", &csrf),
                ("temp_regnr", "hyr 111"),
                ("from", &d(0)),
                ("to", &d(3)),
            ],
        )
        .await;
    assert_eq!(ok.status(), 303);
    let page = app
        .get_html(ok.headers()["location"].to_str().unwrap())
        .await;
    assert!(page.contains("HYR111") && page.contains(">Avsluta</button>"));
    let second = app
        .post_form(
            &format!("{permit}/temporary"),
            &[
                ("csrf", &csrf),
                ("temp_regnr", "HYR222"),
                ("from", &d(0)),
                ("to", &d(1)),
            ],
        )
        .await;
    assert_eq!(
        second.status(),
        422,
        "one at a time (the form is hidden, the rule holds anyway)"
    );
    let tid: i64 = temporary_regnrs::table
        .select(temporary_regnrs::id)
        .first(&mut app.conn())
        .unwrap();
    let end = app
        .post_form(&format!("{permit}/temporary/{tid}/end"), &[("csrf", &csrf)])
        .await;
    assert_eq!(end.status(), 303);
    let again = app
        .post_form(
            &format!("{permit}/temporary"),
            &[
                ("csrf", &csrf),
                ("temp_regnr", "HYR222"),
                ("from", &d(0)),
                ("to", &d(1)),
            ],
        )
        .await;
    assert_eq!(again.status(), 303);
}

#[actix_web::test]
async fn status_follows_the_date_and_renewal_starts_the_day_after() {
    let app = spawn_app().await;
    let permit = bought_permit(&app, "dates@regionvastmanland.se").await;
    let set = |state: &str, start: chrono::NaiveDate, end: chrono::NaiveDate| {
        diesel::update(permits::table)
            .set((
                permits::state.eq(state),
                permits::start_date.eq(start),
                permits::end_date.eq(end),
            ))
            .execute(&mut app.conn())
            .unwrap();
    };
    let day = |n: i64| today() + chrono::Duration::days(n);
    set("paid", day(2), day(30));
    assert!(app.get_html(&permit).await.contains(">Utfärdad<"));
    set("paid", day(0), day(30));
    let page = app.get_html(&permit).await;
    assert!(page.contains(">Aktiv<"));
    assert!(page.contains(">Förnya</a>") && page.contains(">Se kvitto</a>"));
    set("paid", day(-40), day(-1));
    assert!(app.get_html(&permit).await.contains(">Utgången<"));
    set("cancelled", day(0), day(30));
    assert!(app.get_html(&permit).await.contains(">Makulerad<"));

    set("paid", day(0), day(30));
    let resp = app.get(&format!("{permit}/renew")).await;
    let wizard = app
        .get_html(resp.headers()["location"].to_str().unwrap())
        .await;
    assert!(
        wizard.contains(&format!("value=\"{}\"", day(31))),
        "starts the day after"
    );
    assert!(wizard.contains("value=\"ABC123\""));
}

/// A bought permit of `email`'s made paid, ending on `end`; its path.
async fn paid_permit_ending(app: &TestApp, email: &str, end: chrono::NaiveDate) -> String {
    let permit = bought_permit(app, email).await;
    diesel::update(permits::table)
        .set((permits::state.eq("paid"), permits::end_date.eq(end)))
        .execute(&mut app.conn())
        .unwrap();
    permit
}

/// "Förnya" on the permit at `permit`: the renewal page it leads to.
async fn renewal_page(app: &TestApp, permit: &str) -> String {
    let resp = app.get(&format!("{permit}/renew")).await;
    app.get_html(resp.headers()["location"].to_str().unwrap())
        .await
}

/// "Förnya": a page that says it renews, asks only the package and the number, and ends in
/// a permit that renews the old one; the type and car park cannot be changed under it.
#[actix_web::test]
async fn renewing_asks_only_what_may_change_and_keeps_type_and_car_park() {
    use crate::kit::html::form_fields;
    let app = spawn_app().await;
    let end = today() + chrono::Duration::days(30);
    let permit = paid_permit_ending(&app, "fornya@regionvastmanland.se", end).await;
    // A month before the end, "Förnya" is the page's primary button; a year before, a link.
    let primary = format!("<a class=\"button\" href=\"{permit}/renew\">Förnya</a>");
    assert!(app.get_html(&permit).await.contains(&primary));
    diesel::update(permits::table)
        .set(permits::end_date.eq(today() + chrono::Duration::days(300)))
        .execute(&mut app.conn())
        .unwrap();
    let later = app.get_html(&permit).await;
    assert!(
        !later.contains(&primary) && later.contains(&format!("href=\"{permit}/renew\">Förnya</a>"))
    );
    diesel::update(permits::table)
        .set(permits::end_date.eq(end))
        .execute(&mut app.conn())
        .unwrap();
    let page = renewal_page(&app, &permit).await;
    let from = end + chrono::Duration::days(1);
    let heading = format!("<h1>Förnya ABC123 – nytt tillstånd från {from}</h1>");
    assert!(page.contains(&heading), "{page}");
    assert!(page.contains(&format!(
        "<title>Förnya ABC123 – nytt tillstånd från {from}"
    )));
    assert!(page.contains("Samma typ och parkeringsområde som nu:"));
    assert!(
        page.contains("<legend>Paket</legend>") && page.contains(">Registreringsnummer</label>")
    );
    for not_asked in ["<legend>Typ</legend>", ">Startdatum</label>", "<select"] {
        assert!(!page.contains(not_asked), "{not_asked}");
    }
    app.get("/lang/en?next=%2F").await;
    let english = app
        .get_html(&format!(
            "/permits/new?renew={}",
            permit.trim_start_matches("/permits/")
        ))
        .await;
    assert!(
        english.contains(&format!("<h1>Renew ABC123 – new permit from {from}</h1>")),
        "{english}"
    );
    assert!(english.contains("The same type and car park as now:"));
    app.get("/lang/sv?next=%2F").await;
    let fields = form_fields(&page, "form[action=\"/permits/new\"]").unwrap();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(field("start"), from.to_string());
    assert!(!field("package").is_empty(), "the old package chosen");
    let send = |changes: &[(&str, &str)]| {
        let mut form = fields.clone();
        for (k, v) in changes {
            form.retain(|(n, _)| n != k);
            form.push((k.to_string(), v.to_string()));
        }
        let app = &app;
        async move {
            let resp = app
                .client
                .post(app.url("/permits/new"))
                .form(&form)
                .send()
                .await;
            Ok::<_, reqwest::Error>(
                crate::kit::flows::follow_review(&app.client, &app.address, resp?).await,
            )
        }
    };
    // A bad number: the renewal page again, with what was typed.
    let refused = send(&[("regnr", "ÅÄÖ!")]).await.unwrap();
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(
        refused.contains(&heading) && refused.contains("value=\"ÅÄÖ!\""),
        "{refused}"
    );
    // Sends the renewal with changes, confirms it, and says what the new permit renews.
    let app_ref = &app;
    let place = |changes: &'static [(&'static str, &'static str)], other_park: Option<String>| {
        let send = &send;
        async move {
            let mut changes = changes.to_vec();
            if let Some(park) = &other_park {
                changes.push(("car_park", park.as_str()));
            }
            let review = send(&changes).await.unwrap().text().await.unwrap();
            let new = confirm(app_ref, &review).await.headers()["location"]
                .to_str()
                .unwrap()
                .to_string();
            let renews: Option<i64> = permits::table
                .find(new.trim_start_matches("/permits/").parse::<i64>().unwrap())
                .select(permits::renews_permit_id)
                .first(&mut app_ref.conn())
                .unwrap();
            (review, renews)
        }
    };
    // A new number: review, confirm, and the new permit renews the old one.
    let (review, renews) = place(&[("regnr", "XYZ98A")], None).await;
    assert!(review.contains("XYZ98A") && review.contains(&from.to_string()));
    let old_id: i64 = permit.trim_start_matches("/permits/").parse().unwrap();
    assert_eq!(renews, Some(old_id));

    // An order that names the permit but another car park is a new permit, not a renewal.
    let other_park = app
        .get_html("/permits/new")
        .await
        .split("<option value=\"")
        .nth(2)
        .and_then(|s| s.split('"').next())
        .map(str::to_string);
    if let Some(other) = other_park.filter(|o| *o != field("car_park")) {
        let (_, renews) = place(&[("regnr", "QWE123")], Some(other)).await;
        assert_eq!(renews, None);
    } else {
        panic!("the demo catalogue has more than one car park");
    }
}

/// "Förnya" on a 12-month card the day it is bought: the renewal starts the day after it
/// ends, a year ahead, beyond the start horizon of a new order (180 days), and goes through.
#[actix_web::test]
async fn a_year_card_can_be_renewed_the_day_it_is_bought() {
    use crate::kit::html::form_fields;
    let app = spawn_app().await;
    let end = today() + chrono::Duration::days(364);
    let permit = paid_permit_ending(&app, "helar@regionvastmanland.se", end).await;
    let page = renewal_page(&app, &permit).await;
    let fields = form_fields(&page, "form[action=\"/permits/new\"]").unwrap();
    let from = end + chrono::Duration::days(1);
    assert!(
        fields.contains(&("start".into(), from.to_string())),
        "{fields:?}"
    );
    let review = app
        .client
        .post(app.url("/permits/new"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    let review = crate::kit::flows::follow_review(&app.client, &app.address, review).await;
    assert_eq!(review.status(), 200, "the review page, not a refused start");
    let review = review.text().await.unwrap();
    assert!(review.contains(&from.to_string()), "{review}");
    let new = confirm(&app, &review).await;
    assert_eq!(new.status(), 303);
    // A new order (not a renewal) that far ahead is still refused.
    let mut plain = fields.clone();
    plain.retain(|(k, _)| k != "renews");
    let refused = app
        .client
        .post(app.url("/permits/new"))
        .form(&plain)
        .send()
        .await
        .unwrap();
    let refused = crate::kit::flows::follow_review(&app.client, &app.address, refused).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("för långt fram"));
}

#[actix_web::test]
async fn an_expiry_reminder_goes_out_once_with_a_renewal_link() {
    let app = spawn_app().await;
    let email = "remind@regionvastmanland.se";
    let permit = bought_permit(&app, email).await;
    diesel::update(permits::table)
        .set((
            permits::state.eq("paid"),
            permits::end_date.eq(today() + chrono::Duration::days(5)),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let base = app.address.clone();
    let mut conn = app.conn();
    assert_eq!(
        parkportal::actors::reminders::send_due(&mut conn, &base, 7).unwrap(),
        1
    );
    assert_eq!(
        parkportal::actors::reminders::send_due(&mut conn, &base, 7).unwrap(),
        0,
        "once"
    );
    let mail = app.smtp().wait_for_nth(email, 2).await;
    assert!(mail.subject().contains("går ut"));
    assert!(mail.link("/renew").ends_with(&format!("{permit}/renew")));
    // A day card cannot be renewed: no reminder with a "Förnya" that would be refused.
    drop(conn);
    crate::daycards::paid_day_card(&app, "dag.remind@regionvastmanland.se", today(), 3).await;
    diesel::update(permits::table.filter(permits::kind.eq("day")))
        .set(permits::end_date.eq(today() + chrono::Duration::days(5)))
        .execute(&mut app.conn())
        .unwrap();
    let mut conn = app.conn();
    assert_eq!(
        parkportal::actors::reminders::send_due(&mut conn, &base, 7).unwrap(),
        0,
        "no reminder for a day card"
    );
}

#[actix_web::test]
async fn an_unpaid_permit_page_says_the_check_finds_it_waiting_for_payment() {
    let app = spawn_app().await;
    let permit = bought_permit(&app, "obetald@regionvastmanland.se").await;
    let page = app.get_html(&permit).await;
    // An expected state, said neutrally (issue #35, 2): "Inte betald än", never the red alarm,
    // and no empty "Möjliga åtgärder".
    let verdict = crate::kit::html::outer_html(&page, ".verdict").join("");
    assert!(verdict.contains("Inte betald än"), "{page}");
    assert!(
        !verdict.contains("Inget giltigt tillstånd")
            && !verdict.contains("class=\"verdict small no\"")
    );
    assert!(
        !page.contains("id=\"actions-h\""),
        "no empty actions section"
    );
    assert!(page.contains("<h1>Anställda månads/årskort – ABC123</h1>"));
}

/// After a form, reload, Back and the language switch never end on a 404: a GET of an
/// address that only takes the form's POST shows the page the form belongs to.
#[actix_web::test]
async fn a_get_of_a_form_address_shows_its_page() {
    let app = spawn_app().await;
    let permit = bought_permit(&app, "tillbaka@regionvastmanland.se").await;
    for path in [
        format!("{permit}/temporary"),
        format!("{permit}/regnr"),
        format!("{permit}/attachment"),
        format!("{permit}/sessions"),
        format!("{permit}/temporary/1/end"),
    ] {
        let resp = app.get(&path).await;
        assert_eq!(resp.status(), 303, "{path}");
        assert_eq!(resp.headers()["location"], permit.as_str(), "{path}");
    }
    let resp = app.get("/permits/confirm").await;
    assert_eq!(resp.headers()["location"], "/permits/new");
    let resp = app.get("/settings/email").await;
    assert_eq!(resp.headers()["location"], "/settings");
    // The language switch on such an address lands on the page, in English.
    let resp = app
        .get(&format!(
            "/lang/en?next={}",
            url::form_urlencoded::byte_serialize(format!("{permit}/temporary").as_bytes())
                .collect::<String>()
        ))
        .await;
    let next = resp.headers()["location"].to_str().unwrap().to_string();
    let resp = app.get(&next).await;
    assert_eq!(resp.headers()["location"], permit.as_str());
    assert!(app.get_html(&permit).await.contains("<html lang=\"en\""));
    // An address of nothing is still a 404.
    assert_eq!(app.get("/permits/1x/temporary").await.status(), 404);
    assert_eq!(app.get("/nowhere").await.status(), 404);
}

/// "Visa paket för vald typ" (without JavaScript) never puts the CSRF token in an address.
#[actix_web::test]
async fn showing_the_packages_keeps_the_token_out_of_the_address() {
    let app = spawn_app().await;
    app.logged_in_user("paket@regionvastmanland.se").await;
    let wizard = app.get_html("/permits/new").await;
    assert!(wizard.contains("formaction=\"/permits/new/details\""));
    assert!(!wizard.contains("formmethod=\"get\""));
    let csrf = hidden_value(&wizard, "csrf");
    let day = flows::type_id(&wizard, "Anställda dagkort");
    let resp = app
        .post_form(
            "/permits/new/details",
            &[
                ("csrf", &csrf),
                ("type", &day),
                ("regnr", "abc 123"),
                ("start", "2026-12-24"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let to = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(
        to.starts_with("/permits/new?") && !to.contains("csrf"),
        "{to}"
    );
    let page = app.get_html(&to).await;
    assert!(page.contains(">Antal dagar</label>") && page.contains("value=\"abc 123\""));
    // Without the token: refused.
    let resp = app
        .post_form("/permits/new/details", &[("type", &day)])
        .await;
    assert_eq!(resp.status(), 403);
}

/// A refused temporary number comes back with what was typed: the number, the box and the
/// dates (#16 item 2), with the dates held to the permit by min/max.
#[actix_web::test]
async fn a_refused_temporary_number_keeps_what_was_typed() {
    let app = spawn_app().await;
    let permit = bought_permit(&app, "hyrbil@regionvastmanland.se").await;
    diesel::update(permits::table)
        .set(permits::state.eq("paid"))
        .execute(&mut app.conn())
        .unwrap();
    let page = app.get_html(&permit).await;
    assert!(page.contains(&format!("min=\"{}\"", today())));
    let csrf = app.csrf().await;
    let resp = app
        .post_form(
            &format!("{permit}/temporary"),
            &[
                ("csrf", &csrf),
                ("temp_regnr", "HYR555"),
                ("foreign", "yes"),
                ("from", "2026-13-40"),
                ("to", "i morgon"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let page = resp.text().await.unwrap();
    for kept in [
        "value=\"HYR555\"",
        "value=\"2026-13-40\"",
        "value=\"i morgon\"",
        "id=\"temp-foreign\" type=\"checkbox\" name=\"foreign\" value=\"yes\" checked",
        "Skriv datumet som ÅÅÅÅ-MM-DD.",
    ] {
        assert!(page.contains(kept), "{kept}");
    }
    // The permit page's error summary names it and leads to the form; "Fel: " in the title.
    assert_eq!(
        crate::kit::html::attrs(&page, "#error-summary a", "href"),
        ["#temp_regnr"]
    );
    assert!(
        crate::kit::html::text(&page, "title")
            .unwrap()
            .starts_with("Fel: ")
    );
}
