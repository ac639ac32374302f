//! The test harness: `spawn_app()` starts the real server with its own database.

use std::collections::HashMap;

use diesel::prelude::*;
use parkportal::db::DbConnection;
use parkportal::{Application, Settings};

/// A fresh database for one test, dropped with it.
pub enum TestDb {
    Sqlite { _dir: tempfile::TempDir },
    Postgres { server_url: String, name: String },
}

impl TestDb {
    fn create() -> (TestDb, String) {
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

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    let _ = parkportal::telemetry::init();
    let (db, database_url) = TestDb::create();
    let app = Application::build(test_settings(&database_url, extra))
        .await
        .expect("the application builds");
    let port = app.port();
    actix_web::rt::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client,
        database_url,
        _db: db,
    }
}

impl TestApp {
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
        let url = parkportal::settings::DatabaseUrl::parse(&self.database_url).unwrap();
        r2d2::ManageConnection::connect(&parkportal::db::ConnectionManager::new(url))
            .expect("test connection")
    }
}

use diesel::r2d2;
