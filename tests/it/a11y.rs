//! Accessibility: axe-core (vendored, `tests/it/vendor/`) run in Chromium on every page of the
//! portal, on a 320 px phone, must find no violation and no page may scroll sideways; and a
//! keyboard-only walk through the login page.
//!
//! axe is injected through WebDriver's execute script: the portal's CSP forbids inline
//! scripts, but script run by the driver is not subject to the page's CSP in Chromium (checked
//! below: axe loads and runs on pages served with that CSP).

use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use serde_json::Value;

use crate::browser::{Browser, browser_tests_skipped};
use crate::kit::dates::today;
use crate::kit::flows::{car_park, type_id};
use crate::kit::{
    flows::PASSWORD,
    html::hidden_value,
    spawn::{TestApp, spawn_app},
};

const AXE: &str = include_str!("vendor/axe.min.js");

/// The operator portal's pages, checked with the same user made admin (its own permits, case
/// and account are what the pages show).
const OPERATOR_PAGES: &[&str] = &[
    "/operator/dashboard",
    "/operator/applications",
    "/operator/cases",
    "/operator/cases/1",
    "/operator/search?q=ABC123",
    "/operator/customers/1",
    "/operator/permits/1",
    "/operator/permits/2",
    "/operator/check",
    "/operator/check?regnr=ABC123",
    "/operator/catalogue",
    "/operator/queues",
    "/operator/reports",
    "/operator/staff",
];

/// Runs axe on the page now shown; returns its violations, one readable line each
/// (rule id, help text, the selectors of the offending elements).
async fn axe_violations(b: &Browser) -> Vec<String> {
    b.client.execute(AXE, vec![]).await.expect("inject axe");
    let result = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
                .then(r => done(JSON.stringify(r.violations)))
                .catch(e => done(JSON.stringify({ error: String(e) })));",
            vec![],
        )
        .await
        .expect("axe runs");
    let parsed: Value = serde_json::from_str(result.as_str().expect("axe answers")).unwrap();
    assert!(parsed.get("error").is_none(), "axe failed: {parsed}");
    parsed
        .as_array()
        .expect("a list of violations")
        .iter()
        .map(|v| {
            let targets: Vec<String> = v["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| n["target"].to_string())
                .collect();
            format!(
                "{} ({}): {} — {}",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or("?"),
                targets.join(", ")
            )
        })
        .collect()
}

/// Opens `path` and waits until its `<h1>` is there and htmx has settled.
async fn open(b: &Browser, app: &TestApp, path: &str) {
    b.goto(&app.url(path)).await;
    settle(b).await;
}

async fn settle(b: &Browser) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let ready: Value = b
            .client
            .execute(
                "return document.readyState === 'complete' && !!document.querySelector('h1')
                    && !document.querySelector('.htmx-request')",
                vec![],
            )
            .await
            .unwrap_or(Value::Bool(false));
        if ready == Value::Bool(true) {
            return;
        }
        assert!(Instant::now() < deadline, "page never settled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The walk's viewport: a 320 px phone, where nothing may scroll sideways (WCAG 1.4.10).
const WIDTH: u32 = 320;

/// Checks the page now shown; collects what axe found under the page's name, and a page
/// wider than the 320 px viewport with the elements that stick out.
async fn check_page(b: &Browser, name: &str, found: &mut Vec<String>) {
    let heading = b.text("h1").await;
    let file: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    b.screenshot(&format!("walk-320-{file}")).await;
    for v in axe_violations(b).await {
        found.push(format!("{name} («{heading}»): {v}"));
    }
    let wide: Value = b
        .client
        .execute(
            "const w = document.documentElement.clientWidth;
             if (document.documentElement.scrollWidth <= w) return null;
             return [document.documentElement.scrollWidth,
                     [...document.querySelectorAll('main *, header *, footer *')]
                       .filter(e => e.getBoundingClientRect().right > w + 0.5)
                       .slice(0, 4)
                       .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                            + ' ' + Math.round(e.getBoundingClientRect().right))];",
            vec![],
        )
        .await
        .unwrap();
    if !wide.is_null() {
        found.push(format!(
            "{name} («{heading}»): {} px wide at {WIDTH} px, beyond: {}",
            wide[0], wide[1]
        ));
    }
}

#[actix_web::test]
async fn axe_finds_no_violation_on_any_page() {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    // A long address, as staff have: Inställningar and Hem must wrap it at 320 px.
    let email = "erik.sjukskoterska.lindqvist-axelsson@regionvastmanland.se";
    // A paid day card (calendar, receipt), a second one awaiting payment, and a case.
    let paid = crate::daycards::paid_day_card(&app, email, today(), 5).await;
    let review = crate::daycards::buy_day_card(&app, today(), "3").await;
    let review = review.text().await.unwrap();
    let awaiting = crate::permits::confirm(&app, &review).await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let csrf = app.csrf().await;
    // A booked day: the calendar shows its status and "Avbryt".
    let tomorrow = (today() + chrono::Duration::days(1)).to_string();
    let booked = app
        .post_form(
            &format!("{paid}/sessions"),
            &[("csrf", &csrf), ("regnr", "ABC123"), ("day", &tomorrow)],
        )
        .await;
    assert_eq!(booked.status(), 303, "a day booked");
    let resp = app
        .post_form(
            "/messages/new",
            &[
                ("csrf", &csrf),
                ("subject", "Fråga om dagkort"),
                ("message", "Hur bokar jag en dag?"),
                ("permit", ""),
            ],
        )
        .await;
    let thread = resp.headers()["location"].to_str().unwrap().to_string();
    let wizard = app.get_html("/permits/new").await;
    let day_type = type_id(&wizard, "Anställda dagkort");
    let car_park = car_park(&wizard);
    assert!(!hidden_value(&wizard, "csrf").is_empty());
    // A full car park, and this user in its queue.
    let monthly = type_id(&wizard, "Anställda månads/årskort");
    let spot = parkportal::db::queue::Spot {
        car_park_id: car_park.parse().unwrap(),
        permit_type_id: monthly.parse().unwrap(),
    };
    let capacity = |places| {
        parkportal::db::queue::set_capacity(
            &mut app.conn(),
            spot,
            Some(places),
            parkportal::clock::now(),
        )
        .unwrap()
    };
    capacity(0);
    let joined = app
        .post_form(
            "/queue/join",
            &[("csrf", &csrf), ("type", &monthly), ("car_park", &car_park)],
        )
        .await;
    assert_eq!(joined.status(), 303, "in the queue");

    let b = Browser::start_sized(true, WIDTH).await;
    let mut found = Vec::new();
    // Logged out.
    for (name, path) in [
        ("login", "/login"),
        ("register", "/register"),
        ("forgot password", "/forgot-password"),
        ("terms", "/villkor"),
        ("accessibility statement", "/tillganglighet"),
    ] {
        open(&b, &app, path).await;
        check_page(&b, name, &mut found).await;
    }
    // The check is live and not stopped by the CSP: a missing alt text is reported.
    b.client
        .execute(
            "const i = document.createElement('img'); i.src = 'data:,'; \
             document.querySelector('main').appendChild(i);",
            vec![],
        )
        .await
        .unwrap();
    let control = axe_violations(&b).await;
    assert!(
        control.iter().any(|v| v.starts_with("image-alt")),
        "axe did not see a planted violation: {control:?}"
    );

    // Logged in.
    b.login(&app.url("/"), email, PASSWORD).await;
    let buy_step = format!(
        "/permits/new?type={day_type}&start={}&days=3&regnr=ABC123&car_park={car_park}",
        today()
    );
    for (name, path) in [
        ("home", "/".to_string()),
        ("buy: type", "/permits/new".to_string()),
        ("buy: details", buy_step.clone()),
        (
            "buy: full",
            format!("/permits/new?type={monthly}&car_park={car_park}"),
        ),
        ("permit awaiting payment", awaiting.clone()),
        ("day card paid, with calendar", paid.clone()),
        ("receipt", format!("{paid}/receipt")),
        ("messages", "/messages".to_string()),
        ("new case", "/messages/new".to_string()),
        ("case thread", thread.clone()),
        ("notifications", "/notifications".to_string()),
        ("settings", "/settings".to_string()),
        ("payment settings", "/settings/payment".to_string()),
        ("delete account: check", "/settings/delete".to_string()),
        ("not found, in the frame", "/no-such-page".to_string()),
    ] {
        open(&b, &app, &path).await;
        check_page(&b, name, &mut found).await;
    }
    // A place frees: the offer on Hem and its page.
    capacity(1);
    app.state.queue_now();
    let deadline = Instant::now() + Duration::from_secs(15);
    while !b.page_text().await.contains("Erbjudande om plats") {
        assert!(Instant::now() < deadline, "no offer on Hem");
        open(&b, &app, "/").await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    check_page(&b, "home with an offer", &mut found).await;
    open(&b, &app, "/queue/offers/1").await;
    check_page(&b, "offer", &mut found).await;
    // The wizard's review step comes from a post.
    open(&b, &app, &buy_step).await;
    b.click("Spara och fortsätt").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while !b.page_text().await.contains("Bekräfta") {
        assert!(Instant::now() < deadline, "no review page");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    settle(&b).await;
    check_page(&b, "buy: review", &mut found).await;
    // A form shown again with its errors.
    open(&b, &app, "/messages/new").await;
    b.click("Skicka").await;
    b.wait_for_heading("Nytt ärende").await;
    settle(&b).await;
    check_page(&b, "new case with errors", &mut found).await;
    {
        use diesel::prelude::*;
        use parkportal::db::schema::users;
        diesel::update(users::table.filter(users::email.eq(email)))
            .set(users::role.eq("admin"))
            .execute(&mut app.conn())
            .unwrap();
    }
    // Made admin, the account logs in again with the second factor, setting it up: the
    // enrolment page and the recovery codes are checked too.
    open(&b, &app, "/login?next=/operator/dashboard").await;
    b.fill("E-postadress", email).await;
    b.fill("Lösenord", crate::kit::flows::PASSWORD).await;
    b.click("Logga in").await;
    b.wait_for_heading("Tvåstegsverifiering").await;
    settle(&b).await;
    check_page(&b, "second factor: set up", &mut found).await;
    let html = b.client.source().await.unwrap();
    let secret = crate::kit::mfa::secret_on_page(&html);
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    let code = parkportal::domain::totp::code_at(&secret, now).unwrap();
    b.fill("Engångskod", &code).await;
    b.click("Aktivera").await;
    b.wait_for_heading("Dina reservkoder").await;
    settle(&b).await;
    check_page(&b, "second factor: recovery codes", &mut found).await;
    for path in OPERATOR_PAGES {
        open(&b, &app, path).await;
        let heading = b.client.find(fantoccini::Locator::Css("h1")).await.unwrap();
        assert_ne!(heading.text().await.unwrap(), "Sidan finns inte", "{path}");
        check_page(&b, path, &mut found).await;
    }
    let line = format!("/operator/queues/{car_park}/{monthly}");
    open(&b, &app, &line).await;
    check_page(&b, "a queue", &mut found).await;
    // "Makulera" asks once more on a page of its own.
    open(&b, &app, "/operator/permits/1").await;
    b.click("Makulera").await;
    b.wait_for_heading("Makulera ABC123").await;
    settle(&b).await;
    check_page(&b, "cancel: check", &mut found).await;
    b.close().await;
    assert!(
        found.is_empty(),
        "axe found {} violation(s):\n{}",
        found.len(),
        found.join("\n")
    );
}

/// Presses one key on whatever has focus, as a keyboard does.
async fn press(b: &Browser, key: char) {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    b.client.perform_actions(keys).await.expect("key press");
}

/// What has focus: tag, id and text, e.g. `input#email` or `button:Logga in`.
async fn focused(b: &Browser) -> String {
    b.client
        .execute(
            "const e = document.activeElement;
             return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                 + (e.tagName === 'BUTTON' || e.tagName === 'A' ? ':' + e.textContent.trim() : '');",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

/// From the top of the login page with Tab only: the e-mail field, then the password, then
/// "Logga in"; typing there and pressing Enter logs in.
#[actix_web::test]
async fn the_login_page_works_with_the_keyboard_alone() {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    let email = "tangentbord@regionvastmanland.se";
    app.logged_in_user(email).await;
    let b = Browser::start(true).await;
    open(&b, &app, "/login").await;
    assert_eq!(focused(&b).await, "body");
    let mut order = Vec::new();
    let tab = '\u{E004}';
    loop {
        press(&b, tab).await;
        let now = focused(&b).await;
        order.push(now.clone());
        match now.as_str() {
            "input#email" => {
                let field = b.client.active_element().await.unwrap();
                field.send_keys(email).await.unwrap();
            }
            "input#password" => {
                let field = b.client.active_element().await.unwrap();
                field.send_keys(PASSWORD).await.unwrap();
            }
            "button:Logga in" => break,
            _ => {}
        }
        assert!(order.len() < 25, "Tab never reached Logga in: {order:?}");
    }
    let at = |what: &str| {
        order
            .iter()
            .position(|o| o == what)
            .unwrap_or_else(|| panic!("Tab never reached {what}: {order:?}"))
    };
    assert!(
        at("input#email") < at("input#password") && at("input#password") < at("button:Logga in"),
        "focus order: {order:?}"
    );
    // The skip link comes first, before the top bar.
    assert_eq!(order[0], "a:Hoppa till innehållet", "first stop: {order:?}");
    press(&b, '\u{E007}').await; // Enter
    b.wait_for_heading("Mina parkeringstillstånd").await;
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    b.close().await;
}

const TAB: char = '\u{E004}';
const ENTER: char = '\u{E007}';
const SPACE: char = ' ';
const ARROW_DOWN: char = '\u{E015}';

/// Presses Tab until the focus is on `want` (as [`focused`] writes it; a trailing `*` matches
/// any rest), as a keyboard user moves through a page.
async fn tab_to(b: &Browser, want: &str) {
    let matches = |now: &str| match want.strip_suffix('*') {
        Some(prefix) => now.starts_with(prefix),
        None => now == want,
    };
    let mut stops = Vec::new();
    loop {
        press(b, TAB).await;
        let now = focused(b).await;
        if matches(&now) {
            return;
        }
        stops.push(now);
        assert!(stops.len() < 90, "Tab never reached {want}: {stops:?}");
    }
}

/// Types into whatever has the focus.
async fn type_here(b: &Browser, text: &str) {
    let field = b.client.active_element().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// The guide's main customer flows with the keyboard alone (#16 item 10), JavaScript on: from
/// Hem buy a day card (the type by arrow key, the days, the number), confirm, pay with Swish,
/// tick tomorrow in the calendar and book it, then write to the parking office. Nothing is
/// clicked: only Tab, arrows, Space, Enter and typing.
#[actix_web::test]
async fn the_customer_flows_work_with_the_keyboard_alone() {
    if browser_tests_skipped() {
        return;
    }
    let app = crate::kit::spawn::spawn_app_with(&[("SWISH_SIM_DELAY_MS", "200")]).await;
    let email = "bara.tangenter@regionvastmanland.se";
    app.logged_in_user(email).await;
    let b = Browser::start(true).await;
    b.login(&app.url("/"), email, PASSWORD).await;
    settle(&b).await;

    // Köp nytt parkeringstillstånd: the first type has the focus, the arrow chooses the next.
    tab_to(&b, "a:Köp nytt parkeringstillstånd").await;
    press(&b, ENTER).await;
    b.wait_for_heading("Köp nytt parkeringstillstånd").await;
    settle(&b).await;
    tab_to(&b, "input#type-*").await;
    press(&b, ARROW_DOWN).await;
    b.wait_for_text("Antal dagar").await;
    settle(&b).await;
    tab_to(&b, "input#days").await;
    type_here(&b, "5").await;
    tab_to(&b, "input#regnr").await;
    type_here(&b, "ABC123").await;
    tab_to(&b, "button:Spara och fortsätt").await;
    press(&b, ENTER).await;
    b.wait_for_heading("Granska och bekräfta").await;
    settle(&b).await;
    tab_to(&b, "button:Bekräfta").await;
    press(&b, ENTER).await;
    b.wait_for_heading("Anställda dagkort – ABC123").await;
    settle(&b).await;

    // Pay with Swish (the number from the account is filled in).
    tab_to(&b, "button:Betala nu").await;
    press(&b, ENTER).await;
    b.wait_for_text("Återstående dagar").await;
    settle(&b).await;
    // Back on the permit: the focus is on "Betalningen är klar" (#16 item 8).
    assert_eq!(focused(&b).await, "section#payment-done");

    // Tomorrow in the calendar (next month's first day when today is the last), then book.
    let tomorrow = today() + chrono::Duration::days(1);
    if tomorrow.format("%m").to_string() != today().format("%m").to_string() {
        tab_to(&b, "button:Nästa månad").await;
        press(&b, ENTER).await;
        b.wait_for_text(&tomorrow.format("%Y").to_string()).await;
        settle(&b).await;
    }
    let day = format!("input#d{}", chrono::Datelike::day(&tomorrow));
    tab_to(&b, &day).await;
    press(&b, SPACE).await;
    settle(&b).await;
    // htmx swapped the month; the focus stayed on the day.
    assert_eq!(focused(&b).await, day);
    tab_to(&b, "button:Skapa session").await;
    press(&b, ENTER).await;
    b.wait_for_text("Dagarna har bokats.").await;

    // Meddelanden: a new case.
    tab_to(&b, "a:Meddelanden").await;
    press(&b, ENTER).await;
    b.wait_for_heading("Meddelanden").await;
    settle(&b).await;
    tab_to(&b, "a:Nytt ärende").await;
    press(&b, ENTER).await;
    b.wait_for_heading("Nytt ärende").await;
    settle(&b).await;
    tab_to(&b, "input#subject").await;
    type_here(&b, "Fråga med tangentbordet").await;
    tab_to(&b, "textarea#message").await;
    type_here(&b, "Går allt att göra utan mus?").await;
    tab_to(&b, "button:Skicka").await;
    press(&b, ENTER).await;
    b.wait_for_text("Ditt meddelande har skickats").await;
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    b.close().await;
}

/// Registering and changing one's details with the keyboard alone (#16 item 10), without
/// JavaScript: the registration form field by field (the terms by Space), then, logged in,
/// "Meny" opened with Enter, "Inställningar", the name replaced and saved.
#[actix_web::test]
async fn registering_and_settings_work_with_the_keyboard_alone() {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    let email = "ny.tangent@regionvastmanland.se";
    let b = Browser::start_sized(false, 320).await;
    open(&b, &app, "/register").await;
    for (field, text) in [
        ("input#email", email),
        ("input#password", PASSWORD),
        ("input#mobile", "0701234567"),
        ("input#name", "Tina Tangent"),
    ] {
        tab_to(&b, field).await;
        type_here(&b, text).await;
    }
    tab_to(&b, "input#terms").await;
    press(&b, SPACE).await;
    tab_to(&b, "button:Registrera").await;
    press(&b, ENTER).await;
    b.wait_for_heading("Kontrollera din e-post").await;

    let link = app.smtp().wait_for(email).await.link("/confirm?token=");
    b.goto(&link).await;
    b.wait_for_heading("Kontot är bekräftat").await;
    b.login(&app.url("/"), email, PASSWORD).await;
    settle(&b).await;
    tab_to(&b, "summary").await;
    press(&b, ENTER).await;
    tab_to(&b, "a:Inställningar").await;
    press(&b, ENTER).await;
    b.wait_for_heading("Inställningar").await;
    settle(&b).await;
    tab_to(&b, "input#name").await;
    // Select what is there and type over it.
    let select_all = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: '\u{E009}' })
        .then(KeyAction::Down { value: 'a' })
        .then(KeyAction::Up { value: 'a' })
        .then(KeyAction::Up { value: '\u{E009}' });
    b.client.perform_actions(select_all).await.unwrap();
    type_here(&b, "Tina Tangentsson").await;
    tab_to(&b, "button:Spara").await;
    press(&b, ENTER).await;
    b.wait_for_text("Uppgifterna har sparats.").await;
    assert_eq!(
        b.input_by_label("Namn")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Tina Tangentsson")
    );
    b.close().await;
}
