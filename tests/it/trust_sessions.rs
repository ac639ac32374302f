//! #13 item 9 (a login never tells whether an address has an account) and item 16a (a cap on
//! the sessions of one account).

use diesel::prelude::*;
use parkportal::db::schema::sessions;

use crate::helpers::{PASSWORD, new_client, spawn_app};

/// The refusal's alert box, which is all that differs between two refused logins.
fn alert(html: &str) -> String {
    let start = html.find(r#"role="alert""#).expect("an alert");
    let end = start + html[start..].find("</div>").expect("end of alert");
    html[start..end].to_string()
}

#[actix_web::test]
async fn an_unconfirmed_account_and_a_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    // One address has a confirmed account; the other was only just registered (free before).
    app.logged_in_user("anna@example.se").await;
    let other = new_client(&app.address);
    let resp = other
        .post(app.url("/register"))
        .form(&[
            ("email", "bertil@example.se"),
            ("password", PASSWORD),
            ("mobile", "070-123 45 67"),
            ("name", "Bertil Berg"),
            ("terms", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);

    let login = |email: &'static str, password: &'static str| {
        let client = new_client(&app.address);
        let url = app.url("/login");
        async move {
            let resp = client
                .post(url)
                .form(&[("email", email), ("password", password)])
                .send()
                .await
                .unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        }
    };
    // The attacker registered bertil@ and now logs in with the password they chose; for
    // anna@ (taken) they try the same password, which is wrong.
    let (fresh_status, fresh) = login("bertil@example.se", PASSWORD).await;
    let (taken_status, taken) = login("anna@example.se", "Fel7!lösenord").await;
    assert_eq!(fresh_status, taken_status, "same status");
    assert_eq!(fresh_status, 401);
    assert_eq!(alert(&fresh), alert(&taken), "same text");
    // And the answer tells how to get a new confirmation link.
    assert!(
        alert(&fresh).contains(r#"href="/confirm/resend""#),
        "{}",
        alert(&fresh)
    );
    assert!(alert(&fresh).contains("bekräftas"), "{}", alert(&fresh));
    // Both pages are the same once the typed address is taken out.
    assert_eq!(
        fresh.replace("bertil@example.se", "X"),
        taken.replace("anna@example.se", "X")
    );
}

#[actix_web::test]
async fn an_account_holds_at_most_ten_sessions_and_the_oldest_end_first() {
    let app = spawn_app().await;
    let email = "storm@example.se";
    app.logged_in_user(email).await;
    let mut clients = Vec::new();
    for _ in 0..14 {
        let client = new_client(&app.address);
        let resp = client
            .post(app.url("/login"))
            .form(&[("email", email), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303);
        clients.push(client);
    }
    let count: i64 = sessions::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(count, 10, "sessions kept for one account");
    // The first logins (and the harness's own) were ended; the newest still work.
    let home = |c: &reqwest::Client| c.get(app.url("/settings")).send();
    assert_eq!(
        home(&app.client).await.unwrap().status(),
        303,
        "oldest ended"
    );
    assert_eq!(
        home(&clients[0]).await.unwrap().status(),
        303,
        "oldest ended"
    );
    assert_eq!(
        home(&clients[13]).await.unwrap().status(),
        200,
        "newest kept"
    );
    assert_eq!(
        home(&clients[4]).await.unwrap().status(),
        200,
        "tenth newest kept"
    );
}
