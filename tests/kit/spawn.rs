//! The real server on port 0 with a database of its own: [`spawn_app`] for the tests (SQLite,
//! or PostgreSQL when `TEST_DATABASE_URL` is set), [`spawn_on`] for a chosen database (the
//! benches: SQLite), [`test_settings`] for a caller that builds the application itself.

use std::collections::HashMap;

use parkportal::db::DbConnection;
use parkportal::{Application, Settings};

use super::client::client;
use super::db::{TestDb, connect};
use super::flows::{self, Inbox};
use super::html::hidden_value;
use super::smtp::SmtpServer;

pub struct TestApp {
    pub address: String,
    pub state: actix_web::web::Data<parkportal::state::AppState>,
    pub handle: actix_web::dev::ServerHandle,
    /// The SMTP server that receives this app's e-mails (`None`: local mailbox page).
    pub smtp: Option<SmtpServer>,
    /// Keeps cookies; does not follow redirects, so tests see each 303.
    pub client: reqwest::Client,
    pub database_url: String,
    _db: TestDb,
}

/// Settings for a test server: port 0, its own database, simulators, no delays worth waiting
/// for; `extra` overrides or adds. `PUBLIC_URL` is left to its default, which follows the
/// address bound.
pub fn test_settings(database_url: &str, extra: &[(&str, &str)]) -> Settings {
    let mut vars: HashMap<String, String> = [
        ("BIND_ADDR", "127.0.0.1:0"),
        ("DATABASE_URL", database_url),
        ("SWISH_SIM_DELAY_MS", "50"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        vars.insert(k.to_string(), v.to_string());
    }
    Settings::from_lookup(|k| vars.get(k).cloned()).expect("test settings are valid")
}

/// The real server with a real SMTP server receiving its e-mails.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let mut vars = vec![("SMTP_URL", url.as_str()), ("NOTIFY_RETRY_BASE_MS", "100")];
    vars.extend_from_slice(extra);
    spawn_on(TestDb::create(), &vars, Some(smtp)).await
}

/// The real server without SMTP: e-mails land on the local mailbox page.
pub async fn spawn_app_without_smtp() -> TestApp {
    spawn_app_without_smtp_with(&[]).await
}

pub async fn spawn_app_without_smtp_with(extra: &[(&str, &str)]) -> TestApp {
    spawn_on(TestDb::create(), extra, None).await
}

/// The real server on the database `db` (as [`TestDb`]'s constructors return it), in the
/// current actix system, with [`test_settings`] and `vars`.
pub async fn spawn_on(
    (db, database_url): (TestDb, String),
    vars: &[(&str, &str)],
    smtp: Option<SmtpServer>,
) -> TestApp {
    let _ = parkportal::telemetry::init_with_default("warn");
    let app = Application::build(test_settings(&database_url, vars))
        .await
        .expect("the application builds");
    let port = app.port();
    let state = app.state();
    let handle = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    let address = format!("http://127.0.0.1:{port}");
    TestApp {
        state,
        handle,
        client: client(&address),
        address,
        smtp,
        database_url,
        _db: db,
    }
}

impl TestApp {
    /// Stops the server and its payment poller, as a killed process would stop; what it
    /// had pending stays in the database.
    pub async fn stop(&self) {
        self.state
            .payments
            .send(parkportal::actors::payments::StopPolling)
            .await
            .unwrap();
        self.handle.stop(false).await;
    }

    /// The key this app's payment simulators ask of the portal's own clients.
    pub fn sim_key(&self) -> &str {
        use secrecy::ExposeSecret;
        self.state.sim_secret.expose_secret()
    }

    pub fn smtp(&self) -> &SmtpServer {
        self.smtp.as_ref().expect("this app has an SMTP server")
    }

    /// Where this app's confirmation links arrive: its SMTP server, or the local mailbox page.
    pub fn inbox(&self) -> Inbox<'_> {
        match &self.smtp {
            Some(smtp) => Inbox::Smtp(smtp),
            None => Inbox::Mailbox,
        }
    }

    /// Posts a form. "Spara och fortsätt" (`/permits/new`) answers a valid order with a 303 to
    /// the review page, which is then fetched: the answer is the page the buyer sees.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let resp = self
            .client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("request sent");
        if path == "/permits/new" {
            return flows::follow_review(&self.client, &self.address, resp).await;
        }
        resp
    }

    pub async fn register(&self, email: &str, password: &str) -> reqwest::Response {
        flows::register(&self.client, &self.address, email, password).await
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        flows::login(&self.client, &self.address, email, password).await
    }

    /// Register, confirm by the link in the e-mail, log in.
    pub async fn logged_in_user(&self, email: &str) {
        flows::register_confirm_login(&self.client, &self.address, email, self.inbox()).await;
    }

    /// The CSRF token of the logged-in session, read from a page's logout form.
    pub async fn csrf(&self) -> String {
        let html = self.get_html("/settings").await;
        hidden_value(&html, "csrf")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_html(&self, path: &str) -> String {
        let resp = self.get(path).await;
        assert_eq!(resp.status(), 200, "GET {path}");
        resp.text().await.unwrap()
    }

    /// A database connection of the test's own, for checks behind the server's back.
    pub fn conn(&self) -> DbConnection {
        connect(&self.database_url)
    }
}

/// A port free on 127.0.0.1 now (bound, read and let go), for a server that must know its
/// address before it starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
