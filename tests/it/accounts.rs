//! The guide's first sections end to end: register, confirm, log in, forgotten password,
//! settings — with the e-mails travelling over real SMTP.

use std::time::Duration;

use diesel::prelude::*;
use parkportal::db::schema::{account_tokens, notifications, rate_limits, sessions, users};

use crate::kit::{
    client::client,
    flows::PASSWORD,
    spawn::{TestApp, spawn_app, spawn_app_with, spawn_app_without_smtp, test_settings},
};

fn user_count(app: &TestApp, email: &str) -> i64 {
    users::table
        .filter(users::email.eq(email))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

fn session_cookie(resp: &reqwest::Response) -> String {
    resp.cookies()
        .find(|c| c.name() == "session")
        .map(|c| c.value().to_string())
        .expect("a session cookie")
}

#[actix_web::test]
async fn register_confirm_log_in_and_out() {
    let app = spawn_app().await;
    let email = "anna.andersson@regionvastmanland.se";
    let resp = app
        .register("Anna.Andersson@RegionVastmanland.se", PASSWORD)
        .await;
    assert_eq!(resp.status(), 303);
    let done = resp.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        done,
        "/register/done?email=anna.andersson%40regionvastmanland.se"
    );
    // "Kontrollera din e-post" names the address and offers "Skicka igen" (issue #35, 7).
    let page = app.get_html(&done).await;
    assert!(
        page.contains("Klicka på länken") && page.contains(email),
        "{page}"
    );
    let again = crate::kit::html::form_fields(&page, "form[action='/confirm/resend']").unwrap();
    assert_eq!(again, vec![("email".to_string(), email.to_string())]);
    assert!(page.contains(">Skicka igen</button>"));

    let mail = app.smtp().wait_for(email).await;
    assert!(mail.subject().contains("Bekräfta"), "{}", mail.subject());
    assert!(
        mail.html().contains("/confirm?token="),
        "HTML part carries the link"
    );
    let link = mail.link("/confirm?token=");
    assert!(
        link.starts_with(&app.address),
        "link built on PUBLIC_URL: {link}"
    );

    // Not confirmed yet: refused with the same answer as a wrong password (nothing tells
    // whether the address has an account), with a way to get a new link.
    let resp = app.login(email, PASSWORD).await;
    assert_eq!(resp.status(), 401);
    let html = resp.text().await.unwrap();
    assert!(html.contains("inte bekräftat"));
    assert!(html.contains(r#"href="/confirm/resend""#));

    let html = app
        .client
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Ditt konto är bekräftat"));

    let employee: bool = users::table
        .filter(users::email.eq(email))
        .select(users::is_employee)
        .first(&mut app.conn())
        .unwrap();
    assert!(employee, "work address makes an employee");

    let resp = app.login(email, PASSWORD).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/");
    let cookie = resp
        .cookies()
        .find(|c| c.name() == "session")
        .expect("session cookie");
    assert!(cookie.http_only());
    assert!(!cookie.secure(), "plain http in tests");
    let home = app.get_html("/").await;
    for word in [
        "Hem",
        "Köp nytt parkeringstillstånd",
        "Meddelanden",
        "Notifikationer",
        "Inställningar",
        "Betalinställningar",
        "Logga ut",
    ] {
        assert!(home.contains(&format!(">{word}<")), "top bar has {word}");
    }

    let csrf = app.csrf().await;
    let resp = app.post_form("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(resp.status(), 303);
    let sessions_left: i64 = sessions::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(sessions_left, 0, "logout ends the session server-side");
    let resp = app.get("/settings").await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/login?next=%2Fsettings");
}

#[actix_web::test]
async fn a_private_address_is_not_an_employee() {
    let app = spawn_app().await;
    app.logged_in_user("student@example.com").await;
    let employee: bool = users::table
        .select(users::is_employee)
        .first(&mut app.conn())
        .unwrap();
    assert!(!employee);
}

#[actix_web::test]
async fn registration_errors_are_shown_beside_the_fields_keeping_the_input() {
    let app = spawn_app().await;
    let resp = app
        .post_form(
            "/register",
            &[
                ("email", "anna@"),
                ("password", "kort"),
                ("mobile", "08-123 456"),
                ("name", "Åsa <Öberg>"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Skriv e-postadressen i formatet"));
    assert!(html.contains("minst 8 tecken"));
    assert!(html.contains("svenskt mobilnummer"));
    assert!(html.contains("tecken som inte är tillåtna"));
    assert!(html.contains("godkänna villkoren"));
    assert!(html.contains(r#"value="anna@""#), "e-mail kept");
    assert!(html.contains(r#"value="08-123 456""#), "mobile kept");
    assert!(html.contains("Åsa &lt;Öberg&gt;"), "name kept, escaped");
    assert!(!html.contains("kort\""), "password never echoed");
    assert!(html.contains(r#"aria-invalid="true""#));
    assert_eq!(
        users::table
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap(),
        0
    );

    // Each password rule is named.
    for (pw, words) in [
        ("parkera7!bil", "versal"),
        ("PARKERA7!BIL", "gemen"),
        ("Parkera!bil", "nummer"),
        ("Parkera7bil", "specialtecken"),
        ("Password1!", "för vanligt"),
    ] {
        let resp = app.register("x@example.com", pw).await;
        assert_eq!(resp.status(), 422, "{pw}");
        assert!(resp.text().await.unwrap().contains(words), "{pw} → {words}");
    }
}

#[actix_web::test]
async fn registering_a_taken_address_looks_the_same_and_tells_the_owner() {
    let app = spawn_app().await;
    let email = "eva@example.com";
    app.logged_in_user(email).await;
    let other = client(&app.address);
    let resp = other
        .post(app.url("/register"))
        .form(&[
            ("email", email),
            ("password", "Annan7!kod"),
            ("mobile", "0709999999"),
            ("name", "Mallory"),
            ("terms", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/register/done?email="),
        "the same answer as a new account's"
    );
    let mail = app.smtp().wait_for_nth(email, 2).await;
    assert!(
        mail.subject().contains("redan ett konto"),
        "{}",
        mail.subject()
    );
    assert_eq!(user_count(&app, email), 1);
    // The owner's password is unchanged.
    assert_eq!(app.login(email, PASSWORD).await.status(), 303);
}

#[actix_web::test]
async fn forgotten_password_answers_alike_for_unknown_addresses() {
    let app = spawn_app().await;
    app.logged_in_user("known@example.com").await;
    let known = app
        .post_form("/forgot-password", &[("email", "known@example.com")])
        .await;
    let unknown = app
        .post_form("/forgot-password", &[("email", "nobody@example.com")])
        .await;
    assert_eq!(known.status(), unknown.status());
    assert_eq!(known.headers()["location"], unknown.headers()["location"]);
    app.smtp().wait_for_nth("known@example.com", 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.smtp().to("nobody@example.com").is_empty());
}

#[actix_web::test]
async fn reset_password_ends_other_sessions_and_works_once() {
    let app = spawn_app().await;
    let email = "reset@example.com";
    app.logged_in_user(email).await;
    // Another device is logged in too.
    let phone = client(&app.address);
    phone
        .post(app.url("/login"))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        phone
            .get(app.url("/settings"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let other = client(&app.address);
    let resp = other
        .post(app.url("/forgot-password"))
        .form(&[("email", email)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["location"], "/forgot-password/sent");
    let mail = app.smtp().wait_for_nth(email, 2).await;
    let link = mail.link("/reset-password?token=");
    let html = other.get(&link).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(r#"<label for="password">Nytt lösenord</label>"#));
    assert!(html.contains(">Spara lösenord</button>"));
    let token = link.split("token=").nth(1).unwrap().to_string();

    let weak = other
        .post(app.url("/reset-password"))
        .form(&[("token", token.as_str()), ("password", "svagt")])
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 422);
    assert!(weak.text().await.unwrap().contains("minst 8 tecken"));

    let new_password = "Nytt8#losen";
    let done = other
        .post(app.url("/reset-password"))
        .form(&[("token", token.as_str()), ("password", new_password)])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    let html = done.text().await.unwrap();
    assert!(html.contains(r#"<div class="notice" role="status">Lösenordet har återställts</div>"#));

    // Every session ended; the old password is gone; the new one works.
    assert_eq!(
        phone
            .get(app.url("/settings"))
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
    assert_eq!(app.login(email, PASSWORD).await.status(), 401);
    assert_eq!(app.login(email, new_password).await.status(), 303);

    // The link worked once.
    let again = other
        .post(app.url("/reset-password"))
        .form(&[("token", token.as_str()), ("password", "Tredje9!kod")])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("redan använts"));
}

#[actix_web::test]
async fn expired_and_reused_links_are_refused() {
    let app = spawn_app().await;
    let email = "expired@example.com";
    app.register(email, PASSWORD).await;
    let link = app.smtp().wait_for(email).await.link("/confirm?token=");
    diesel::update(account_tokens::table)
        .set(account_tokens::expires_at.eq(parkportal::clock::now() - chrono::Duration::minutes(1)))
        .execute(&mut app.conn())
        .unwrap();
    let resp = app.client.get(&link).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("gått ut"));
    assert_eq!(app.login(email, PASSWORD).await.status(), 401);

    // A new link, used twice: the second time changes nothing and says so kindly.
    app.post_form("/confirm/resend", &[("email", email)]).await;
    let link = app
        .smtp()
        .wait_for_nth(email, 2)
        .await
        .link("/confirm?token=");
    assert!(
        app.client
            .get(&link)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("Ditt konto är bekräftat")
    );
    let html = app
        .client
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("redan bekräftat"));
    let resp = app.get("/confirm?token=nonsense").await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("ogiltig"));
}

#[actix_web::test]
async fn cross_site_posts_and_missing_tokens_are_refused() {
    let app = spawn_app().await;
    app.logged_in_user("csrf@example.com").await;
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let evil = plain
        .post(app.url("/login"))
        .header("Origin", "https://evil.example")
        .form(&[("email", "csrf@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), 403);
    let fetch_site = plain
        .post(app.url("/forgot-password"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("email", "csrf@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(fetch_site.status(), 403);
    let no_origin = plain
        .post(app.url("/login"))
        .form(&[("email", "csrf@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(no_origin.status(), 403);
    assert!(
        no_origin
            .text()
            .await
            .unwrap()
            .contains("kunde inte verifieras")
    );

    // Same site but without the session's token: refused, nothing changed.
    let resp = app
        .post_form(
            "/settings",
            &[
                ("name", "Hacked"),
                ("mobile", "0701111111"),
                ("language", "sv"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 403);
    let name: String = users::table
        .select(users::name)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(name, "Anna Andersson");
}

#[actix_web::test]
async fn login_gives_a_new_session_id_each_time() {
    let app = spawn_app().await;
    let email = "fixation@example.com";
    app.logged_in_user(email).await;
    let first = app.login(email, PASSWORD).await;
    let first_id = session_cookie(&first);
    let second = app.login(email, PASSWORD).await;
    let second_id = session_cookie(&second);
    assert_ne!(first_id, second_id);
    // The session the browser had before is ended by the new login.
    let hashes: Vec<String> = sessions::table
        .select(sessions::id_hash)
        .load(&mut app.conn())
        .unwrap();
    assert!(!hashes.contains(&parkportal::domain::token::hash_token(&first_id)));
    assert!(hashes.contains(&parkportal::domain::token::hash_token(&second_id)));
}

#[actix_web::test]
async fn brute_force_is_refused_for_a_while_then_allowed() {
    let app = spawn_app().await;
    let email = "target@example.com";
    app.logged_in_user(email).await;
    // Five in a minute from one address, then a wait (it grows: `auth::login_limits`).
    for _ in 0..5 {
        assert_eq!(app.login(email, "Fel9!losen").await.status(), 401);
    }
    // Even the right password waits now, from here, with a clear message.
    let resp = app.login(email, PASSWORD).await;
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    assert!(resp.text().await.unwrap().contains("För många misslyckade"));
    // A little later the real user gets in.
    // The counts' windows moved 2 minutes into the past, as if that time had gone by.
    diesel::update(rate_limits::table)
        .set((
            rate_limits::window_start.eq(rate_limits::window_start - 2 * 60),
            rate_limits::expires_at.eq(rate_limits::expires_at - 2 * 60),
        ))
        .execute(&mut app.conn())
        .unwrap();
    assert_eq!(app.login(email, PASSWORD).await.status(), 303);
}

#[actix_web::test]
async fn a_link_needing_login_comes_back_after_login_and_never_leaves_the_site() {
    let app = spawn_app().await;
    let email = "next@example.com";
    app.logged_in_user(email).await;
    let phone = client(&app.address);
    let resp = phone
        .get(app.url("/settings/payment"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["location"],
        "/login?next=%2Fsettings%2Fpayment"
    );
    let login_page = phone
        .get(app.url("/login?next=%2Fsettings%2Fpayment"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login_page.contains(r#"name="next" value="/settings/payment""#));
    let resp = phone
        .post(app.url("/login"))
        .form(&[
            ("email", email),
            ("password", PASSWORD),
            ("next", "/settings/payment"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["location"], "/settings/payment");
    let resp = phone
        .post(app.url("/login"))
        .form(&[
            ("email", email),
            ("password", PASSWORD),
            ("next", "//evil.example/x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["location"], "/");
}

#[actix_web::test]
async fn mail_waits_while_smtp_is_down_and_arrives_once() {
    let app = spawn_app().await;
    app.smtp().set_up(false);
    let email = "later@example.com";
    app.register(email, PASSWORD).await;
    // Attempts fail and are recorded while the server is down.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (attempts, error): (i32, Option<String>) = notifications::table
            .select((notifications::attempts, notifications::last_error))
            .first(&mut app.conn())
            .unwrap_or((0, None));
        if attempts >= 1 {
            assert!(error.unwrap_or_default().contains("SMTP"));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no failed attempt recorded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(app.smtp().to(email).is_empty());
    app.smtp().set_up(true);
    app.smtp().wait_for(email).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.smtp().to(email).len(), 1, "delivered exactly once");
    let status: String = notifications::table
        .select(notifications::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "sent");
}

#[actix_web::test]
async fn sessions_survive_a_restart_and_work_on_another_instance() {
    let app = spawn_app().await;
    let email = "restart@example.com";
    app.logged_in_user(email).await;
    let token = session_cookie(&app.login(email, PASSWORD).await);
    // A second server on the same database, as after a restart or behind a load balancer.
    let smtp_url = app.smtp().url();
    let again = parkportal::Application::build(test_settings(
        &app.database_url,
        &[("SMTP_URL", &smtp_url)],
    ))
    .await
    .unwrap();
    let port = again.port();
    actix_web::rt::spawn(again.run_until_stopped());
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("http://127.0.0.1:{port}/settings"))
        .header("Cookie", format!("session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains(email));
}

#[actix_web::test]
async fn idle_sessions_end() {
    let app = spawn_app().await;
    app.logged_in_user("idle@example.com").await;
    diesel::update(sessions::table)
        .set(sessions::last_seen_at.eq(parkportal::clock::now() - chrono::Duration::hours(3)))
        .execute(&mut app.conn())
        .unwrap();
    assert_eq!(app.get("/settings").await.status(), 303);
}

#[actix_web::test]
async fn settings_change_details_password_and_payment() {
    let app = spawn_app().await;
    let email = "settings@example.com";
    app.logged_in_user(email).await;
    let csrf = app.csrf().await;

    let bad = app
        .post_form(
            "/settings",
            &[
                ("csrf", &csrf),
                ("name", "Eva"),
                ("mobile", "12345"),
                ("language", "sv"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let html = bad.text().await.unwrap();
    assert!(html.contains("svenskt mobilnummer") && html.contains(r#"value="12345""#));

    let ok = app
        .post_form(
            "/settings",
            &[
                ("csrf", &csrf),
                ("name", "Eva Ek"),
                ("mobile", "+46 73 555 44 33"),
                ("notify_sms", "yes"),
                ("language", "en"),
            ],
        )
        .await;
    assert_eq!(ok.status(), 303);
    let (name, mobile, sms, email_on, lang): (String, String, bool, bool, String) = users::table
        .select((
            users::name,
            users::mobile,
            users::notify_sms,
            users::notify_email,
            users::language,
        ))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        (name.as_str(), mobile.as_str(), sms, email_on, lang.as_str()),
        ("Eva Ek", "+46735554433", true, false, "en")
    );
    assert!(
        app.get_html("/settings?m=saved")
            .await
            .contains("Your details have been saved.")
    );

    let wrong = app
        .post_form(
            "/settings/password",
            &[
                ("csrf", &csrf),
                ("current_password", "Fel9!losen"),
                ("new_password", "Nytt8#losen"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    let changed = app
        .post_form(
            "/settings/password",
            &[
                ("csrf", &csrf),
                ("current_password", PASSWORD),
                ("new_password", "Nytt8#losen"),
            ],
        )
        .await;
    assert_eq!(changed.status(), 303);
    assert_eq!(
        app.get("/settings").await.status(),
        200,
        "this session stays"
    );
    assert_eq!(app.login(email, "Nytt8#losen").await.status(), 303);

    let csrf = app.csrf().await;
    let pay = app
        .post_form(
            "/settings/payment",
            &[
                ("csrf", &csrf),
                ("method", "swish"),
                ("swish_number", "070 111 22 33"),
            ],
        )
        .await;
    assert_eq!(pay.status(), 303);
    let html = app.get_html("/settings/payment").await;
    assert!(html.contains(r#"value="0701112233""#));
    assert!(html.contains(r#"value="swish" checked"#));
    let bad = app
        .post_form(
            "/settings/payment",
            &[
                ("csrf", &csrf),
                ("method", "swish"),
                ("swish_number", "abc"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
}

#[actix_web::test]
async fn changing_the_email_address_needs_the_link_sent_to_it() {
    let app = spawn_app().await;
    let old = "old@example.com";
    let new = "ny.adress@regionvastmanland.se";
    app.logged_in_user(old).await;
    let csrf = app.csrf().await;
    let resp = app
        .post_form(
            "/settings/email",
            &[
                ("csrf", &csrf),
                ("new_email", new),
                ("email_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(resp.headers()["location"], "/settings?m=email_sent");
    let notice = app.smtp().wait_for_nth(old, 2).await;
    assert!(notice.text().contains(new), "old address told");
    let link = app
        .smtp()
        .wait_for(new)
        .await
        .link("/settings/email/confirm?token=");

    // Clicked on another device: through the login page and back to the link.
    let phone = client(&app.address);
    let resp = phone.get(&link).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    let to_login = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(to_login.starts_with("/login?next=%2Fsettings%2Femail%2Fconfirm"));
    let next = url::Url::parse(&app.url(&to_login))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "next")
        .unwrap()
        .1
        .into_owned();
    let resp = phone
        .post(app.url("/login"))
        .form(&[
            ("email", old),
            ("password", PASSWORD),
            ("next", next.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let back = resp.headers()["location"].to_str().unwrap().to_string();
    let resp = phone.get(app.url(&back)).send().await.unwrap();
    assert_eq!(resp.headers()["location"], "/settings?m=email_changed");
    let (email, employee): (String, bool) = users::table
        .select((users::email, users::is_employee))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(email, new);
    assert!(employee, "now in the employee domain");
    assert_eq!(app.login(new, PASSWORD).await.status(), 303);
}

#[actix_web::test]
async fn my_data_download_and_account_deletion() {
    let app = spawn_app().await;
    let email = "gone@example.com";
    app.logged_in_user(email).await;
    let resp = app.get("/settings/export").await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let data: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(data["account"]["email"], email);
    assert!(!data["notifications"].as_array().unwrap().is_empty());

    // "Ta bort mitt konto" on the settings page leads to a page that asks once more.
    let settings = app.get_html("/settings").await;
    assert_eq!(
        crate::kit::html::attr(&settings, "a.danger-outline", "href").as_deref(),
        Some("/settings/delete")
    );
    let check = app.get_html("/settings/delete").await;
    let shown = crate::kit::html::text(&check, "main").unwrap();
    for words in [
        "går inte att ångra",
        "Du har inga parkeringstillstånd",
        "Kvitton och betalningar sparas",
        "Ladda ner mina uppgifter",
        "Ja, ta bort mitt konto",
    ] {
        assert!(shown.contains(words), "{words:?} in {shown}");
    }
    let csrf = app.csrf().await;
    let wrong = app
        .post_form(
            "/settings/delete",
            &[("csrf", &csrf), ("delete_password", "Fel9!losen")],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    let again = wrong.text().await.unwrap();
    assert!(
        again.contains("Ja, ta bort mitt konto") && again.contains("aria-invalid=\"true\""),
        "the check page again, the password marked wrong"
    );
    let resp = app
        .post_form(
            "/settings/delete",
            &[("csrf", &csrf), ("delete_password", PASSWORD)],
        )
        .await;
    assert_eq!(resp.headers()["location"], "/login?m=deleted");
    assert_eq!(app.login(email, PASSWORD).await.status(), 401);
    let (stored_email, name, mobile): (String, String, String) = users::table
        .select((users::email, users::name, users::mobile))
        .first(&mut app.conn())
        .unwrap();
    assert!(!stored_email.contains("gone"));
    assert!(name.is_empty() && mobile.is_empty());
    // The address can be registered again.
    assert_eq!(app.register(email, PASSWORD).await.status(), 303);
    app.smtp().wait_for_nth(email, 2).await;
}

#[actix_web::test]
async fn without_smtp_mail_lands_on_the_local_mailbox_page() {
    let app = spawn_app_without_smtp().await;
    app.register("local@example.com", PASSWORD).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let html = app.get_html("/dev/mailbox").await;
        if html.contains("local@example.com") {
            assert!(html.contains("/confirm?token="));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "mail not in local mailbox"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // While SMS have no gateway the page is there for them; with SMTP and an SMS gateway
    // configured it does not exist.
    let with_smtp = spawn_app_with(&[]).await;
    assert_eq!(with_smtp.get("/dev/mailbox").await.status(), 200);
    let sim = parkportal::notify::sms_sim::SmsSim::start("user", "password").unwrap();
    let sim_url = sim.url();
    let with_both = spawn_app_with(&[
        ("SMS_46ELKS_URL", &sim_url),
        ("SMS_46ELKS_USER", "user"),
        ("SMS_46ELKS_PASSWORD", "password"),
    ])
    .await;
    assert_eq!(with_both.get("/dev/mailbox").await.status(), 404);
}

#[actix_web::test]
async fn the_notifications_page_lists_what_was_sent() {
    let app = spawn_app().await;
    app.logged_in_user("list@example.com").await;
    let html = app.get_html("/notifications").await;
    assert!(html.contains("Bekräfta ditt konto"));
    assert!(html.contains("E-post"));
    assert!(html.contains("Skickad"));
}

#[actix_web::test]
async fn undelivered_mail_is_picked_up_after_a_restart_and_sent_once() {
    let app = spawn_app().await;
    app.smtp().set_up(false);
    let email = "pickup@example.com";
    app.register(email, PASSWORD).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while notifications::table
        .filter(notifications::attempts.ge(1))
        .count()
        .get_result::<i64>(&mut app.conn())
        .unwrap()
        == 0
    {
        assert!(std::time::Instant::now() < deadline, "no attempt made");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A new instance on the same database (as after a restart); both now race for the row.
    let smtp_url = app.smtp().url();
    let again = parkportal::Application::build(test_settings(
        &app.database_url,
        &[("SMTP_URL", &smtp_url), ("NOTIFY_RETRY_BASE_MS", "100")],
    ))
    .await
    .unwrap();
    actix_web::rt::spawn(again.run_until_stopped());
    app.smtp().set_up(true);
    app.smtp().wait_for(email).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.smtp().to(email).len(), 1, "sent once by one of the two");
}

#[actix_web::test]
async fn over_https_the_cookie_is_secure_and_host_prefixed() {
    let app = spawn_app_with(&[
        ("PUBLIC_URL", "https://parkering.example.se"),
        ("DEMO_MODE", "on"),
    ])
    .await;
    let email = "secure@example.com";
    app.register(email, PASSWORD).await;
    let link = app.smtp().wait_for(email).await.link("/confirm?token=");
    assert!(link.starts_with("https://parkering.example.se/confirm?token="));
    let path = link.trim_start_matches("https://parkering.example.se");
    app.get(path).await;
    let resp = app.login(email, PASSWORD).await;
    let set_cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set_cookie.starts_with("__Host-session="), "{set_cookie}");
    assert!(set_cookie.contains("Secure") && set_cookie.contains("HttpOnly"));
    assert!(set_cookie.contains("SameSite=Lax") && set_cookie.contains("Path=/"));
    assert!(resp.headers().contains_key("strict-transport-security"));
}

/// Deleting the account names the permits that keep running, and says nothing is paid back.
#[actix_web::test]
async fn the_delete_check_names_the_permits_still_running() {
    let app = spawn_app().await;
    let permit = crate::permits::bought_permit(&app, "kvar@regionvastmanland.se").await;
    assert!(permit.starts_with("/permits/"));
    let check = app.get_html("/settings/delete").await;
    let shown = crate::kit::html::text(&check, "main").unwrap();
    assert!(shown.contains("betalas inte tillbaka"), "{shown}");
    assert!(
        shown.contains("ABC123 – Anställda månads/årskort, gäller t.o.m."),
        "{shown}"
    );
    assert_eq!(
        crate::kit::html::attr(&check, "form button.danger", "type").as_deref(),
        Some("submit")
    );
    assert_eq!(
        crate::kit::html::attr(&check, "a.button.secondary[href='/settings']", "href").as_deref(),
        Some("/settings"),
        "a way back that keeps the account"
    );
}

/// A refused form (#16 item 1): "Fel: " before the title, an error summary at the top (role
/// alert, a heading, one link per wrong field to its id, in the form's order) and each field's
/// own message tied to it; in English "Error: " and "There is a problem".
#[actix_web::test]
async fn a_refused_form_has_an_error_summary_linking_each_wrong_field() {
    use crate::kit::html::{attr, attrs, text};
    let app = spawn_app().await;
    app.get_html("/register").await;
    let resp = app
        .client
        .post(app.url("/register"))
        .form(&[
            ("email", "inte-en-adress"),
            ("password", "kort"),
            ("mobile", ""),
            ("name", "Nils"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    let title = text(&html, "title").unwrap();
    assert!(title.starts_with("Fel: "), "{title}");
    assert_eq!(
        attr(&html, "#error-summary", "role").as_deref(),
        Some("alert")
    );
    assert_eq!(
        text(&html, "#error-summary h2").as_deref(),
        Some("Det finns ett problem")
    );
    assert_eq!(
        attrs(&html, "#error-summary a", "href"),
        ["#email", "#password", "#mobile", "#terms"]
    );
    for field in ["email", "password", "mobile"] {
        let described = attr(&html, &format!("#{field}"), "aria-describedby").unwrap();
        assert!(
            described.contains(&format!("{field}-error")),
            "{field}: {described}"
        );
        assert!(text(&html, &format!("#{field}-error")).is_some());
    }
    assert_eq!(
        attr(&html, "#email", "value").as_deref(),
        Some("inte-en-adress")
    );
    // An accepted page has neither.
    let fresh = app.get_html("/register").await;
    assert!(!text(&fresh, "title").unwrap().starts_with("Fel"));
    assert!(text(&fresh, "#error-summary").is_none());

    app.get("/lang/en?next=%2Fregister").await;
    let resp = app
        .client
        .post(app.url("/register"))
        .form(&[
            ("email", ""),
            ("password", ""),
            ("mobile", ""),
            ("name", ""),
        ])
        .send()
        .await
        .unwrap();
    let html = resp.text().await.unwrap();
    assert!(text(&html, "title").unwrap().starts_with("Error: "));
    assert_eq!(
        text(&html, "#error-summary h2").as_deref(),
        Some("There is a problem")
    );
}

/// A registration number's field says the format and asks a phone for capitals (#16 item 6).
#[actix_web::test]
async fn a_registration_number_field_says_its_format() {
    use crate::kit::html::{attr, text};
    let app = spawn_app().await;
    app.logged_in_user("skylt@regionvastmanland.se").await;
    let html = app.get_html("/permits/new").await;
    assert_eq!(
        text(&html, "#regnr-hint").as_deref(),
        Some("Till exempel ABC123 eller ABC12D.")
    );
    assert_eq!(
        attr(&html, "#regnr", "aria-describedby").as_deref(),
        Some("regnr-hint")
    );
    assert_eq!(
        attr(&html, "#regnr", "autocapitalize").as_deref(),
        Some("characters")
    );
}
