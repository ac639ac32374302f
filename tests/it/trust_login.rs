//! Issue #13 items 3, 9, 11, 16a: login limits that hold under parallel requests and across
//! instances, one answer for a wrong password and an unconfirmed account, the client's
//! address behind trusted proxies, and a cap on sessions per account.

use diesel::prelude::*;
use parkportal::db::schema::sessions;
use parkportal::startup::Application;

use crate::kit::{
    client::client,
    flows::PASSWORD,
    spawn::{spawn_app, spawn_app_with, test_settings},
};

/// 40 parallel wrong passwords: at most 10 get checked (the rest 429), and then even the
/// right password is refused.
#[actix_web::test]
async fn parallel_wrong_passwords_cannot_pass_the_account_limit() {
    let app = spawn_app().await;
    let email = "parallel@example.com";
    app.logged_in_user(email).await;
    let mut guesses = Vec::new();
    for i in 0..60 {
        let client = client(&app.address);
        let url = app.url("/login");
        let password = if i == 45 {
            PASSWORD.to_string()
        } else {
            format!("Fel{i}!losen")
        };
        guesses.push(async move {
            client
                .post(url)
                .form(&[("email", email), ("password", password.as_str())])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s != 429).count();
    // The one login before, with the right password, gave its reservation back.
    assert!(checked <= 11, "checked {checked}: {statuses:?}");
    assert!(statuses.iter().filter(|s| **s == 429).count() >= 49);
    assert_eq!(app.login(email, PASSWORD).await.status(), 429);
}

/// Two instances on one database share the count.
#[actix_web::test]
async fn two_instances_share_the_login_limit() {
    let app = spawn_app().await;
    let email = "twice@example.com";
    app.logged_in_user(email).await;
    let smtp = app.smtp().url();
    let second = Application::build(test_settings(
        &app.database_url,
        &[("SMTP_URL", smtp.as_str())],
    ))
    .await
    .expect("a second instance builds");
    let address = format!("http://127.0.0.1:{}", second.port());
    actix_web::rt::spawn(second.run_until_stopped());
    let other = client(&address);
    for i in 0..10 {
        let (client, base) = if i % 2 == 0 {
            (&app.client, app.address.as_str())
        } else {
            (&other, address.as_str())
        };
        let resp = client
            .post(format!("{base}/login"))
            .form(&[("email", email), ("password", "Fel9!losen")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
    }
    for base in [app.address.as_str(), address.as_str()] {
        let resp = client(base)
            .post(format!("{base}/login"))
            .form(&[("email", email), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 429, "{base}");
    }
}

/// A wrong password and an unconfirmed account: the same status and text, with the link to a
/// new confirmation link.
#[actix_web::test]
async fn wrong_password_and_unconfirmed_account_answer_the_same() {
    let app = spawn_app().await;
    app.logged_in_user("known@example.com").await;
    app.register("fresh@example.com", PASSWORD).await;
    let wrong = app.login("known@example.com", "Fel9!losen").await;
    let unconfirmed = app.login("fresh@example.com", PASSWORD).await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unconfirmed.status(), 401);
    let (a, b) = (
        wrong.text().await.unwrap(),
        unconfirmed.text().await.unwrap(),
    );
    let notice = |html: &str| {
        let start = html.find(r#"role="alert""#).expect("an alert");
        html[start..start + html[start..].find("</div>").unwrap()].to_string()
    };
    assert_eq!(notice(&a), notice(&b));
    assert!(a.contains(r#"href="/confirm/resend""#));
}

async fn fail_from(app: &crate::kit::spawn::TestApp, email: &str, forwarded: &str) -> u16 {
    client(&app.address)
        .post(app.url("/login"))
        .header("X-Forwarded-For", forwarded)
        .form(&[("email", email), ("password", "Fel9!losen")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Behind a trusted proxy each forwarded client has its own count; from an untrusted peer the
/// header is ignored (everything counts against the peer).
#[actix_web::test]
async fn forwarded_clients_are_counted_apart_only_behind_trusted_proxies() {
    let app = spawn_app_with(&[("TRUSTED_PROXIES", "127.0.0.1"), ("DEMO_MODE", "on")]).await;
    app.logged_in_user("victim@example.com").await;
    // 50 failures from one forwarded client, spread over accounts (no account limit).
    for i in 0..50 {
        assert_eq!(
            fail_from(&app, &format!("u{i}@example.com"), "203.0.113.7").await,
            401
        );
    }
    assert_eq!(fail_from(&app, "x@example.com", "203.0.113.7").await, 429);
    // Another client behind the same proxy still gets in, and a forged left-hand entry does
    // not help the first one.
    let resp = client(&app.address)
        .post(app.url("/login"))
        .header("X-Forwarded-For", "198.51.100.9")
        .form(&[("email", "victim@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(
        fail_from(&app, "y@example.com", "198.51.100.1, 203.0.113.7").await,
        429
    );

    // Untrusted peer: the header changes nothing.
    let app = spawn_app().await;
    for i in 0..50 {
        let forwarded = format!("203.0.113.{i}");
        assert_eq!(
            fail_from(&app, &format!("u{i}@example.com"), &forwarded).await,
            401
        );
    }
    assert_eq!(fail_from(&app, "x@example.com", "198.51.100.2").await, 429);
}

/// A login storm leaves at most 10 sessions; the newest one works.
#[actix_web::test]
async fn sessions_per_account_are_capped() {
    let app = spawn_app().await;
    let email = "storm@example.com";
    app.logged_in_user(email).await;
    for _ in 0..14 {
        let resp = client(&app.address)
            .post(app.url("/login"))
            .form(&[("email", email), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303);
    }
    let count: i64 = sessions::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(count, 10);
    assert_eq!(
        app.get("/settings").await.status(),
        303,
        "the oldest session ended"
    );
}

/// 20 forgot-password requests for one address: each gets the usual answer, at most 3 e-mails
/// go out in the hour.
#[actix_web::test]
async fn forgot_password_floods_send_a_few_emails_per_address() {
    let app = spawn_app().await;
    let email = "flood@example.com";
    app.logged_in_user(email).await;
    for _ in 0..20 {
        let resp = app.post_form("/forgot-password", &[("email", email)]).await;
        assert_eq!(resp.status(), 303);
    }
    // The answer comes before the work: wait until the limit's count has seen every request.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        use parkportal::db::schema::rate_limits;
        let hits: Vec<i64> = rate_limits::table
            .filter(rate_limits::limit_key.eq(format!("mail:{email}")))
            .select(rate_limits::hits)
            .load(&mut app.conn())
            .unwrap();
        if hits.iter().sum::<i64>() >= 21 || std::time::Instant::now() > deadline {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    use parkportal::db::schema::notifications;
    let mails: i64 = notifications::table
        .filter(notifications::kind.eq("password_reset"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert!(
        mails <= 2,
        "{mails} reset e-mails (one confirm e-mail already counted)"
    );
    assert!(mails >= 1);
}
