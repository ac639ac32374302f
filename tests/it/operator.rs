//! The operator portal: create-admin (the real binary), the one guard of every `/operator`
//! route, the audit log, the check API and the "Kontroll" page.

use std::io::Write;
use std::process::{Command, Stdio};

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use parkportal::db::schema::{audit_log, permits, temporary_regnrs, users};
use parkportal::db::{DbConnection, audit};
use serde_json::Value;

use crate::daycards::paid_day_card;
use crate::kit::dates::today;
use crate::kit::{
    client::client,
    flows::PASSWORD,
    html::hidden_value,
    spawn::{TestApp, spawn_app, spawn_app_with},
};
use crate::payments::{pay, settled};
use crate::permits::bought_permit;

pub const KEYS: &str = "nyckel-ett-0123456789-abcdefghijklmn,nyckel-två-9876543210-zyxwvutsrqponm";
pub const KEY: &str = "nyckel-två-9876543210-zyxwvutsrqponm";

/// Every operator route there is (and one that is not, which the guard covers too).
const OPERATOR_ROUTES: &[&str] = &[
    "/operator",
    "/operator/",
    "/operator/check",
    "/operator/check?regnr=ABC123",
    "/operator/no-such-page",
];

/// Runs `parkportal create-admin` against the test's database, password on stdin.
fn create_admin(app: &TestApp, args: &[&str], stdin: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_parkportal"))
        .arg("create-admin")
        .args(args)
        .env_clear()
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn role_of(app: &TestApp, email: &str) -> String {
    users::table
        .filter(users::email.eq(email))
        .select(users::role)
        .first(&mut app.conn())
        .unwrap()
}

/// A second browser with a confirmed, logged-in account made operator.
pub async fn operator_client(app: &TestApp, email: &str) -> reqwest::Client {
    let client = client(&app.address);
    let resp = client
        .post(app.url("/register"))
        .form(&[
            ("email", email),
            ("password", PASSWORD),
            ("mobile", "0701234567"),
            ("name", "Olle Operatör"),
            ("terms", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let link = app.smtp().wait_for(email).await.link("/confirm?token=");
    assert_eq!(client.get(&link).send().await.unwrap().status(), 200);
    diesel::update(users::table.filter(users::email.eq(email)))
        .set(users::role.eq("operator"))
        .execute(&mut app.conn())
        .unwrap();
    crate::kit::mfa::staff_login(&client, &app.address, &mut app.conn(), email, PASSWORD).await;
    client
}

#[actix_web::test]
async fn create_admin_makes_a_confirmed_admin_from_the_command_line() {
    let app = spawn_app().await;
    let good = "Chef7!parkering\n";

    let (code, _, err) = create_admin(&app, &["--email", "inte-en-adress", "--name", "A"], good);
    assert_eq!(code, 2);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("--email") && err.contains("not a valid e-mail"),
        "{err}"
    );

    for weak in ["kort7!A\n", "allasmå7!bokstäver\n", "\n", ""] {
        let (code, _, err) = create_admin(
            &app,
            &["--email", "chef@regionvastmanland.se", "--name", "Chef"],
            weak,
        );
        assert_eq!(code, 2, "{weak:?}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(err.contains("password"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let count: i64 = users::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(count, 0, "nothing created by a refused command");

    let (code, out, err) = create_admin(
        &app,
        &[
            "--email",
            " Chef@RegionVastmanland.se ",
            "--name",
            "Cecilia Chef",
        ],
        good,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("created"), "{out}");
    assert_eq!(role_of(&app, "chef@regionvastmanland.se"), "admin");
    // Confirmed: logs in at once with the password from stdin, through the customers' login
    // page, and comes back to the portal.
    let resp = app.get("/operator/check").await;
    assert_eq!(
        resp.headers()["location"],
        "/login?next=%2Foperator%2Fcheck"
    );
    let resp = app
        .post_form(
            "/login",
            &[
                ("email", "chef@regionvastmanland.se"),
                ("password", "Chef7!parkering"),
                ("next", "/operator/check"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    // The second factor first: set up at this first login, then the page asked for.
    assert_eq!(resp.headers()["location"], "/login/mfa");
    let codes = crate::kit::mfa::pass(
        &app.client,
        &app.address,
        &mut app.conn(),
        "chef@regionvastmanland.se",
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(codes.contains("Dina reservkoder"), "{codes}");
    assert!(codes.contains(r#"href="/operator/check""#), "{codes}");
    let page = app.get_html("/operator/check").await;
    assert!(page.contains(">Kontrollera</button>"));
    let (id, action, actor): (i64, String, Option<i64>) = audit_log::table
        .select((audit_log::id, audit_log::action, audit_log::actor_id))
        .first(&mut app.conn())
        .unwrap();
    assert!(id > 0);
    assert_eq!((action.as_str(), actor), ("user.create_admin", None));

    // An existing customer: refused without --yes, made admin with it.
    let other = client(&app.address);
    other
        .post(app.url("/register"))
        .form(&[
            ("email", "kund@example.com"),
            ("password", PASSWORD),
            ("mobile", "0701234567"),
            ("name", "Kim Kund"),
            ("terms", "yes"),
        ])
        .send()
        .await
        .unwrap();
    app.smtp().wait_for("kund@example.com").await;
    let args = ["--email", "kund@example.com", "--name", "Kim Kund"];
    let (code, _, err) = create_admin(&app, &args, good);
    assert_eq!(code, 2);
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(role_of(&app, "kund@example.com"), "customer");
    let (code, out, err) = create_admin(&app, &[&args[..], &["--yes"]].concat(), good);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("now admin (was customer)"), "{out}");
    assert_eq!(role_of(&app, "kund@example.com"), "admin");
    let uid: i64 = users::table
        .filter(users::email.eq("kund@example.com"))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap();
    let rows = audit::for_subject(&mut app.conn(), &format!("user:{uid}")).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].action, "user.role");
    assert_eq!(rows[0].before_value.as_deref(), Some("customer"));
    assert_eq!(rows[0].after_value.as_deref(), Some("admin"));
    // The unconfirmed account is confirmed, and the password is the new one.
    let resp = other
        .post(app.url("/login"))
        .form(&[
            ("email", "kund@example.com"),
            ("password", "Chef7!parkering"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    // An admin now: the password alone opens no session.
    assert_eq!(resp.headers()["location"], "/login/mfa");

    // The last admin lost their phone: `--reset-mfa` takes the second factor away (no password
    // read), ends their sessions, and the next login sets it up again.
    let chef: i64 = users::table
        .filter(users::email.eq("chef@regionvastmanland.se"))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap();
    let (code, out, err) = create_admin(
        &app,
        &["--email", "chef@regionvastmanland.se", "--reset-mfa"],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("second factor"), "{out}");
    let rows = audit::for_subject(&mut app.conn(), &format!("user:{chef}")).unwrap();
    assert!(
        rows.iter()
            .any(|r| r.action == "user.mfa_reset" && r.actor_id.is_none())
    );
    assert_eq!(app.get("/operator/check").await.status(), 303, "logged out");
    let resp = crate::kit::flows::login(
        &app.client,
        &app.address,
        "chef@regionvastmanland.se",
        "Chef7!parkering",
    )
    .await;
    assert_eq!(resp.headers()["location"], "/login/mfa");
    let again = app.get_html("/login/mfa").await;
    assert!(
        again.contains(">Aktivera</button>"),
        "set up again: {again}"
    );
    let (code, _, err) = create_admin(&app, &["--email", "kund@example.com", "--reset-mfa"], "");
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = create_admin(&app, &["--email", "ingen@example.com", "--reset-mfa"], "");
    assert_eq!(code, 2);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[actix_web::test]
async fn every_operator_route_is_for_operators_only() {
    let app = spawn_app().await;
    for path in OPERATOR_ROUTES {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 303, "logged out: {path}");
        let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
        assert_eq!(
            resp.headers()["location"].to_str().unwrap(),
            format!("/login?next={next}"),
            "{path}"
        );
    }
    let hx = app
        .client
        .get(app.url("/operator/check?regnr=ABC123"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert!(hx.headers().contains_key("hx-redirect"));

    app.logged_in_user("kund@regionvastmanland.se").await;
    for path in OPERATOR_ROUTES {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 404, "customer: {path}");
        let body = resp.text().await.unwrap();
        assert!(!body.contains("Kontrollera"), "{path}");
    }
    assert!(!app.get_html("/").await.contains("Operatörsportalen"));

    // The same account made operator: its session, opened with the password alone, does not
    // reach the portal (fail closed); logged in again with the second factor, every page.
    diesel::update(users::table)
        .set(users::role.eq("operator"))
        .execute(&mut app.conn())
        .unwrap();
    let resp = app.get("/operator/check").await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        resp.headers()["location"],
        "/login?next=%2Foperator%2Fcheck"
    );
    assert!(
        app.get_html("/login?next=/operator")
            .await
            .contains(">Logga in</button>")
    );
    let email: String = users::table
        .select(users::email)
        .first(&mut app.conn())
        .unwrap();
    crate::kit::mfa::staff_login(&app.client, &app.address, &mut app.conn(), &email, PASSWORD)
        .await;
    let resp = app.get("/operator").await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/operator/dashboard");
    let page = app.get_html("/operator/check").await;
    assert!(
        page.contains(r#"<a href="/operator/check" aria-current="page">Kontroll</a>"#),
        "top bar"
    );
    assert!(page.contains(">Logga ut</button>"));
    assert_eq!(app.get("/operator/no-such-page").await.status(), 404);
    assert!(app.get_html("/").await.contains(">Operatörsportalen</a>"));
}

#[actix_web::test]
async fn audit_rows_are_written_in_the_callers_transaction() {
    let app = spawn_app().await;
    let mut conn = app.conn();
    let now = parkportal::clock::now();
    let failed: Result<(), diesel::result::Error> =
        parkportal::db::write_tx(&mut conn, |c: &mut DbConnection| {
            audit::record(
                c,
                None,
                "permit.cancel",
                "permit:12",
                Some("paid"),
                None,
                now,
            )?;
            Err(diesel::result::Error::RollbackTransaction)
        });
    assert!(failed.is_err());
    assert!(
        audit::for_subject(&mut conn, "permit:12")
            .unwrap()
            .is_empty()
    );
    parkportal::db::write_tx(&mut conn, |c: &mut DbConnection| {
        audit::record(
            c,
            None,
            "permit.cancel",
            "permit:12",
            Some(r#"{"state":"paid"}"#),
            Some(r#"{"state":"cancelled"}"#),
            now,
        )
    })
    .unwrap();
    let rows = audit::for_subject(&mut conn, "permit:12").unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].action, "permit.cancel");
    assert_eq!(rows[0].before_value.as_deref(), Some(r#"{"state":"paid"}"#));
    assert_eq!(
        rows[0].after_value.as_deref(),
        Some(r#"{"state":"cancelled"}"#)
    );
    assert_eq!(rows[0].at, now);
}

pub async fn check(app: &TestApp, regnr: &str, key: Option<&str>) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .get(app.url("/api/v1/check"))
        .query(&[("regnr", regnr)]);
    if let Some(key) = key {
        req = req.header("Authorization", format!("Bearer {key}"));
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    assert_eq!(resp.headers()["content-type"], "application/json");
    (status, resp.json().await.unwrap())
}

async fn valid(app: &TestApp, regnr: &str) -> Value {
    let (status, body) = check(app, regnr, Some(KEY)).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[actix_web::test]
async fn the_check_api_follows_permanent_changed_and_temporary_numbers_at_once() {
    let app = spawn_app_with(&[("CHECK_API_KEYS", KEYS)]).await;
    let permit = bought_permit(&app, "pendlare@regionvastmanland.se").await;
    // Not paid yet: not valid.
    assert_eq!(valid(&app, "ABC123").await["valid"], false);
    assert_eq!(pay(&app, &permit, "0701234567").await.status(), 303);
    assert_eq!(settled(&app).await, "paid");
    let end: NaiveDate = permits::table
        .select(permits::end_date)
        .first(&mut app.conn())
        .unwrap();

    for spelled in ["ABC123", "abc 123", "abc-123", " Abc - 123 "] {
        let body = valid(&app, spelled).await;
        assert_eq!(body["regnr"], "ABC123", "{spelled}");
        assert_eq!(body["valid"], true, "{spelled}");
    }
    let body = valid(&app, "ABC123").await;
    let p = &body["permits"].as_array().unwrap()[..];
    assert_eq!(p.len(), 1, "{body}");
    assert_eq!(p[0]["type"], "Anställda månads/årskort");
    assert_eq!(p[0]["car_park"], "Västmanlands sjukhus Västerås");
    assert_eq!(p[0]["valid_from"], today().to_string());
    assert_eq!(p[0]["valid_to"], end.to_string());
    assert_eq!(p[0]["temporary"], false);
    // The first key works as well as the second.
    let (status, _) = check(&app, "ABC123", Some("nyckel-ett-0123456789-abcdefghijklmn")).await;
    assert_eq!(status, 200);

    // The number changed a moment ago: the new one is valid, the old one is not.
    let csrf = app.csrf().await;
    let resp = app
        .post_form(
            &format!("{permit}/regnr"),
            &[("csrf", &csrf), ("regnr", "xyz-789")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(valid(&app, "XYZ789").await["valid"], true);
    let old = valid(&app, "ABC123").await;
    assert_eq!(old["valid"], false);
    assert_eq!(old["permits"], serde_json::json!([]));

    // A temporary number from today: it is valid, the permanent one is not meanwhile.
    let to = today() + Duration::days(2);
    let resp = app
        .post_form(
            &format!("{permit}/temporary"),
            &[
                ("csrf", &csrf),
                ("temp_regnr", "hyr 111"),
                ("from", &today().to_string()),
                ("to", &to.to_string()),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let temp = valid(&app, "HYR111").await;
    assert_eq!(temp["valid"], true, "{temp}");
    let p = &temp["permits"][0];
    assert_eq!(p["temporary"], true);
    assert_eq!(p["valid_from"], today().to_string());
    assert_eq!(p["valid_to"], to.to_string());
    assert_eq!(p["type"], "Anställda månads/årskort");
    assert_eq!(valid(&app, "XYZ789").await["valid"], false);

    // Ended early: the permanent number applies again at once.
    let tid: i64 = temporary_regnrs::table
        .select(temporary_regnrs::id)
        .first(&mut app.conn())
        .unwrap();
    let resp = app
        .post_form(&format!("{permit}/temporary/{tid}/end"), &[("csrf", &csrf)])
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(valid(&app, "HYR111").await["valid"], false);
    assert_eq!(valid(&app, "XYZ789").await["valid"], true);

    // A temporary number for later days does not stop the permanent one today.
    let resp = app
        .post_form(
            &format!("{permit}/temporary"),
            &[
                ("csrf", &csrf),
                ("temp_regnr", "HYR222"),
                ("from", &(today() + Duration::days(1)).to_string()),
                ("to", &(today() + Duration::days(3)).to_string()),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(valid(&app, "HYR222").await["valid"], false);
    assert_eq!(valid(&app, "XYZ789").await["valid"], true);

    // Unknown numbers (Swedish or foreign-looking) are simply not valid.
    for unknown in ["GHJ987", "B-MW 12345"] {
        let body = valid(&app, unknown).await;
        assert_eq!(body["valid"], false, "{unknown}");
        assert_eq!(body["permits"], serde_json::json!([]));
    }

    // Expired yesterday, or starting tomorrow: not valid today.
    let id: i64 = permit.trim_start_matches("/permits/").parse().unwrap();
    for (start, end) in [
        (today() - Duration::days(40), today() - Duration::days(1)),
        (today() + Duration::days(1), today() + Duration::days(30)),
    ] {
        diesel::update(permits::table.find(id))
            .set((permits::start_date.eq(start), permits::end_date.eq(end)))
            .execute(&mut app.conn())
            .unwrap();
        assert_eq!(
            valid(&app, "XYZ789").await["valid"],
            false,
            "{start} – {end}"
        );
    }
}

#[actix_web::test]
async fn the_check_api_answers_for_todays_day_card_session() {
    let app = spawn_app_with(&[("CHECK_API_KEYS", KEYS)]).await;
    let card = paid_day_card(&app, "dag@regionvastmanland.se", today(), 3).await;
    let csrf = app.csrf().await;
    let book = |regnr: &'static str, day: NaiveDate| {
        let csrf = csrf.clone();
        let card = card.clone();
        let app = &app;
        async move {
            app.post_form(
                &format!("{card}/sessions"),
                &[("csrf", &csrf), ("regnr", regnr), ("day", &day.to_string())],
            )
            .await
        }
    };
    assert_eq!(book("DAG123", today()).await.status(), 303);
    assert_eq!(
        book("MOR456", today() + Duration::days(1)).await.status(),
        303
    );
    let body = valid(&app, "dag 123").await;
    assert_eq!(body["valid"], true, "{body}");
    let p = &body["permits"][0];
    assert_eq!(p["type"], "Anställda dagkort");
    assert_eq!(p["valid_from"], today().to_string());
    assert_eq!(p["valid_to"], today().to_string());
    assert_eq!(p["temporary"], false);
    // The contract's five fields and no more (a day session is told by its one-day period).
    let mut keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["car_park", "temporary", "type", "valid_from", "valid_to"],
        "{body}"
    );
    // Tomorrow's session does not make a number valid today, nor does the card's own number.
    assert_eq!(valid(&app, "MOR456").await["valid"], false);
    assert_eq!(valid(&app, "ABC123").await["valid"], false);
}

#[actix_web::test]
async fn the_check_api_needs_a_key_and_a_number() {
    let off = spawn_app().await;
    let (status, body) = check(&off, "ABC123", Some(KEY)).await;
    assert_eq!(status, 404, "no keys configured: the API is off");
    assert!(body["error"].is_string());

    let app = spawn_app_with(&[("CHECK_API_KEYS", KEYS)]).await;
    for key in [None, Some("fel"), Some("NYCKEL-TVÅ-9876543210"), Some("")] {
        let (status, body) = check(&app, "ABC123", key).await;
        assert_eq!(status, 401, "{key:?}");
        assert!(body["error"].as_str().unwrap().contains("key"), "{body}");
    }
    let basic = reqwest::Client::new()
        .get(app.url("/api/v1/check?regnr=ABC123"))
        .header("Authorization", format!("Basic {KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);
    assert_eq!(
        basic.headers()["www-authenticate"],
        "Bearer realm=\"parkportal\""
    );
    // A key is checked before the number.
    let (status, _) = check(&app, "<script>", None).await;
    assert_eq!(status, 401);
    for bad in ["<script>", "ABCDEFGHIJK", ""] {
        let (status, body) = check(&app, bad, Some(KEY)).await;
        assert_eq!(status, 400, "{bad:?}");
        assert!(body["error"].as_str().unwrap().contains("regnr"), "{body}");
    }
    let resp = reqwest::Client::new()
        .get(app.url("/api/v1/check"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[actix_web::test]
async fn kontroll_answers_with_and_without_javascript() {
    let app = spawn_app().await;
    let permit = bought_permit(&app, "bilist@regionvastmanland.se").await;
    assert_eq!(pay(&app, &permit, "0701234567").await.status(), 303);
    assert_eq!(settled(&app).await, "paid");
    let op = operator_client(&app, "vakt@regionvastmanland.se").await;
    let get = |path: &str, htmx: bool| {
        let mut req = op.get(app.url(path));
        if htmx {
            req = req.header("HX-Request", "true");
        }
        req.send()
    };

    let page = get("/operator/check", false)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"<label for="regnr">Registreringsnummer</label>"#));
    assert!(page.contains(r#"<button type="submit">Kontrollera</button>"#));
    assert!(page.contains(r#"method="get" action="/operator/check""#));
    assert!(page.contains(r#"hx-get="/operator/check""#));

    // Without JavaScript: the form's GET gives the whole page with the answer.
    let resp = get("/operator/check?regnr=abc+123", false).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["vary"], "HX-Request");
    let page = resp.text().await.unwrap();
    assert!(page.contains("<html"));
    assert!(page.contains(r#"value="abc 123""#));
    assert!(page.contains(r#"<p class="word">Giltigt</p>"#), "{page}");
    assert!(page.contains("Anställda månads/årskort"));
    assert!(page.contains("Giltigt till"));
    assert!(page.contains("Ordinarie registreringsnummer"));
    let end: NaiveDate = permits::table
        .select(permits::end_date)
        .first(&mut app.conn())
        .unwrap();
    assert!(page.contains(&end.to_string()));

    // With htmx: only the answer box.
    let resp = get("/operator/check?regnr=GHJ987", true).await.unwrap();
    assert_eq!(resp.status(), 200);
    let fragment = resp.text().await.unwrap();
    assert!(
        fragment.starts_with(r#"<div id="check-answer""#),
        "{fragment}"
    );
    assert!(!fragment.contains("<html"));
    assert!(fragment.contains("GHJ987"));
    assert!(fragment.contains("Inget giltigt tillstånd"));
    // And why: no permit carries the number.
    assert!(
        fragment.contains("Inget parkeringstillstånd finns för numret"),
        "{fragment}"
    );

    let resp = get("/operator/check?regnr=%3Cscript%3E", true)
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let fragment = resp.text().await.unwrap();
    assert!(fragment.contains("bara innehålla bokstäver och siffror"));
    assert!(!fragment.contains("<script>"));

    // In English too.
    op.get(app.url("/lang/en?next=/")).send().await.unwrap();
    let page = get("/operator/check?regnr=ABC123", false)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(">Valid</p>") && page.contains("Valid until"),
        "{page}"
    );
    let _ = hidden_value(&page, "csrf");
}

#[derive(QueryableByName)]
struct PlanRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    detail: String,
}

#[test]
fn the_check_look_ups_use_indexes_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.db");
    let mut conn =
        DbConnection::Sqlite(SqliteConnection::establish(&path.to_string_lossy()).unwrap());
    parkportal::db::migrate(&mut conn).unwrap();
    let DbConnection::Sqlite(sqlite) = &mut conn else {
        unreachable!()
    };
    // The three look-ups are one statement; each of its parts searches its own index.
    let sql = parkportal::db::check::sqlite_statement();
    assert_eq!(sql.matches("UNION ALL").count(), 2, "{sql}");
    let plan: Vec<String> = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
        .load::<PlanRow>(sqlite)
        .unwrap()
        .into_iter()
        .map(|r| r.detail)
        .collect();
    let shown = plan.join("\n");
    for index in [
        "permits USING INDEX permits_regnr_period",
        "temporary_regnrs USING INDEX temporary_regnrs_regnr_period",
        "day_sessions USING INDEX day_sessions_regnr_day",
    ] {
        assert!(
            plan.iter()
                .any(|l| l.starts_with("SEARCH") && l.contains(index)),
            "{index}: {sql}\n{shown}"
        );
    }
    assert!(
        !plan.iter().any(|l| l.starts_with("SCAN")),
        "no table scan: {sql}\n{shown}"
    );
}
