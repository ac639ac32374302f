//! Hostile input, generated with proptest: arbitrary and malicious bodies posted to every form
//! and endpoint of `src/web/mod.rs`, logged out and logged in, with the session's CSRF token (so
//! the handlers' own validation is reached) and without it.
//!
//! What must hold for every case:
//! - never a 5xx (nor a dropped connection): the answer is 2xx, 3xx or 4xx;
//! - a 4xx to a browser form is an HTML page (or htmx fragment) with a Swedish message;
//! - a refused request (4xx, or anything without a valid CSRF token) changes no stored row;
//! - nothing typed comes back as markup: the pages that show stored data (home, permit page,
//!   messages and their thread, notifications, settings) carry no `<script>` but the app's own
//!   assets and no `on…=` event attribute.
//!
//! The cases are generated deterministically (`TestRunner::deterministic`), so a failure
//! repeats; its message prints the case.

use std::fmt::Write as _;

use diesel::prelude::*;
use parkportal::db::schema::{
    account_tokens, applications, case_messages, cases, day_sessions, payments, permit_events,
    permits, temporary_regnrs, users,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

use crate::kit::dates::today;
use crate::kit::flows::{package_id, type_id};
use crate::kit::{
    client::client,
    spawn::{TestApp, spawn_app},
};
use parkportal::db::DbConnection;

/// Strings that have broken web apps before.
const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "javascript:alert(1)",
    "</textarea><script>alert(1)</script>",
    "' OR '1'='1",
    "'; DROP TABLE users; --",
    "1 UNION SELECT password_hash FROM users --",
    "\\'; SELECT pg_sleep(5); --",
    "\u{202E}321CBA\u{202C}",
    "\u{200F}ABC\u{200E}123",
    "a\0b",
    "\0",
    "🚗🅿\u{FE0F}👩\u{200D}👩\u{200D}👧",
    "e\u{301}\u{301}\u{301}\u{20DD}",
    "Z\u{334}\u{321}\u{31B}a\u{337}l\u{338}g\u{336}o",
    "\u{FEFF}",
    "\r\nSet-Cookie: x=1",
    "%00%ff%zz",
    "{{7*7}}${7*7}",
    "../../../etc/passwd",
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "2024-02-30",
    "0000-00-00",
    "9999-12-31",
    "   ",
    "",
    "ABC123",
    "abc@example.com<script>",
    "Ä Ö Å",
];

/// One field value: hostile, arbitrary unicode, digits, letters, long (under the 64 KB form
/// limit, so validation sees it) or 100 KB (over it).
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(HOSTILE).prop_map(str::to_string),
        4 => prop::collection::vec(any::<char>(), 0..30).prop_map(|v| v.into_iter().collect()),
        2 => "[0-9]{0,12}",
        2 => "[A-Za-z ]{0,12}",
        1 => (prop::sample::select(HOSTILE), 1_000usize..20_000)
            .prop_map(|(s, n)| s.chars().cycle().take(n).collect()),
        1 => Just("x".repeat(100 * 1024)),
    ]
    // "en" would switch the user's language to English (a valid setting, not an attack).
    .prop_filter("not a language switch", |v| v != "en")
}

/// How the body is sent.
#[derive(Debug, Clone)]
enum Encoding {
    /// `application/x-www-form-urlencoded`, as browsers send.
    Form,
    Json,
    TextPlain,
    NoContentType,
    Multipart,
    /// Random bytes claiming to be a form.
    Garbage(Vec<u8>),
    /// A form body of this many bytes: above actix's limits (64 KB forms, 256 KB payloads).
    Oversized(usize),
}

fn encoding() -> impl Strategy<Value = Encoding> {
    prop_oneof![
        12 => Just(Encoding::Form),
        1 => Just(Encoding::Json),
        1 => Just(Encoding::TextPlain),
        1 => Just(Encoding::NoContentType),
        1 => Just(Encoding::Multipart),
        1 => prop::collection::vec(any::<u8>(), 0..2_000).prop_map(Encoding::Garbage),
        1 => (300_000usize..1_200_000).prop_map(Encoding::Oversized),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    pairs: Vec<(String, String)>,
    encoding: Encoding,
    htmx: bool,
}

/// Field names: the endpoint's own (so duplicates and missing ones come up), array-style
/// names, and nonsense.
fn case(fields: &[&'static str]) -> impl Strategy<Value = Case> + use<> {
    let mut names: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
    names.extend(fields.iter().map(|f| format!("{f}[]")));
    names.extend(["csrf", "x", "", "<script>", "id"].map(String::from));
    let name = prop_oneof![
        9 => prop::sample::select(names),
        1 => prop::collection::vec(any::<char>(), 0..8).prop_map(|v| v.into_iter().collect()),
    ];
    (
        prop::collection::vec((name, value()), 0..8),
        encoding(),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(pairs, encoding, htmx)| Case {
            pairs,
            encoding,
            htmx,
        })
}

/// A short description of a case for failure messages (long values abbreviated).
fn describe(c: &Case) -> String {
    let mut s = format!("{:?} htmx={} [", short_enc(&c.encoding), c.htmx);
    for (k, v) in &c.pairs {
        let shown: String = v.chars().take(40).collect();
        let _ = write!(s, "({k:?}, {shown:?}…{} chars) ", v.chars().count());
    }
    s.push(']');
    s
}

fn short_enc(e: &Encoding) -> String {
    match e {
        Encoding::Garbage(b) => format!("Garbage({} bytes)", b.len()),
        other => format!("{other:?}"),
    }
}

/// Where a case goes.
#[derive(Clone)]
struct Endpoint {
    path: String,
    fields: &'static [&'static str],
    /// A logged-in form with the session's CSRF token.
    csrf: bool,
    /// An upload (multipart with a file) rather than a form.
    upload: bool,
}

fn ep(path: &str, fields: &'static [&'static str], csrf: bool) -> Endpoint {
    Endpoint {
        path: path.to_string(),
        fields,
        csrf,
        upload: false,
    }
}

const BUY: &[&str] = &[
    "type",
    "package",
    "start",
    "regnr",
    "foreign",
    "days",
    "car_park",
    "organisation",
    "role",
    "reason",
    "renew",
];

/// Every POST of `src/web/mod.rs` (except the payment providers' callbacks, which have
/// their own test below), with ids of the logged-in user's own permit and case.
fn endpoints(permit: i64, case_id: i64) -> Vec<Endpoint> {
    let p = format!("/permits/{permit}");
    vec![
        ep("/login", &["email", "password", "next"], false),
        ep(
            "/register",
            &["email", "password", "mobile", "name", "terms"],
            false,
        ),
        ep("/confirm/resend", &["email"], false),
        ep("/forgot-password", &["email"], false),
        ep("/reset-password", &["token", "password"], false),
        ep("/logout", &[], true),
        ep(
            "/settings",
            &["name", "mobile", "notify_email", "notify_sms", "language"],
            true,
        ),
        ep("/settings/email", &["new_email", "email_password"], true),
        ep("/settings/email/undo", &["token"], false),
        ep(
            "/settings/password",
            &["current_password", "new_password"],
            true,
        ),
        ep("/settings/delete", &["delete_password"], true),
        ep("/settings/payment", &["method", "swish_number"], true),
        ep("/messages/new", &["subject", "message", "permit"], true),
        ep(&format!("/messages/{case_id}"), &["message"], true),
        ep("/permits/new", BUY, true),
        ep("/permits/confirm", BUY, true),
        ep(&format!("{p}/regnr"), &["regnr", "foreign"], true),
        ep(
            &format!("{p}/temporary"),
            &["temp_regnr", "foreign", "from", "to"],
            true,
        ),
        ep(&format!("{p}/temporary/1/end"), &[], true),
        ep(
            &format!("{p}/sessions"),
            &["regnr", "foreign", "day", "month"],
            true,
        ),
        ep(&format!("{p}/sessions/2030-01-01/cancel"), &["month"], true),
        ep(
            &format!("{p}/sessions/2030-01-01/restore"),
            &["undo_day", "undo_regnr", "undo_foreign", "month"],
            true,
        ),
        ep(&format!("{p}/pay"), &["method", "swish_number"], true),
        Endpoint {
            path: format!("{p}/attachment"),
            fields: &["file"],
            csrf: true,
            upload: true,
        },
    ]
}

/// Sends one case. `csrf`: the token to put first in the body, if any.
async fn send(
    client: &reqwest::Client,
    url: &str,
    c: &Case,
    csrf: Option<&str>,
    origin: Option<&str>,
) -> reqwest::Response {
    let mut pairs: Vec<(String, String)> = Vec::new();
    if let Some(t) = csrf {
        pairs.push(("csrf".into(), t.into()));
    }
    pairs.extend(c.pairs.iter().cloned());
    let urlencoded = {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &pairs {
            s.append_pair(k, v);
        }
        s.finish()
    };
    let mut req = client.post(url);
    if c.htmx {
        req = req.header("HX-Request", "true");
    }
    if let Some(o) = origin {
        req = req.header("Origin", o);
    }
    let form_type = "application/x-www-form-urlencoded";
    req = match &c.encoding {
        Encoding::Form => req.header("Content-Type", form_type).body(urlencoded),
        Encoding::Json => {
            let map: serde_json::Map<String, serde_json::Value> = pairs
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            req.json(&map)
        }
        Encoding::TextPlain => req.header("Content-Type", "text/plain").body(urlencoded),
        Encoding::NoContentType => req.body(urlencoded),
        Encoding::Multipart => {
            let mut form = reqwest::multipart::Form::new();
            for (k, v) in pairs {
                form = form.text(k, v);
            }
            req.multipart(form)
        }
        Encoding::Garbage(bytes) => req.header("Content-Type", form_type).body(bytes.clone()),
        Encoding::Oversized(n) => {
            let mut body = urlencoded.into_bytes();
            body.extend_from_slice(b"&x=");
            body.resize(body.len() + n, b'a');
            req.header("Content-Type", form_type).body(body)
        }
    };
    req.send()
        .await
        .unwrap_or_else(|e| panic!("POST {url}: no answer ({e}) for {}", describe(c)))
}

/// A 4xx to a form must say what is wrong, in Swedish: a Swedish page (or, for htmx, a
/// fragment) with an error notice, a field error or the message page's way back.
fn swedish_error(content_type: &str, body: &str) -> bool {
    content_type.starts_with("text/html")
        && (body.contains("<html lang=\"sv\"") || !body.contains("<html"))
        && (body.contains("role=\"alert\"")
            || body.contains("class=\"field-error\"")
            || body.contains("Till startsidan"))
}

/// The attributes of every tag in `html` (names lower-cased, values as written).
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let b = html.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' || i + 1 >= b.len() || !b[i + 1].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-') {
            j += 1;
        }
        let name = html[i + 1..j].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while j < b.len() && (b[j].is_ascii_whitespace() || b[j] == b'/') {
                j += 1;
            }
            if j >= b.len() || b[j] == b'>' {
                break;
            }
            let start = j;
            while j < b.len() && !b[j].is_ascii_whitespace() && !matches!(b[j], b'=' | b'>' | b'/')
            {
                j += 1;
            }
            let attr = html[start..j].to_ascii_lowercase();
            let mut value = String::new();
            if j < b.len() && b[j] == b'=' {
                j += 1;
                if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                    let q = b[j];
                    let vstart = j + 1;
                    j = vstart;
                    while j < b.len() && b[j] != q {
                        j += 1;
                    }
                    value = html[vstart..j.min(b.len())].to_string();
                    j += 1;
                } else {
                    let vstart = j;
                    while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                        j += 1;
                    }
                    value = html[vstart..j].to_string();
                }
            }
            if attr.is_empty() {
                j += 1;
            } else {
                attrs.push((attr, value));
            }
        }
        out.push((name, attrs));
        i = j;
    }
    out
}

/// What in a page would run script: a `<script>` that is not one of the app's assets, an
/// `on…` attribute, a `javascript:` link. `None` when there is none.
fn unsafe_markup(html: &str) -> Option<String> {
    for (name, attrs) in tags(html) {
        if name == "script"
            && !attrs
                .iter()
                .any(|(a, v)| a == "src" && v.starts_with("/assets/"))
        {
            return Some(format!("<script {attrs:?}>"));
        }
        for (a, v) in &attrs {
            if a.starts_with("on") {
                return Some(format!("<{name} {a}={v:?}>"));
            }
            if v.trim_start()
                .to_ascii_lowercase()
                .starts_with("javascript:")
            {
                return Some(format!("<{name} {a}={v:?}>"));
            }
        }
    }
    None
}

#[test]
fn the_markup_check_finds_what_it_looks_for() {
    let ok = r#"<html lang="sv"><script src="/assets/vendor/htmx.min.js" defer></script>
        <input value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" name="x">
        <p>&lt;script&gt;alert(1)&lt;/script&gt; onerror=alert(1)</p><noscript>x</noscript>"#;
    assert_eq!(unsafe_markup(ok), None);
    for bad in [
        "<p><script>alert(1)</script></p>",
        "<p>'><img src=x onerror=alert(1)></p>",
        "<svg/onload=alert(1)>",
        "<a href=\" javascript:alert(1)\">x</a>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    ] {
        assert!(unsafe_markup(bad).is_some(), "{bad}");
    }
}

/// A user's e-mail, password hash, name, mobile number, payment method and Swish number.
type UserRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// Everything a refused request must leave as it was.
#[derive(Debug, PartialEq)]
struct Snapshot {
    counts: Vec<i64>,
    users: Vec<UserRow>,
    permits: Vec<(String, bool, String)>,
    attachments: Vec<Option<String>>,
}

fn snapshot(c: &mut DbConnection) -> Snapshot {
    let counts = vec![
        users::table.count().get_result(c).unwrap(),
        permits::table.count().get_result(c).unwrap(),
        applications::table.count().get_result(c).unwrap(),
        cases::table.count().get_result(c).unwrap(),
        case_messages::table.count().get_result(c).unwrap(),
        day_sessions::table.count().get_result(c).unwrap(),
        temporary_regnrs::table.count().get_result(c).unwrap(),
        payments::table.count().get_result(c).unwrap(),
        permit_events::table.count().get_result(c).unwrap(),
        account_tokens::table.count().get_result(c).unwrap(),
    ];
    Snapshot {
        counts,
        users: users::table
            .order(users::id)
            .select((
                users::email,
                users::password_hash,
                users::name,
                users::mobile,
                users::preferred_payment,
                users::swish_number,
            ))
            .load(c)
            .unwrap(),
        permits: permits::table
            .order(permits::id)
            .select((permits::regnr, permits::foreign_plate, permits::state))
            .load(c)
            .unwrap(),
        attachments: applications::table
            .order(applications::permit_id)
            .select(applications::attachment_name)
            .load(c)
            .unwrap(),
    }
}

/// The pages that show what was stored; none may carry script from the input.
async fn assert_no_stored_script(app: &TestApp, pages: &[String], after: &str) {
    for path in pages {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 200, "GET {path} after {after}");
        let html = resp.text().await.unwrap();
        if let Some(found) = unsafe_markup(&html) {
            panic!("GET {path} carries {found} after {after}");
        }
    }
}

/// Checks one answer: no 5xx; a 4xx to a form is a Swedish page; a refused request left
/// everything as it was.
async fn check(
    resp: reqwest::Response,
    before: &Snapshot,
    db: &mut DbConnection,
    what: &str,
) -> u16 {
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = resp.text().await.unwrap_or_default();
    assert!(status < 500, "{status} for {what}: {body}");
    if (400..500).contains(&status) {
        assert!(
            swedish_error(&content_type, &body),
            "{status} {content_type:?} without a Swedish message for {what}: {body}"
        );
        assert_eq!(
            &snapshot(db),
            before,
            "{status} but rows changed for {what}"
        );
    }
    status
}

fn generate<S: Strategy>(runner: &mut TestRunner, s: &S) -> S::Value {
    s.new_tree(runner).expect("a value").current()
}

const CASES_PER_ENDPOINT: usize = 12;

/// A logged-in user with a permit awaiting payment and a case: every form, with the token
/// (validation reached), without it, and with it but from another site.
#[actix_web::test]
async fn hostile_forms_logged_in_never_fail_store_script_or_half_write() {
    let app = spawn_app().await;
    let permit_path = crate::permits::bought_permit(&app, "fuzz@regionvastmanland.se").await;
    let mut db = app.conn();
    let permit: i64 = permit_path.rsplit('/').next().unwrap().parse().unwrap();
    let csrf = app.csrf().await;
    let resp = app
        .post_form(
            "/messages/new",
            &[
                ("csrf", &csrf),
                ("subject", "Start"),
                ("message", "Första meddelandet"),
                ("permit", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let case_id: i64 = cases::table
        .select(cases::id)
        .first(&mut app.conn())
        .unwrap();
    let stored_pages: Vec<String> = [
        "/".to_string(),
        permit_path.clone(),
        "/messages".into(),
        format!("/messages/{case_id}"),
        "/notifications".into(),
        "/settings".into(),
        "/settings/payment".into(),
    ]
    .into();

    let mut runner = TestRunner::deterministic();
    let mut seen = std::collections::BTreeMap::<u16, usize>::new();
    for endpoint in endpoints(permit, case_id) {
        if endpoint.upload {
            continue; // the uploads have their own test
        }
        let strategy = case(endpoint.fields);
        let url = app.url(&endpoint.path);
        for _ in 0..CASES_PER_ENDPOINT {
            let c = generate(&mut runner, &strategy);
            let what = format!("POST {} {}", endpoint.path, describe(&c));
            // With the session's token: the handlers' validation is reached. Logging out
            // is left out here (it would end the session the other cases need).
            if endpoint.path != "/logout" {
                let token = endpoint.csrf.then_some(csrf.as_str());
                let before = snapshot(&mut db);
                let resp = send(&app.client, &url, &c, token, None).await;
                let status = check(resp, &before, &mut db, &what).await;
                *seen.entry(status).or_default() += 1;
                assert_no_stored_script(&app, &stored_pages, &what).await;
            }
            if endpoint.csrf {
                // Without the token (or with a made-up one): refused, nothing changes.
                let before = snapshot(&mut db);
                let resp = send(&app.client, &url, &c, None, None).await;
                let status = check(resp, &before, &mut db, &format!("{what} without CSRF")).await;
                assert!(
                    (400..500).contains(&status),
                    "{status} without a CSRF token for {what}"
                );
                assert_eq!(snapshot(&mut db), before, "changed without CSRF: {what}");
            }
            // From another site, token or not: refused before any handler.
            let before = snapshot(&mut db);
            let resp = send(
                &app.client,
                &url,
                &c,
                Some(csrf.as_str()),
                Some("https://evil.example"),
            )
            .await;
            let status = check(resp, &before, &mut db, &format!("{what} cross-site")).await;
            assert_eq!(status, 403, "cross-site {what}");
        }
    }
    // The cases reached more than the front door: validation errors and successes both.
    assert!(
        seen.contains_key(&422),
        "no case reached validation: {seen:?}"
    );
    assert!(seen.contains_key(&400), "no unreadable form: {seen:?}");
    assert!(
        seen.keys().any(|s| (200..400).contains(s)),
        "no case was accepted: {seen:?}"
    );
    // Still logged in with the same session (nothing logged us out on the way).
    assert_eq!(app.csrf().await, csrf);
}

/// Logged out: the public forms validate, the others send the visitor to the login page;
/// either way no 5xx and no row changes unless a public form accepted the input.
#[actix_web::test]
async fn hostile_forms_logged_out_never_fail() {
    let app = spawn_app().await;
    crate::permits::bought_permit(&app, "owner@regionvastmanland.se").await;
    let mut db = app.conn();
    let stranger = client(&app.address);
    let mut runner = TestRunner::deterministic();
    for endpoint in endpoints(1, 1) {
        let strategy = case(endpoint.fields);
        let url = app.url(&endpoint.path);
        for _ in 0..CASES_PER_ENDPOINT / 2 {
            let c = generate(&mut runner, &strategy);
            let what = format!("logged out POST {} {}", endpoint.path, describe(&c));
            let before = snapshot(&mut db);
            let resp = send(&stranger, &url, &c, Some("forged"), None).await;
            let to_login = |r: &reqwest::Response| {
                ["location", "hx-redirect"].iter().any(|h| {
                    r.headers()
                        .get(*h)
                        .is_some_and(|v| v.as_bytes().starts_with(b"/login?next="))
                })
            };
            let sent_to_login = to_login(&resp);
            let status = check(resp, &before, &mut db, &what).await;
            if endpoint.csrf {
                // To the login page (htmx: 200 with HX-Redirect), or refused.
                let logout = endpoint.path == "/logout" && status == 303;
                assert!(
                    sent_to_login || logout || (400..500).contains(&status),
                    "{status} for {what}"
                );
                assert_eq!(snapshot(&mut db), before, "changed by a stranger: {what}");
            }
        }
    }
}

/// Hostile query strings and path segments on the GET routes.
#[actix_web::test]
async fn hostile_queries_and_paths_never_fail() {
    let app = spawn_app().await;
    let permit = crate::permits::bought_permit(&app, "query@regionvastmanland.se").await;
    let mut runner = TestRunner::deterministic();
    let strategy = (value(), value());
    let templates = [
        "/?next={a}",
        "/login?next={a}&x={b}",
        "/confirm?token={a}",
        "/reset-password?token={a}",
        "/settings/email/confirm?token={a}",
        "/settings/email/undo?token={a}",
        "/permits/new?type={a}&package={b}&start={b}&days={a}&renew={a}",
        "/permits/new/details?type={a}&car_park={b}",
        "/messages/new?permit={a}",
        "/messages/{a}",
        "/messages/1?m={a}",
        "/notifications?page={a}",
        "/permits/{a}",
        "{permit}?m={a}",
        "{permit}/calendar?month={a}",
        "/permits/{a}/calendar?month={b}",
        "{permit}/card-return?result={a}",
        "{permit}/receipt",
        "{permit}/renew",
        "{permit}/payment-status",
        "/permits/{a}/receipt",
        "/lang/{a}",
        "/assets/{a}",
        "/{a}",
    ];
    for template in templates {
        for _ in 0..6 {
            let (a, b) = generate(&mut runner, &strategy);
            // Keep URLs a sane length: long values are the forms' business.
            let enc = |s: &str| -> String {
                let s: String = s.chars().take(300).collect();
                url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
            };
            let path = template
                .replace("{permit}", &permit)
                .replace("{a}", &enc(&a))
                .replace("{b}", &enc(&b));
            let resp = app.get(&path).await;
            let status = resp.status().as_u16();
            let content_type = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let body = resp.text().await.unwrap_or_default();
            assert!(status < 500, "{status} for GET {path}: {body}");
            if (400..500).contains(&status) && !path.starts_with("/assets/") {
                assert!(
                    swedish_error(&content_type, &body),
                    "{status} {content_type:?} without a Swedish message for GET {path}: {body}"
                );
            }
            if let Some(found) = unsafe_markup(&body) {
                panic!("GET {path} reflects {found}");
            }
        }
    }
}

/// The attachment endpoint: arbitrary bytes, PDFs, hostile file names, oversized files,
/// missing parts, wrong content types. Only a PDF (by structure) of at most 5 MB is stored,
/// under a name the server makes.
#[actix_web::test]
async fn hostile_uploads_never_fail_and_store_only_pdfs() {
    let app = spawn_app().await;
    let permit = crate::permits::bought_permit(&app, "upload@regionvastmanland.se").await;
    let mut db = app.conn();
    let csrf = app.csrf().await;
    let application = apply_as_extern(&app, &csrf).await;
    // A PDF under a hostile name is stored under the server's own name; the uploaded name
    // is not kept.
    let evil = "<img src=x onerror=alert(1)>.pdf";
    let resp = app
        .client
        .post(app.url(&format!("{application}/attachment")))
        .multipart(
            reqwest::multipart::Form::new()
                .text("csrf", csrf.clone())
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(parkportal::domain::pdf::minimal())
                        .file_name(evil)
                        .mime_str("application/pdf")
                        .unwrap(),
                ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let page = app.get_html(&application).await;
    let application_id = application.rsplit('/').next().unwrap();
    assert!(
        page.contains(&format!("bilaga-{application_id}-1.pdf")),
        "the server's name"
    );
    assert!(
        !page.contains("onerror=alert(1)&gt;.pdf"),
        "not the uploaded name"
    );
    assert_eq!(unsafe_markup(&page), None);
    let upload = (
        prop_oneof![
            3 => prop::collection::vec(any::<u8>(), 0..4_000),
            2 => prop::collection::vec(any::<u8>(), 0..4_000).prop_map(|mut v| {
                v.splice(0..0, b"%PDF-1.7\n".iter().copied());
                v
            }),
            2 => Just(parkportal::domain::pdf::minimal()),
            1 => Just({
                let mut v = b"%PDF-1.7\n".to_vec();
                v.resize(6 * 1024 * 1024, b'a');
                v
            }),
        ],
        prop_oneof![
            value(),
            Just("<img src=x onerror=alert(1)>.pdf".to_string()),
            Just("../../etc/passwd".to_string()),
        ],
        prop::sample::select(vec![
            "application/pdf",
            "text/html",
            "application/octet-stream",
            "image/svg+xml",
        ]),
        0u8..7,
    );
    let mut runner = TestRunner::deterministic();
    let mut stored = 0;
    let mut statuses = std::collections::BTreeSet::new();
    let mut too_large_taken = 0;
    for i in 0..40 {
        // Half to the permit awaiting payment (takes no file), half to the application.
        let (permit, takes_files) = if i % 2 == 0 {
            (&permit, false)
        } else {
            (&application, true)
        };
        let url = app.url(&format!("{permit}/attachment"));
        let (bytes, name, mime, shape) = generate(&mut runner, &upload);
        let what = format!(
            "upload shape {shape}, {} bytes starting {:?}, name {:?}, {mime}",
            bytes.len(),
            String::from_utf8_lossy(&bytes[..bytes.len().min(12)]),
            name.chars().take(40).collect::<String>()
        );
        let is_pdf = parkportal::domain::pdf::is_pdf(&bytes) && bytes.len() <= 5 * 1024 * 1024;
        let file = || {
            reqwest::multipart::Part::bytes(bytes.clone())
                .file_name(name.clone())
                .mime_str(mime)
                .unwrap()
        };
        let form = reqwest::multipart::Form::new();
        let req = app.client.post(&url);
        let req = match shape {
            0 | 1 => req.multipart(form.text("csrf", csrf.clone()).part("file", file())),
            // The token missing or wrong.
            2 => req.multipart(form.part("file", file())),
            3 => req.multipart(form.text("csrf", "forged").part("file", file())),
            // Two files.
            4 => req.multipart(
                form.text("csrf", csrf.clone())
                    .part("file", file())
                    .part("file", file()),
            ),
            // No file at all.
            6 => req.multipart(form.text("csrf", csrf.clone())),
            // Not multipart at all.
            _ => req
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(bytes.clone()),
        };
        let before = snapshot(&mut db);
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("no answer ({e}) to {what}"));
        let status = check(resp, &before, &mut db, &what).await;
        if status == 303 {
            // Only a PDF of at most 5 MB, with the token, on a permit that takes one.
            // (Two files: the first is taken, as actix-multipart does by default.)
            assert!(
                takes_files && is_pdf && matches!(shape, 0 | 1 | 4),
                "{what} accepted"
            );
            stored += 1;
        } else {
            assert!((400..500).contains(&status), "{status} for {what}");
            assert_eq!(snapshot(&mut db), before, "{what}");
        }
        statuses.insert(status);
        // The status says why: too large, no file, not multipart. On a permit that takes no
        // file the body is never read (issue #34, 5): refused as such, whatever was sent.
        let too_large = bytes.len() > 5 * 1024 * 1024;
        match shape {
            _ if !takes_files => assert_eq!(status, 422, "{what}"),
            0..=4 if too_large => {
                assert_eq!(status, 413, "{what}");
                too_large_taken += 1;
            }
            6 => assert_eq!(status, 400, "{what}"),
            5 => assert_eq!(status, 415, "{what}"),
            _ => {}
        }
        assert_no_stored_script(&app, std::slice::from_ref(permit), &what).await;
    }
    assert!(stored > 0, "no generated upload was a storable PDF");
    for expected in [303, 400, 403, 415, 422] {
        assert!(statuses.contains(&expected), "no {expected}: {statuses:?}");
    }
    assert_eq!(statuses.contains(&413), too_large_taken > 0, "{statuses:?}");
    // The permit awaiting payment has no application; the one application has a file.
    let names: Vec<Option<String>> = applications::table
        .select(applications::attachment_name)
        .load(&mut db)
        .unwrap();
    assert!(matches!(names.as_slice(), [Some(_)]), "{names:?}");
}

/// An "Extern betalande" application awaiting approval (it takes a PDF); returns its path.
pub async fn apply_as_extern(app: &TestApp, csrf: &str) -> String {
    let html = app.get_html("/permits/new").await;
    let t = type_id(&html, "Extern betalande");
    let details = app
        .get_html(&format!("/permits/new/details?type={t}"))
        .await;
    let package = &package_id(&details, "1 månad");
    let today = today().to_string();
    let resp = app
        .post_form(
            "/permits/new",
            &[
                ("csrf", csrf),
                ("type", &t),
                ("package", package),
                ("start", &today),
                ("regnr", "ABC123"),
                ("car_park", "1"),
                ("organisation", "Mälardalens universitet"),
                ("role", "Student"),
                ("reason", "VFU"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200, "the review page");
    let review = resp.text().await.unwrap();
    let resp = crate::permits::confirm(app, &review).await;
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(
        app.get_html(&location)
            .await
            .contains("Väntar på godkännande")
    );
    location
}

/// The payment providers' callbacks take anything without failing and change nothing
/// they were not asked to (their body is only a hint to poll).
#[actix_web::test]
async fn hostile_callbacks_never_fail() {
    let app = spawn_app().await;
    crate::permits::bought_permit(&app, "callback@regionvastmanland.se").await;
    let mut db = app.conn();
    let stranger = reqwest::Client::new();
    let body = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..3_000),
        value().prop_map(|v| serde_json::json!({ "id": v, "status": "PAID" })
            .to_string()
            .into_bytes()),
        value().prop_map(|v| serde_json::json!({ "data": { "paymentId": v } })
            .to_string()
            .into_bytes()),
        (300_000usize..600_000).prop_map(|n| vec![b'{'; n]),
    ];
    let mut runner = TestRunner::deterministic();
    for path in ["/callbacks/swish", "/callbacks/nexi"] {
        for _ in 0..15 {
            let bytes = generate(&mut runner, &body);
            let before = snapshot(&mut db);
            let resp = stranger
                .post(app.url(path))
                .header("Content-Type", "application/json")
                .body(bytes.clone())
                .send()
                .await
                .unwrap_or_else(|e| panic!("no answer ({e}) from {path}"));
            let status = resp.status().as_u16();
            assert!(
                (200..500).contains(&status),
                "{status} from {path} for {} bytes",
                bytes.len()
            );
            assert_eq!(snapshot(&mut db), before, "{path} changed rows");
        }
    }
}

/// The day calendar of a paid day card: hostile bookings and cancellations (dates near today
/// among the junk, so some are booked). A refusal books nothing; the card never has more
/// days booked than bought; what was typed never comes back as markup.
#[actix_web::test]
async fn hostile_day_bookings_never_fail_or_overbook() {
    let app = spawn_app().await;
    let today = crate::kit::dates::today();
    let permit = crate::daycards::paid_day_card(&app, "dagar@regionvastmanland.se", today, 3).await;
    let mut db = app.conn();
    let csrf = app.csrf().await;
    let day = prop_oneof![
        2 => (0i64..20).prop_map(move |d| (today + chrono::Duration::days(d)).to_string()),
        1 => value(),
    ];
    // Mostly a plausible booking (a number, days near today) with junk mixed in.
    let pairs = (
        prop::bool::weighted(0.8),
        prop::collection::vec(
            (
                prop::sample::select(vec![
                    "day", "day", "day", "regnr", "foreign", "month", "csrf",
                ]),
                prop_oneof![3 => day.clone(), 1 => value()],
            ),
            0..5,
        ),
    )
        .prop_map(|(with_regnr, mut pairs)| {
            if with_regnr {
                pairs.insert(0, ("regnr", "ABC123".to_string()));
            }
            pairs
        });
    let strategy = (pairs, encoding(), prop::bool::weighted(0.3), day);
    let mut runner = TestRunner::deterministic();
    let stored_pages = ["/".to_string(), permit.clone()];
    let mut booked = 0;
    for i in 0..40 {
        let (pairs, encoding, htmx, cancel_day) = generate(&mut runner, &strategy);
        let c = Case {
            pairs: pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            encoding,
            htmx,
        };
        let path = if i % 4 == 3 {
            let d: String = url::form_urlencoded::byte_serialize(cancel_day.as_bytes()).collect();
            format!("{permit}/sessions/{d}/cancel")
        } else {
            format!("{permit}/sessions")
        };
        let what = format!("POST {path} {}", describe(&c));
        let before = snapshot(&mut db);
        let resp = send(&app.client, &app.url(&path), &c, Some(&csrf), None).await;
        let status = check(resp, &before, &mut db, &what).await;
        if status < 400 && snapshot(&mut db) != before {
            booked += 1;
        }
        let (bought, used): (Option<i32>, i32) = permits::table
            .select((permits::days_bought, permits::days_used))
            .first(&mut db)
            .unwrap();
        let sessions: i64 = day_sessions::table.count().get_result(&mut db).unwrap();
        assert!(
            i64::from(used) == sessions && sessions <= i64::from(bought.unwrap()),
            "{used} used, {sessions} sessions of {bought:?} after {what}"
        );
        assert_no_stored_script(&app, &stored_pages, &what).await;
    }
    assert!(booked > 0, "no case booked or cancelled a day");
}
