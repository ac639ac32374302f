//! The test harness: `spawn_app()` starts the real server with its own database.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::smtp::SmtpServer;
use parkportal::db::DbConnection;
use parkportal::{Application, Settings};

/// A fresh database for one test, dropped with it.
pub enum TestDb {
    Sqlite { _dir: tempfile::TempDir },
    Postgres { server_url: String, name: String },
}

impl TestDb {
    pub fn create() -> (TestDb, String) {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(server_url) if !server_url.trim().is_empty() => {
                let name = format!("pp_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(&server_url)
                    .expect("TEST_DATABASE_URL must reach a PostgreSQL server");
                diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                    .execute(&mut conn)
                    .expect("create test database");
                let mut url = url::Url::parse(&server_url).expect("TEST_DATABASE_URL is a URL");
                url.set_path(&name);
                (TestDb::Postgres { server_url, name }, url.to_string())
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("parkportal.db");
                let url = path.to_string_lossy().into_owned();
                (TestDb::Sqlite { _dir: dir }, url)
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { server_url, name } = self
            && let Ok(mut conn) = PgConnection::establish(server_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

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

/// Settings for a test server: port 0, its own database, simulators, no delays worth waiting for.
pub fn test_settings(database_url: &str, extra: &[(&str, &str)]) -> Settings {
    let mut vars: HashMap<String, String> = [
        ("BIND_ADDR", "127.0.0.1:0"),
        ("PUBLIC_URL", "http://127.0.0.1:0"),
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
    spawn(&vars, Some(smtp)).await
}

/// The real server without SMTP: e-mails land on the local mailbox page.
pub async fn spawn_app_without_smtp() -> TestApp {
    spawn_app_without_smtp_with(&[]).await
}

pub async fn spawn_app_without_smtp_with(extra: &[(&str, &str)]) -> TestApp {
    spawn(extra, None).await
}

async fn spawn(vars: &[(&str, &str)], smtp: Option<SmtpServer>) -> TestApp {
    let _ = parkportal::telemetry::init_with_default("warn");
    let (db, database_url) = TestDb::create();
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
        client: new_client(&address),
        address,
        smtp,
        database_url,
        _db: db,
    }
}

/// A browser-like client: keeps cookies, says where its posts come from, follows no redirect.
pub fn new_client(address: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("Origin", address.parse().unwrap());
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap()
}

pub const PASSWORD: &str = "Parkera7!bil";

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

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn register(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_form(
            "/register",
            &[
                ("email", email),
                ("password", password),
                ("mobile", "070-123 45 67"),
                ("name", "Anna Andersson"),
                ("terms", "yes"),
            ],
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_form("/login", &[("email", email), ("password", password)])
            .await
    }

    /// Register, confirm by the link in the e-mail, log in.
    pub async fn logged_in_user(&self, email: &str) {
        let resp = self.register(email, PASSWORD).await;
        assert_eq!(resp.status(), 303);
        let mail = self.smtp().wait_for(email).await;
        let link = mail.link("/confirm?token=");
        assert_eq!(self.client.get(&link).send().await.unwrap().status(), 200);
        let resp = self.login(email, PASSWORD).await;
        assert_eq!(resp.status(), 303, "login after confirming");
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

/// A database connection of the test's own to the database at `database_url`.
pub fn connect(database_url: &str) -> DbConnection {
    let url = parkportal::settings::DatabaseUrl::parse(database_url).unwrap();
    r2d2::ManageConnection::connect(&parkportal::db::ConnectionManager::new(url))
        .expect("test connection")
}

use diesel::r2d2;

/// The value of a hidden input in a page.
pub fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden {name} in page"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}
