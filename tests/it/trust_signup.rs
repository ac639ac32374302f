//! Issue #13 items 4 and 5: a confirmation link confirms the registration it was sent for
//! (no pre-account takeover), and registrations, resets and resends are limited per client
//! address and per e-mail address, hashed on their own budget and written before the answer.

use diesel::prelude::*;
use parkportal::db::schema::{notifications, users};

use crate::kit::{
    client::client,
    flows::PASSWORD,
    spawn::{TestApp, spawn_app, spawn_app_with},
};

const ATTACKER_PASSWORD: &str = "Angripare9!kod";

async fn register_as(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
    name: &str,
    mobile: &str,
) -> reqwest::Response {
    client
        .post(app.url("/register"))
        .form(&[
            ("email", email),
            ("password", password),
            ("mobile", mobile),
            ("name", name),
            ("terms", "yes"),
        ])
        .send()
        .await
        .unwrap()
}

fn account_of(app: &TestApp, email: &str) -> (String, String, Option<chrono::NaiveDateTime>) {
    users::table
        .filter(users::email.eq(email))
        .select((users::name, users::mobile, users::confirmed_at))
        .first(&mut app.conn())
        .unwrap()
}

/// Someone registers a new hire's address first; the new hire registers too and uses the
/// link of their own e-mail: the account is theirs (their password, name and mobile), the
/// first registrant's password does not log in, and the first link no longer confirms.
#[actix_web::test]
async fn a_confirmation_link_confirms_the_registration_it_was_sent_for() {
    let app = spawn_app().await;
    let email = "nyanstalld@regionvastmanland.se";
    let resp = register_as(
        &app,
        &client(&app.address),
        email,
        ATTACKER_PASSWORD,
        "Mallory",
        "0709999999",
    )
    .await;
    assert_eq!(resp.status(), 303);
    let resp = register_as(
        &app,
        &client(&app.address),
        email,
        PASSWORD,
        "Nora Nyström",
        "070-123 45 67",
    )
    .await;
    assert_eq!(resp.status(), 303);

    let first = app.smtp().wait_for_nth(email, 1).await;
    let second = app.smtp().wait_for_nth(email, 2).await;
    assert!(first.text().contains("Hej Mallory!"), "{}", first.text());
    assert!(
        second.text().contains("Hej Nora Nyström!"),
        "{}",
        second.text()
    );
    let (first_link, second_link) = (
        first.link("/confirm?token="),
        second.link("/confirm?token="),
    );
    assert_ne!(first_link, second_link);

    let confirmed = app.client.get(&second_link).send().await.unwrap();
    assert_eq!(confirmed.status(), 200);
    assert!(
        confirmed
            .text()
            .await
            .unwrap()
            .contains("Kontot är bekräftat")
    );
    let (name, mobile, at) = account_of(&app, email);
    assert_eq!(
        (name.as_str(), mobile.as_str()),
        ("Nora Nyström", "+46701234567")
    );
    assert!(at.is_some());
    assert_eq!(app.login(email, ATTACKER_PASSWORD).await.status(), 401);
    assert_eq!(app.login(email, PASSWORD).await.status(), 303);

    // The other registration's link is void now, and changes nothing.
    let late = client(&app.address).get(&first_link).send().await.unwrap();
    assert_eq!(late.status(), 400);
    assert_eq!(
        client(&app.address)
            .post(app.url("/login"))
            .form(&[("email", email), ("password", ATTACKER_PASSWORD)])
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(account_of(&app, email).0, "Nora Nyström");
}

/// A confirmed account's details are never set by a registration's link: registering a
/// taken address and then using a link (there is none: the owner gets a notice) changes
/// nothing; a new confirmation link asked for again carries the newest registration.
#[actix_web::test]
async fn a_new_confirmation_link_carries_the_newest_registration() {
    let app = spawn_app().await;
    let email = "ny@regionvastmanland.se";
    register_as(
        &app,
        &client(&app.address),
        email,
        ATTACKER_PASSWORD,
        "Mallory",
        "0709999999",
    )
    .await;
    register_as(
        &app,
        &client(&app.address),
        email,
        PASSWORD,
        "Nora Nyström",
        "0701234567",
    )
    .await;
    app.smtp().wait_for_nth(email, 2).await;
    let resp = app.post_form("/confirm/resend", &[("email", email)]).await;
    assert_eq!(resp.status(), 200);
    let third = app.smtp().wait_for_nth(email, 3).await;
    assert!(
        third.text().contains("Hej Nora Nyström!"),
        "{}",
        third.text()
    );
    let resp = app
        .client
        .get(third.link("/confirm?token="))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(app.login(email, ATTACKER_PASSWORD).await.status(), 401);
    assert_eq!(app.login(email, PASSWORD).await.status(), 303);
}

/// The answer to a registration comes after the account, its link and its e-mail are in the
/// database: nothing is left in a task that a restart would lose.
#[actix_web::test]
async fn a_registration_is_written_before_the_answer() {
    let app = spawn_app().await;
    let email = "written@example.com";
    let resp = app.register(email, PASSWORD).await;
    assert_eq!(resp.status(), 303);
    app.stop().await;
    let (_, _, confirmed) = account_of(&app, email);
    assert!(confirmed.is_none());
    let queued: i64 = notifications::table
        .filter(notifications::kind.eq("confirm_account"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(queued, 1);
}

/// 40 registrations at once from one client address with a limit of 30 an hour: 30 are
/// taken (and hashed), the rest get 429 with `Retry-After` and the form back with what was
/// typed.
#[actix_web::test]
async fn registrations_are_limited_per_client_address() {
    let app = spawn_app_with(&[("REGISTRATIONS_PER_CLIENT_PER_HOUR", "30")]).await;
    let client = client(&app.address);
    let mut tries = Vec::new();
    for i in 0..40 {
        let (app, client) = (&app, &client);
        tries.push(async move {
            let email = format!("flood{i}@example.com");
            let resp =
                register_as(app, client, &email, PASSWORD, "Flod Flodsson", "0701234567").await;
            let status = resp.status().as_u16();
            let retry = resp.headers().get("retry-after").cloned();
            (status, retry, resp.text().await.unwrap(), email)
        });
    }
    let answers = futures_util::future::join_all(tries).await;
    let refused: Vec<_> = answers.iter().filter(|a| a.0 == 429).collect();
    assert_eq!(
        refused.len(),
        10,
        "{:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(answers.iter().all(|a| [303, 429, 503].contains(&a.0)));
    assert!(answers.iter().any(|a| a.0 == 303));
    for (_, retry, html, email) in refused {
        let secs: i64 = retry.as_ref().unwrap().to_str().unwrap().parse().unwrap();
        // A sliding one-hour window: the hits weigh into the next hour, so at most two.
        assert!((1..=7200).contains(&secs), "Retry-After {secs}");
        assert!(html.contains("För många förfrågningar"));
        assert!(
            html.contains(&format!(r#"value="{email}""#)),
            "typed address kept"
        );
        assert!(!html.contains(PASSWORD));
    }
    // A refused registration wrote nothing.
    let accounts: i64 = users::table
        .filter(users::email.like("flood%"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(
        accounts,
        30 - answers.iter().filter(|a| a.0 == 503).count() as i64
    );
}

/// Resets and new confirmation links are limited per client address too (here 30 an hour,
/// whichever addresses they are for), with the form and what was typed kept.
#[actix_web::test]
async fn reset_and_resend_requests_are_limited_per_client_address() {
    let app = spawn_app_with(&[("LINK_REQUESTS_PER_CLIENT_PER_HOUR", "30")]).await;
    for i in 0..30 {
        let (path, expect) = if i % 2 == 0 {
            ("/forgot-password", 303)
        } else {
            ("/confirm/resend", 200)
        };
        let email = format!("nobody{i}@example.com");
        let resp = app.post_form(path, &[("email", email.as_str())]).await;
        assert_eq!(resp.status(), expect, "{path} #{i}");
    }
    for path in ["/forgot-password", "/confirm/resend"] {
        let resp = app
            .post_form(path, &[("email", "one.more@example.com")])
            .await;
        assert_eq!(resp.status(), 429, "{path}");
        assert!(resp.headers().contains_key("retry-after"));
        let html = resp.text().await.unwrap();
        assert!(html.contains("För många förfrågningar"));
        assert!(html.contains(r#"value="one.more@example.com""#));
    }
    // Another client address is not affected (behind a trusted proxy, each counted apart).
    let proxied = spawn_app_with(&[
        ("TRUSTED_PROXIES", "127.0.0.1/32"),
        ("DEMO_MODE", "on"),
        ("LINK_REQUESTS_PER_CLIENT_PER_HOUR", "30"),
    ])
    .await;
    for i in 0..31 {
        let resp = client(&proxied.address)
            .post(proxied.url("/forgot-password"))
            .header("x-forwarded-for", format!("10.0.0.{i}"))
            .form(&[("email", "someone@example.com")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303);
    }
}

/// While registrations queue for their hashing budget, a login is not held up behind them:
/// it is answered while many registrations are still waiting.
#[actix_web::test]
async fn a_registration_flood_does_not_hold_up_logins() {
    let app = spawn_app_with(&[("TRUSTED_PROXIES", "127.0.0.1/32"), ("DEMO_MODE", "on")]).await;
    let email = "worker@example.com";
    app.logged_in_user(email).await;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut flood = Vec::new();
    // One client for the flood: building a client is slow work on the test's thread.
    let flooder = client(&app.address);
    let login = client(&app.address);
    for i in 0..60 {
        let (address, done, flooder) = (app.address.clone(), done.clone(), flooder.clone());
        flood.push(actix_web::rt::spawn(async move {
            flooder
                .post(format!("{address}/register"))
                .header("x-forwarded-for", format!("10.1.0.{i}"))
                .form(&[
                    ("email", format!("storm{i}@example.com").as_str()),
                    ("password", PASSWORD),
                    ("mobile", "0701234567"),
                    ("name", "Storm Stormsson"),
                    ("terms", "yes"),
                ])
                .send()
                .await
                .unwrap();
            done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }));
    }
    // Let the flood reach the server, then log in.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    let resp = login
        .post(app.url("/login"))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let finished = done.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        finished < 50,
        "the login waited for {finished} of 60 registrations"
    );
    for f in flood {
        f.await.unwrap();
    }
}

/// Issue #34, 13: a name with a web address is refused at the field (what was typed is kept,
/// nothing is mailed), so the region never mails a registrant's link to anyone.
#[actix_web::test]
async fn a_name_with_a_link_is_refused_and_nothing_is_mailed() {
    let app = crate::kit::spawn::spawn_app().await;
    for name in [
        "Vinn en iPhone https://evil.example",
        "Anna www.evil.example",
    ] {
        let resp = app
            .client
            .post(app.url("/register"))
            .form(&[
                ("email", "offer@example.com"),
                ("password", crate::kit::flows::PASSWORD),
                ("mobile", "0701234567"),
                ("name", name),
                ("terms", "yes"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{name}");
        let page = resp.text().await.unwrap();
        assert!(
            page.contains("Skriv bara ditt namn, utan webbadress."),
            "{page}"
        );
        assert!(page.contains("value=\"offer@example.com\""));
    }
    // Nothing in the outbox for that address (the account was never made).
    use diesel::prelude::*;
    let queued: i64 = parkportal::db::schema::notifications::table
        .filter(parkportal::db::schema::notifications::recipient.eq("offer@example.com"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(queued, 0);
}

/// Issue #34, 11: a sign-up does not wait for the sign-ups' own permit while a login permit
/// is idle (a burst from many addresses uses the whole machine): with the sign-ups' permit
/// held, a registration still goes through at once.
#[actix_web::test]
async fn a_sign_up_uses_an_idle_login_permit() {
    let app = crate::kit::spawn::spawn_app().await;
    let _held = app.state.hashing.signup.acquire().await.unwrap();
    let resp = app
        .register("snabb@example.com", crate::kit::flows::PASSWORD)
        .await;
    assert_eq!(resp.status(), 303);
    app.smtp().wait_for("snabb@example.com").await;
}

/// Issue #34, 10: the logins' hashing queue is bounded in time: with every hashing permit
/// taken, a login is answered 503 with `Retry-After` after `LOGIN_WAIT`, with what was typed
/// kept, instead of queueing without end.
#[actix_web::test]
async fn a_login_does_not_queue_without_end_for_hashing() {
    let app = crate::kit::spawn::spawn_app().await;
    app.logged_in_user("koad@example.com").await;
    let permits = u32::try_from(app.state.hashing.login.available_permits()).unwrap();
    let _held = app.state.hashing.login.acquire_many(permits).await.unwrap();
    let resp = crate::kit::flows::login(
        &crate::kit::client::client(&app.address),
        &app.address,
        "koad@example.com",
        crate::kit::flows::PASSWORD,
    )
    .await;
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "5");
    let page = resp.text().await.unwrap();
    assert!(page.contains("value=\"koad@example.com\""), "{page}");
    drop(_held);
    let resp = crate::kit::flows::login(
        &crate::kit::client::client(&app.address),
        &app.address,
        "koad@example.com",
        crate::kit::flows::PASSWORD,
    )
    .await;
    assert_eq!(resp.status(), 303);
}
