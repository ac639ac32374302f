//! A fresh database of one test's, bench's or load run's own, dropped with it: a SQLite file in
//! a temp dir, or a new database on a PostgreSQL server.

use diesel::prelude::*;
use diesel::r2d2;
use parkportal::db::DbConnection;

pub enum TestDb {
    Sqlite {
        dir: Option<tempfile::TempDir>,
    },
    Postgres {
        server_url: String,
        name: String,
        keep: bool,
    },
}

impl TestDb {
    /// SQLite by default; a database on the PostgreSQL server of `TEST_DATABASE_URL` when set.
    /// Returns the database and its URL.
    pub fn create() -> (TestDb, String) {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(server_url) if !server_url.trim().is_empty() => {
                TestDb::postgres(&server_url, "pp_test")
            }
            _ => TestDb::sqlite(),
        }
    }

    /// A SQLite file in a temp dir of its own.
    pub fn sqlite() -> (TestDb, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("parkportal.db");
        let url = path.to_string_lossy().into_owned();
        (TestDb::Sqlite { dir: Some(dir) }, url)
    }

    /// A new database `{prefix}_{uuid}` on the PostgreSQL server at `server_url`.
    pub fn postgres(server_url: &str, prefix: &str) -> (TestDb, String) {
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let mut conn =
            PgConnection::establish(server_url).expect("the URL must reach a PostgreSQL server");
        diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .expect("create test database");
        let mut url = url::Url::parse(server_url).expect("a PostgreSQL URL");
        url.set_path(&name);
        let db = TestDb::Postgres {
            server_url: server_url.to_string(),
            name,
            keep: false,
        };
        (db, url.to_string())
    }

    /// Leaves the database (or the SQLite temp dir) in place, for inspection.
    pub fn keep(mut self) {
        match &mut self {
            TestDb::Sqlite { dir } => {
                if let Some(dir) = dir.take() {
                    let _ = dir.keep();
                }
            }
            TestDb::Postgres { keep, .. } => *keep = true,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres {
            server_url,
            name,
            keep: false,
        } = self
            && let Ok(mut conn) = PgConnection::establish(server_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

/// A database connection of the caller's own to the database at `database_url`, for checks
/// behind the server's back.
pub fn connect(database_url: &str) -> DbConnection {
    let url = parkportal::settings::DatabaseUrl::parse(database_url).unwrap();
    r2d2::ManageConnection::connect(&parkportal::db::ConnectionManager::new(url))
        .expect("test connection")
}

/// Marks the permit at `path` (e.g. `/permits/3`) paid, behind the server's back: a fixture
/// for tests of what a paid permit allows (paying itself is tested in `payments` and `swish`).
pub fn mark_paid(conn: &mut DbConnection, path: &str) {
    use parkportal::db::schema::permits;
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let changed = diesel::update(permits::table.find(id))
        .set(permits::state.eq("paid"))
        .execute(conn)
        .unwrap();
    assert_eq!(changed, 1, "no permit {path}");
}
