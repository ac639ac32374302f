//! The skeleton: login page, demo data, assets, headers, settings.

use diesel::prelude::*;
use parkportal::db::schema::{car_parks, packages, permit_types};

use crate::kit::spawn::{spawn_app, test_settings};

#[actix_web::test]
async fn front_page_is_the_swedish_login_page() {
    let app = spawn_app().await;
    let html = app.get_html("/").await;
    assert!(html.contains(r#"<html lang="sv""#));
    assert!(html.contains(r#"<label for="email">E-postadress</label>"#));
    assert!(html.contains(r#"<label for="password">Lösenord</label>"#));
    assert!(html.contains(r#"<button type="submit">Logga in</button>"#));
    assert!(html.contains(">Registrera ny användare</a>"));
    assert!(html.contains(">Glömt lösenord</a>"));
    assert!(html.contains("defer"), "htmx is loaded with defer");
}

#[actix_web::test]
async fn language_switch_turns_the_page_english_and_back() {
    let app = spawn_app().await;
    let resp = app.get("/lang/en?next=%2Flogin").await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/login");
    let html = app.get_html("/login").await;
    assert!(html.contains(r#"<html lang="en""#));
    assert!(html.contains("E-mail address"));
    // Never to another site.
    let resp = app.get("/lang/sv?next=%2F%2Fevil.example").await;
    assert_eq!(resp.headers()["location"], "/");
    assert!(app.get_html("/login").await.contains("E-postadress"));
}

#[actix_web::test]
async fn demo_data_is_there_once_after_two_starts() {
    let app = spawn_app().await;
    let mut conn = app.conn();
    let names: Vec<String> = permit_types::table
        .order(permit_types::sort_order)
        .select(permit_types::name_sv)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        names,
        [
            "Anställda månads/årskort",
            "Anställda dagkort",
            "Extern betalande"
        ]
    );
    let package_names: Vec<String> = packages::table
        .order(packages::id)
        .select(packages::name_sv)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        package_names,
        ["1 månad", "12 månader", "1 månad", "12 månader"]
    );
    let parks: i64 = car_parks::table.count().get_result(&mut conn).unwrap();
    assert!(parks >= 1);

    // A second start on the same database adds nothing.
    let again = parkportal::Application::build(test_settings(&app.database_url, &[]))
        .await
        .unwrap();
    drop(again);
    let types: i64 = permit_types::table.count().get_result(&mut conn).unwrap();
    let packages: i64 = packages::table.count().get_result(&mut conn).unwrap();
    assert_eq!((types, packages), (3, 4));
}

#[actix_web::test]
async fn htmx_is_served_compressed_and_immutable() {
    let app = spawn_app().await;
    let html = app.get_html("/").await;
    let start = html.find("/assets/vendor/htmx.min.").unwrap();
    let end = start + html[start..].find('"').unwrap();
    let htmx_url = &html[start..end];

    for (accept, encoding) in [("br", "br"), ("gzip", "gzip")] {
        let resp = app
            .client
            .get(app.url(htmx_url))
            .header("Accept-Encoding", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let h = resp.headers();
        assert_eq!(h["content-encoding"], encoding);
        assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
        assert!(h["content-type"].to_str().unwrap().contains("javascript"));
        let body = resp.bytes().await.unwrap();
        assert!(body.len() < 20_000, "{encoding}: {} bytes", body.len());
    }
    // An unhashed or unknown asset name is not served.
    assert_eq!(app.get("/assets/vendor/htmx.min.js").await.status(), 404);
}

#[actix_web::test]
async fn pages_are_compressed_and_carry_security_headers() {
    let app = spawn_app().await;
    let resp = app
        .client
        .get(app.url("/"))
        .header("Accept-Encoding", "br")
        .send()
        .await
        .unwrap();
    let h = resp.headers();
    assert_eq!(h["content-encoding"], "br");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h.contains_key("referrer-policy"));
    assert!(
        !h.contains_key("strict-transport-security"),
        "no HSTS over http"
    );
}

/// What a response varies on (its `Vary` headers).
fn vary(h: &reqwest::header::HeaderMap) -> Vec<&str> {
    h.get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect()
}

#[actix_web::test]
async fn pages_decode_to_the_same_html_in_brotli_gzip_and_identity() {
    let app = spawn_app().await;
    let fetch = |accept: &'static str| {
        let req = app.client.get(app.url("/login"));
        async move {
            let resp = req.header("Accept-Encoding", accept).send().await.unwrap();
            let h = resp.headers().clone();
            (h, resp.bytes().await.unwrap().to_vec())
        }
    };
    let (h, plain) = fetch("identity").await;
    assert!(!h.contains_key("content-encoding"));
    // A page varies on the encoding and on htmx (a fragment comes from the same URL).
    let vary = vary(&h);
    assert!(vary.contains(&"Accept-Encoding"), "{vary:?}");
    assert!(vary.contains(&"HX-Request"), "{vary:?}");
    assert!(String::from_utf8_lossy(&plain).contains("Logga in"));

    let (h, br) = fetch("br").await;
    assert_eq!(h["content-encoding"], "br");
    let mut unpacked = Vec::new();
    brotli::BrotliDecompress(&mut &br[..], &mut unpacked).unwrap();
    assert_eq!(unpacked, plain);
    assert!(
        br.len() * 2 < plain.len(),
        "{} of {}",
        br.len(),
        plain.len()
    );

    let (h, gz) = fetch("gzip").await;
    assert_eq!(h["content-encoding"], "gzip");
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unpacked).unwrap();
    assert_eq!(unpacked, plain);
}

/// A body that fits one TCP segment with its headers either way (at most 600 bytes) goes as
/// it is; it still varies on the encoding, since a larger answer from the same URL is packed.
#[actix_web::test]
async fn small_bodies_go_unpacked_and_still_vary_on_the_encoding() {
    let app = spawn_app().await;
    // Without keys the check API answers a short JSON error.
    let resp = app
        .client
        .get(app.url("/api/v1/check?regnr=ABC123"))
        .header("Accept-Encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let h = resp.headers().clone();
    assert!(!h.contains_key("content-encoding"), "{h:?}");
    let vary = vary(&h);
    assert!(vary.contains(&"Accept-Encoding"), "{vary:?}");
    let body = resp.bytes().await.unwrap();
    assert!(
        body.len() as u64 <= parkportal::web::compress::PACK_ABOVE,
        "{} bytes",
        body.len()
    );
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(json["error"].as_str().unwrap().contains("CHECK_API_KEYS"));
}

#[actix_web::test]
async fn https_public_url_adds_hsts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.db");
    let settings = test_settings(
        path.to_str().unwrap(),
        &[
            ("PUBLIC_URL", "https://parkering.example.se"),
            ("DEMO_MODE", "on"),
        ],
    );
    let app = parkportal::Application::build(settings).await.unwrap();
    let port = app.port();
    actix_web::rt::spawn(app.run_until_stopped());
    let resp = reqwest::get(format!("http://127.0.0.1:{port}/health"))
        .await
        .unwrap();
    assert!(
        resp.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
}

#[actix_web::test]
async fn unknown_pages_answer_404_in_swedish() {
    let app = spawn_app().await;
    let resp = app.get("/finns-inte").await;
    assert_eq!(resp.status(), 404);
    assert!(resp.text().await.unwrap().contains("Sidan finns inte"));
}

#[actix_web::test]
async fn terms_page_exists() {
    let app = spawn_app().await;
    let html = app.get_html("/villkor").await;
    assert!(html.contains("Villkor"));
}

/// The accessibility statement (DOS-lagen) in DIGG's form, linked from the footer of every
/// page, logged out and logged in, in Swedish and English.
#[actix_web::test]
async fn the_accessibility_statement_is_linked_from_every_footer() {
    use crate::kit::html::{attrs, text};
    let app = spawn_app().await;
    let html = app.get_html("/tillganglighet").await;
    assert_eq!(
        text(&html, "h1").as_deref(),
        Some("Tillgänglighetsredogörelse för Parkportal")
    );
    let headings = crate::kit::html::outer_html(&html, "main h2");
    for section in [
        "Hur tillgänglig är webbplatsen?",
        "Vad kan du göra om du inte kan använda delar av webbplatsen?",
        "Rapportera brister i webbplatsens tillgänglighet",
        "Tillsyn",
        "Teknisk information om webbplatsens tillgänglighet",
        "Innehåll som inte är tillgängligt",
        "Hur vi testat webbplatsen",
    ] {
        assert!(
            headings.iter().any(|h| h.contains(section)),
            "{section} in {headings:?}"
        );
    }
    assert!(html.contains("delvis förenlig"), "the conformance");
    let links = attrs(&html, "main a", "href");
    assert!(links.contains(&"/messages".to_string()), "how to report");
    assert!(
        links.iter().any(|l| l.contains("digg.se")),
        "the enforcement body"
    );
    assert!(
        !crate::kit::html::outer_html(&html, "main ul li").is_empty(),
        "the known gaps"
    );

    for path in ["/login", "/register", "/villkor", "/no-such-page"] {
        let page = app.get(path).await.text().await.unwrap();
        assert_eq!(
            attrs(&page, "footer a", "href"),
            ["/tillganglighet"],
            "footer of {path}"
        );
    }
    app.logged_in_user("a11y@regionvastmanland.se").await;
    let home = app.get_html("/").await;
    assert_eq!(attrs(&home, "footer a", "href"), ["/tillganglighet"]);
    let logged_in = app.get_html("/tillganglighet").await;
    assert!(
        logged_in.contains("main-bar"),
        "in the logged-in frame for a logged-in user"
    );

    app.get("/lang/en?next=%2F").await;
    let english = app.get_html("/tillganglighet").await;
    assert_eq!(
        text(&english, "h1").as_deref(),
        Some("Accessibility statement for Parkportal")
    );
    assert!(english.contains("partially compliant"));
    let home = app.get_html("/").await;
    assert_eq!(
        text(&home, "footer a").as_deref(),
        Some("Accessibility statement")
    );
}

#[test]
fn a_mistyped_database_url_stops_the_binary_with_one_line() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_parkportal"))
        .env("DATABASE_URL", "postgress://x")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn migrate_subcommand_creates_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_parkportal"))
        .arg("migrate")
        .env("DATABASE_URL", &db)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(db.exists());
}

#[test]
fn unreachable_postgres_fails_fast_with_the_real_error() {
    let started = std::time::Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_parkportal"))
        .arg("migrate")
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nothing")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("cannot open database"), "{stderr}");
    assert!(started.elapsed() < std::time::Duration::from_secs(8));
}

/// Every error page is drawn by one renderer: in the request's language, inside the
/// logged-in frame when there is a session, and as the message alone for htmx.
#[actix_web::test]
async fn error_pages_speak_the_users_language_inside_the_frame_and_as_htmx_fragments() {
    let app = spawn_app().await;
    // Logged out, Swedish: the plain page.
    let resp = app.get("/permits/abc").await;
    assert_eq!(resp.status(), 404);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Sidan finns inte") && !html.contains("Logga ut"));

    app.logged_in_user("fel@example.com").await;
    app.get("/lang/en?next=%2F").await;
    for path in [
        "/permits/999999",
        "/permits/abc",
        "/operator/dashboard",
        "/no-such-page",
        "/lang/xx",
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 404, "{path}");
        let html = resp.text().await.unwrap();
        assert!(html.contains(r#"<html lang="en""#), "{path}");
        assert!(html.contains("Page not found"), "{path}");
        assert!(
            html.contains("Log out"),
            "{path}: inside the logged-in frame"
        );
    }
    // A form that cannot be read (not a form at all): 400, in English, in the frame.
    let resp = app
        .client
        .post(app.url("/settings"))
        .header("content-type", "text/plain")
        .body("not a form")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let html = resp.text().await.unwrap();
    assert!(html.contains("The form could not be read") && html.contains("Log out"));

    // A cross-site post is refused (403) in the same language and frame.
    let resp = app
        .client
        .post(app.url("/settings"))
        .header("Origin", "https://evil.example")
        .form(&[("name", "Mallory")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains(r#"<html lang="en""#) && html.contains("Log out"),
        "{html}"
    );

    // htmx asks for a fragment: the message alone, no page around it.
    let resp = app
        .client
        .get(app.url("/permits/999999"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.headers()["vary"], "HX-Request");
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("Page not found") && !html.contains("<html"),
        "{html}"
    );
    // An address no route knows, too.
    let resp = app
        .client
        .get(app.url("/no-such-page"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("Page not found") && !html.contains("<html"),
        "{html}"
    );
}

/// `/health/ready` (#37, 10): ready while the database answers; on PostgreSQL, with the
/// database refusing connections and this instance's cut, 503 with `Retry-After` within a
/// few seconds — then ready again once the database lets it back in.
#[actix_web::test]
async fn ready_means_the_database_answers() {
    let app = spawn_app().await;
    let resp = app.get("/health/ready").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "ready");
    let Ok(server) = std::env::var("TEST_DATABASE_URL") else {
        return;
    };
    crate::db_away::connections(&app, &server, false);
    let started = std::time::Instant::now();
    let resp = app.get("/health/ready").await;
    assert_eq!(resp.status(), 503);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(resp.headers().contains_key("retry-after"));
    crate::db_away::connections(&app, &server, true);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while app.get("/health/ready").await.status() != 200 {
        assert!(std::time::Instant::now() < deadline, "never ready again");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// `parkportal health` (Docker's HEALTHCHECK): exit 0 against a running server on
/// `BIND_ADDR`'s port (bound to every interface, it asks the loopback address), 2 with one line
/// when nothing answers there.
#[actix_web::test]
async fn the_health_subcommand_asks_the_running_server() {
    let app = spawn_app().await;
    let port = url::Url::parse(&app.address).unwrap().port().unwrap();
    let run = |bind: String| {
        std::process::Command::new(env!("CARGO_BIN_EXE_parkportal"))
            .arg("health")
            .env("BIND_ADDR", bind)
            .env("DATABASE_URL", "unused.db")
            .env_remove("RUST_LOG")
            .output()
            .unwrap()
    };
    let up = actix_web::rt::task::spawn_blocking(move || run(format!("0.0.0.0:{port}")))
        .await
        .unwrap();
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let free = closed.local_addr().unwrap().port();
    drop(closed);
    let down = actix_web::rt::task::spawn_blocking(move || run(format!("127.0.0.1:{free}")))
        .await
        .unwrap();
    assert_eq!(down.status.code(), Some(2));
    let stderr = String::from_utf8(down.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no answer"), "{stderr}");
}
