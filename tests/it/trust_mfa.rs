//! Issue #34, a second factor for staff (ASVS V6.3.3), over HTTP: after the password an
//! operator has no session, only "Tvåstegsverifiering"; the factor is set up with the secret as
//! text, an `otpauth://` link and "Engångskod" + "Aktivera", ten recovery codes are shown once;
//! later logins ask "Engångskod" + "Verifiera"; a code works once (also two at once), a
//! recovery code once, wrong codes end the login; an admin resets another's factor (audited,
//! e-mailed); a customer may turn it on and off in Inställningar.

use diesel::prelude::*;
use parkportal::db::schema::{audit_log, sessions, user_totp, users};
use parkportal::domain::totp;

use crate::kit::client::client;
use crate::kit::flows::{self, PASSWORD};
use crate::kit::html::{attr, attrs, hidden_value};
use crate::kit::mfa;
use crate::kit::spawn::{TestApp, spawn_app};
use crate::operator::operator_client;

fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap()
}

/// Sessions that reach the operator portal (opened with the second factor).
fn sessions_of(app: &TestApp, email: &str) -> i64 {
    sessions::table
        .inner_join(users::table)
        .filter(users::email.eq(email))
        .filter(sessions::second_factor.eq(true))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

async fn html(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let resp = c.get(app.url(path)).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn post_code(
    c: &reqwest::Client,
    app: &TestApp,
    csrf: &str,
    code: &str,
) -> reqwest::Response {
    c.post(app.url("/login/mfa"))
        .form(&[("csrf", csrf), ("code", code)])
        .send()
        .await
        .unwrap()
}

/// A customer account made operator, logged out: its e-mail.
async fn operator_account(app: &TestApp, email: &str) {
    let c = client(&app.address);
    flows::register_confirm_login(&c, &app.address, email, app.inbox()).await;
    diesel::update(users::table.filter(users::email.eq(email)))
        .set(users::role.eq("operator"))
        .execute(&mut app.conn())
        .unwrap();
}

#[actix_web::test]
async fn an_operator_sets_up_the_second_factor_then_needs_it_every_time() {
    let app = spawn_app().await;
    let email = "olle.tvasteg@regionvastmanland.se";
    operator_account(&app, email).await;
    let c = client(&app.address);
    let resp = flows::login(&c, &app.address, email, PASSWORD).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/login/mfa");
    assert_eq!(
        sessions_of(&app, email),
        0,
        "no session after the password alone"
    );
    let resp = c.get(app.url("/operator/check")).send().await.unwrap();
    assert_eq!(resp.status(), 303, "the portal is closed");

    // "Tvåstegsverifiering": the secret as text, the otpauth link, "Engångskod", "Aktivera".
    let (status, page) = html(&c, &app, "/login/mfa").await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Tvåstegsverifiering</h1>"), "{page}");
    let secret = mfa::secret_on_page(&page);
    assert_eq!(secret.len(), 32, "160 bits in base32: {secret}");
    let link = attrs(&page, "a[href^='otpauth://totp/']", "href");
    assert_eq!(link.len(), 1, "{page}");
    assert!(link[0].contains(&format!("secret={secret}")), "{}", link[0]);
    assert!(page.contains("<label for=\"code\">Engångskod</label>"));
    assert!(page.contains(">Aktivera</button>"));
    assert!(page.contains("<svg"), "a QR code");
    // A reload shows the same secret.
    assert_eq!(
        mfa::secret_on_page(&html(&c, &app, "/login/mfa").await.1),
        secret
    );
    let csrf = hidden_value(&page, "csrf");

    // A wrong code: said at the field, no session.
    let resp = post_code(&c, &app, &csrf, "000000").await;
    assert_eq!(resp.status(), 401);
    let again = resp.text().await.unwrap();
    assert!(again.contains("Koden stämmer inte"), "{again}");
    assert_eq!(
        attr(&again, "#code", "aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(sessions_of(&app, email), 0);
    // A forged form (not this login's token) is refused.
    let code = totp::code_at(&secret, now()).unwrap();
    assert_eq!(post_code(&c, &app, "forged", &code).await.status(), 403);

    // The right code: the session, and ten recovery codes shown once.
    let resp = post_code(&c, &app, &csrf, &code).await;
    assert_eq!(resp.status(), 200);
    let codes_page = resp.text().await.unwrap();
    let codes = crate::kit::html::outer_html(&codes_page, "ol.recovery li code");
    assert_eq!(codes.len(), 10, "{codes_page}");
    let first_recovery = crate::kit::html::text(&codes_page, "ol.recovery li code").unwrap();
    assert_eq!(html(&c, &app, "/operator/check").await.0, 200);
    assert!(
        audit_log::table
            .select(audit_log::action)
            .load::<String>(&mut app.conn())
            .unwrap()
            .contains(&"user.mfa_enabled".to_string())
    );

    // Logged out, then in: "Engångskod" + "Verifiera"; the code just used is refused (a code
    // works once), a fresh one is taken.
    let c2 = client(&app.address);
    flows::login(&c2, &app.address, email, PASSWORD).await;
    let (_, page) = html(&c2, &app, "/login/mfa").await;
    assert!(page.contains(">Verifiera</button>"), "{page}");
    assert!(
        !page.contains("otpauth://"),
        "the secret is never shown again"
    );
    let csrf2 = hidden_value(&page, "csrf");
    assert_eq!(post_code(&c2, &app, &csrf2, &code).await.status(), 401);
    // A recovery code works, once.
    let resp = post_code(&c2, &app, &csrf2, &first_recovery.to_uppercase()).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(html(&c2, &app, "/operator/check").await.0, 200);
    let c3 = client(&app.address);
    flows::login(&c3, &app.address, email, PASSWORD).await;
    let csrf3 = hidden_value(&html(&c3, &app, "/login/mfa").await.1, "csrf");
    assert_eq!(
        post_code(&c3, &app, &csrf3, &first_recovery).await.status(),
        401
    );
    // A new password login replaces an open one (c3's is gone). The same fresh code sent
    // twice at once: one session, never two.
    let c4 = client(&app.address);
    flows::login(&c4, &app.address, email, PASSWORD).await;
    assert_eq!(
        post_code(&c3, &app, &csrf3, "123456").await.headers()["location"],
        "/login?m=mfa_expired"
    );
    let csrf4 = hidden_value(&html(&c4, &app, "/login/mfa").await.1, "csrf");
    let fresh = mfa::fresh_code(&mut app.conn(), email).await;
    let before = sessions_of(&app, email);
    let (a, b) = futures_util::future::join(
        post_code(&c4, &app, &csrf4, &fresh),
        post_code(&c4, &app, &csrf4, &fresh),
    )
    .await;
    let into_portal = [a, b]
        .iter()
        .filter(|r| r.status() == 303 && r.headers()["location"] == "/")
        .count();
    assert_eq!(into_portal, 1, "a code works once");
    assert_eq!(sessions_of(&app, email), before + 1);
}

#[actix_web::test]
async fn five_wrong_codes_end_the_login_and_codes_count_like_passwords() {
    let app = spawn_app().await;
    let email = "gissa@regionvastmanland.se";
    operator_client(&app, email).await;
    let c = client(&app.address);
    flows::login(&c, &app.address, email, PASSWORD).await;
    let csrf = hidden_value(&html(&c, &app, "/login/mfa").await.1, "csrf");
    for i in 0..4 {
        assert_eq!(
            post_code(&c, &app, &csrf, "123456").await.status(),
            401,
            "{i}"
        );
    }
    let resp = post_code(&c, &app, &csrf, "123456").await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/login?m=mfa_expired");
    // The challenge is gone: even the right code does not open a session now.
    let right = mfa::fresh_code(&mut app.conn(), email).await;
    let resp = post_code(&c, &app, &csrf, &right).await;
    assert_eq!(resp.headers()["location"], "/login?m=mfa_expired");
    assert!(
        html(&c, &app, "/login?m=mfa_expired")
            .await
            .1
            .contains("Logga in igen")
    );
}

#[actix_web::test]
async fn an_admin_resets_an_operators_second_factor() {
    let app = spawn_app().await;
    let admin = operator_client(&app, "chef.reset@regionvastmanland.se").await;
    diesel::update(users::table.filter(users::email.eq("chef.reset@regionvastmanland.se")))
        .set(users::role.eq("admin"))
        .execute(&mut app.conn())
        .unwrap();
    let olle = "olle.telefon@regionvastmanland.se";
    let olle_client = operator_client(&app, olle).await;
    assert_eq!(html(&olle_client, &app, "/operator/check").await.0, 200);
    let (_, staff) = html(&admin, &app, "/operator/staff").await;
    let id: i64 = users::table
        .filter(users::email.eq(olle))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap();
    let action = format!("/operator/staff/{id}/mfa-reset");
    assert!(staff.contains(&action), "{staff}");
    // An operator cannot (not even reach Personal).
    let csrf_olle = hidden_value(&html(&olle_client, &app, "/operator/check").await.1, "csrf");
    let resp = olle_client
        .post(app.url(&action))
        .form(&[("csrf", csrf_olle.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let csrf = hidden_value(&staff, "csrf");
    let resp = admin
        .post(app.url(&action))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert!(
        html(&admin, &app, "/operator/staff?m=mfa_reset")
            .await
            .1
            .contains("Tvåstegsverifieringen är återställd")
    );
    // Olle is logged out, told by e-mail, and sets it up again at the next login.
    assert_eq!(html(&olle_client, &app, "/operator/check").await.0, 303);
    let mail = app.smtp().wait_for_nth(olle, 2).await;
    assert!(
        mail.subject().contains("tvåstegsverifiering"),
        "{}",
        mail.subject()
    );
    let left: i64 = user_totp::table
        .filter(user_totp::user_id.eq(id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(left, 0);
    let audit: Vec<(String, Option<i64>)> = audit_log::table
        .filter(audit_log::action.eq("user.mfa_reset"))
        .select((audit_log::action, audit_log::actor_id))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert!(audit[0].1.is_some(), "who did it");
    let c = client(&app.address);
    flows::login(&c, &app.address, olle, PASSWORD).await;
    assert!(
        html(&c, &app, "/login/mfa")
            .await
            .1
            .contains(">Aktivera</button>")
    );
}

#[actix_web::test]
async fn a_customer_turns_the_second_factor_on_and_off() {
    let app = spawn_app().await;
    let email = "kund.tvasteg@example.com";
    app.logged_in_user(email).await;
    let settings = app.get_html("/settings").await;
    assert!(settings.contains("href=\"/settings/mfa\""), "{settings}");
    let page = app.get_html("/settings/mfa").await;
    let secret = mfa::secret_on_page(&page);
    let csrf = hidden_value(&page, "csrf");
    let resp = app
        .post_form("/settings/mfa", &[("csrf", &csrf), ("code", "000000")])
        .await;
    assert_eq!(resp.status(), 422);
    let code = totp::code_at(&secret, now()).unwrap();
    let resp = app
        .post_form("/settings/mfa", &[("csrf", &csrf), ("code", &code)])
        .await;
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains("Dina reservkoder"));
    // The next login asks for the code.
    let c = client(&app.address);
    let resp = flows::login(&c, &app.address, email, PASSWORD).await;
    assert_eq!(resp.headers()["location"], "/login/mfa");
    mfa::pass(&c, &app.address, &mut app.conn(), email).await;
    assert_eq!(html(&c, &app, "/settings").await.0, 200);
    // Turned off with a current code.
    let page = app.get_html("/settings/mfa").await;
    assert!(page.contains("Stäng av tvåstegsverifiering"), "{page}");
    let bad = app
        .post_form("/settings/mfa/off", &[("csrf", &csrf), ("code", "111111")])
        .await;
    assert_eq!(bad.status(), 422);
    let fresh = mfa::fresh_code(&mut app.conn(), email).await;
    let resp = app
        .post_form("/settings/mfa/off", &[("csrf", &csrf), ("code", &fresh)])
        .await;
    assert_eq!(resp.status(), 303);
    let resp = flows::login(&client(&app.address), &app.address, email, PASSWORD).await;
    assert_eq!(resp.headers()["location"], "/");
}
