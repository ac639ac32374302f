//! The second factor as a person with an authenticator app passes it: the secret read off the
//! "Tvåstegsverifiering" page the first time, a code from the stored secret later (always for a
//! step the server has not taken yet: a code works once).

use diesel::prelude::*;
use parkportal::db::DbConnection;
use parkportal::db::schema::{user_totp, users};
use parkportal::domain::totp;

use super::html::{hidden_value, text};

fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap()
}

/// The secret as the enrolment page shows it (groups of four), without spaces.
pub fn secret_on_page(html: &str) -> String {
    text(html, "code.secret")
        .unwrap_or_else(|| panic!("no secret on the page: {html}"))
        .split_whitespace()
        .collect()
}

/// A code the server accepts now for `email`: for the step after the last one taken. That
/// step may be the next one (one step of skew is allowed); beyond that, this waits for the
/// clock, as a person would (a third login within 30 s).
pub async fn fresh_code(conn: &mut DbConnection, email: &str) -> String {
    let (secret, last): (String, Option<i64>) = user_totp::table
        .inner_join(users::table)
        .filter(users::email.eq(email))
        .select((user_totp::secret, user_totp::last_step))
        .first(conn)
        .expect("the account has a second factor");
    loop {
        let now = now();
        let step = (now / 30) as i64;
        let wanted = last.map_or(step, |l| (l + 1).max(step));
        if wanted <= step + 1 {
            return totp::code_at(&secret, wanted as u64 * 30).unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

/// After a staff password login answered 303 to /login/mfa: sets the second factor up (first
/// login) or passes it with a fresh code. Returns the last answer (303 to the page asked for,
/// or 200 with the recovery codes after setting it up).
pub async fn pass(
    client: &reqwest::Client,
    address: &str,
    conn: &mut DbConnection,
    email: &str,
) -> reqwest::Response {
    let page = client
        .get(format!("{address}/login/mfa"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_value(&page, "csrf");
    let code = if page.contains(">Aktivera</button>") {
        totp::code_at(&secret_on_page(&page), now()).unwrap()
    } else {
        fresh_code(conn, email).await
    };
    let resp = client
        .post(format!("{address}/login/mfa"))
        .form(&[("csrf", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert!(
        resp.status() == 303 || resp.status() == 200,
        "the second factor for {email}: {}",
        resp.status()
    );
    resp
}

/// The password and the second factor: a staff login from start to end.
pub async fn staff_login(
    client: &reqwest::Client,
    address: &str,
    conn: &mut DbConnection,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let resp = super::flows::login(client, address, email, password).await;
    assert_eq!(resp.status(), 303, "password of {email}");
    assert_eq!(resp.headers()["location"], "/login/mfa");
    pass(client, address, conn, email).await
}
