//! The database: one connection type that is SQLite or PostgreSQL, an r2d2 pool over it,
//! embedded migrations per backend, and the first-start demo data.

/// Runs database work written once on the backend's own connection: `$body` is compiled for
/// SQLite and for PostgreSQL, with `$c` bound to that backend's connection.
///
/// diesel's `MultiConnection` (our [`DbConnection`]) builds a statement's SQL again on every
/// run, twice (to ask whether it may be cached, and again while it collects the binds), even
/// when the prepared statement is in the cache. On the backend's own connection a query with a
/// static type is found in the statement cache by its type, and no SQL is built: for Hem's
/// queries that was 11–15 % of its CPU under load (`push_identifier`, `str::replace`). Used for
/// the queries asked for on every request or on the pages asked for most (the session, Hem, a
/// permit, the calendar, the check API); elsewhere the one type is simpler and fast enough.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Pg($c) => $body,
        }
    };
}
pub(crate) use on_backend;

pub mod accounts;
pub mod audit;
pub mod cases;
pub mod catalogue;
pub mod check;
pub mod daycards;
pub mod export;
pub mod gauges;
pub mod limits;
pub mod mfa;
pub mod mobile;
pub mod notifications;
pub mod office;
pub mod oncall;
pub mod pauses;
pub mod payments;
pub mod permits;
pub mod queue;
pub mod refunds;
pub mod retention;
pub mod schema;
pub mod seed;
pub mod stamp;
pub mod users;

use std::time::Duration;

use anyhow::Context;
use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::settings::DatabaseUrl;

/// Either backend behind one type; queries written once run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// The connection pool, and for SQLite the file that [`read`] opens its read-only connections
/// on. Derefs to the r2d2 pool.
#[derive(Debug, Clone)]
pub struct Pool {
    inner: r2d2::Pool<ConnectionManager>,
    sqlite: Option<std::sync::Arc<str>>,
    /// The manager's statement count.
    statements: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Pool {
    /// How many statements this pool's connections have sent since the start (SQLite's
    /// per-thread read-only connections of [`read`] are not counted).
    pub fn statements(&self) -> u64 {
        self.statements.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl std::ops::Deref for Pool {
    type Target = r2d2::Pool<ConnectionManager>;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Chooses the backend by the URL's scheme, so a connection error is the real one
/// (diesel's own `MultiConnection::establish` tries each backend and drops the errors).
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    /// Statements sent on this pool's connections (each a round trip on PostgreSQL; `BEGIN`
    /// and `COMMIT` count), for `/metrics` and the round-trip test. With
    /// `RUST_LOG=parkportal::db::statements=trace` each is logged with its SQL.
    statements: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self {
            url,
            statements: Default::default(),
        }
    }

    /// Counts the statements of a new connection.
    fn count_statements<C: diesel::Connection>(&self, conn: &mut C) {
        let counter = self.statements.clone();
        conn.set_instrumentation(move |event: diesel::connection::InstrumentationEvent<'_>| {
            if let diesel::connection::InstrumentationEvent::StartQuery { query, .. } = event {
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::trace!(target: "parkportal::db::statements", sql = %query, "statement");
            }
        });
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn =
                    PgConnection::establish(url).map_err(r2d2::Error::ConnectionError)?;
                self.count_statements(&mut conn);
                Ok(DbConnection::Pg(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut conn =
                    SqliteConnection::establish(&path).map_err(r2d2::Error::ConnectionError)?;
                // One writer at a time: WAL lets readers go on while it writes, and the busy
                // timeout makes a second writer wait instead of failing at once.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                )
                .map_err(r2d2::Error::QueryError)?;
                self.count_statements(&mut conn);
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    /// Asked when a connection goes back to the pool. Work that ended well left a good
    /// connection; after work that failed (see [`run`]) one `SELECT 1` tells whether the
    /// connection itself broke (a PostgreSQL server restarted, a network cut), and a broken
    /// one is dropped instead of being handed to the next request. So nothing is checked on
    /// the way out of the pool (no `SELECT 1` per request).
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        WORK_FAILED.with(|failed| failed.replace(false)) && self.is_valid(conn).is_err()
    }
}

thread_local! {
    /// Set by [`run`] on the thread that did work which failed, read when its connection goes
    /// back to the pool (on the same thread, as the `PooledConnection` is dropped).
    static WORK_FAILED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// How many connections the pool keeps, from the machine and the backend. SQLite: the
/// work is in this process and on its CPU (reads in parallel under WAL, one writer at a time),
/// so 2 per core: more only adds threads that wait and switch (the throughput bench, 2 cores:
/// 4 instead of 8 connections gave Hem +4 %, the calendar swap +11 %, the check API +8 %,
/// and lower p99s). PostgreSQL: a query waits on the network and the server's processes, so 8
/// per core. Both at least 4 and at most 32.
pub fn pool_size(url: &DatabaseUrl) -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
    let per_core = if url.is_postgres() { 8 } else { 2 };
    (cores * per_core).clamp(4, 32)
}

/// How long a request waits for a connection. PostgreSQL can be away (a failover, a
/// restart): after 1.5 s the request is answered "try again in a minute" (503) rather than
/// left hanging (issue #38, 5: it hung 10 s). SQLite is in this process and is never away; its
/// wait only covers a writer that holds the file (the busy timeout is 10 s).
pub fn connection_wait(url: &DatabaseUrl) -> Duration {
    if url.is_postgres() {
        Duration::from_millis(1500)
    } else {
        Duration::from_secs(10)
    }
}

/// Connects once outside the pool first, so a wrong URL or a server that is down gives its
/// own error at once instead of a pool time-out.
pub fn connect_pool(url: &DatabaseUrl) -> anyhow::Result<Pool> {
    let manager = ConnectionManager::new(url.clone());
    let statements = manager.statements.clone();
    r2d2::ManageConnection::connect(&manager)
        .with_context(|| format!("cannot open database {}", url.redacted()))?;
    let inner = r2d2::Pool::builder()
        .max_size(pool_size(url))
        .min_idle(Some(1))
        .test_on_check_out(false)
        .connection_timeout(connection_wait(url))
        .build(manager)
        .with_context(|| format!("cannot open database {}", url.redacted()))?;
    let sqlite = match url {
        DatabaseUrl::Sqlite(path) => Some(path.to_string_lossy().into()),
        DatabaseUrl::Postgres(_) => None,
    };
    Ok(Pool {
        inner,
        sqlite,
        statements,
    })
}

/// Runs the pending migrations of the connection's backend and returns their versions.
pub fn migrate(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    with_setup_lock(conn, run_migrations)
}

fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConnection::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS),
    }
    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// On PostgreSQL an advisory lock keeps instances that start at the same time from migrating
/// and seeding at once. SQLite has one writer anyway.
fn with_setup_lock<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    const LOCK_KEY: &str = "74657301";
    let is_pg = matches!(conn, DbConnection::Pg(_));
    if is_pg {
        conn.batch_execute(&format!("SELECT pg_advisory_lock({LOCK_KEY})"))?;
    }
    let result = f(conn);
    if is_pg {
        conn.batch_execute(&format!("SELECT pg_advisory_unlock({LOCK_KEY})"))?;
    }
    result
}

/// Migrates and puts the demo data in on first start.
pub fn prepare(pool: &Pool) -> anyhow::Result<()> {
    let mut conn = pool.get().context("no database connection")?;
    prepare_connection(&mut conn)
}

/// One connection without a pool, for the one-shot commands (`migrate`, `create-admin`):
/// no pool threads are left opening or closing connections while the process exits.
pub fn connect_once(url: &DatabaseUrl) -> anyhow::Result<DbConnection> {
    r2d2::ManageConnection::connect(&ConnectionManager::new(url.clone()))
        .with_context(|| format!("cannot open database {}", url.redacted()))
}

/// Migrates and inserts the demo data once, under the setup lock.
pub fn prepare_connection(conn: &mut DbConnection) -> anyhow::Result<()> {
    with_setup_lock(conn, |conn| {
        let applied = run_migrations(conn)?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "database migrated");
        }
        if seed::insert_demo_data(conn)? {
            tracing::info!("demo data for Region Västmanland inserted");
        }
        Ok(())
    })
}

/// What database work run through [`run`] can fail with when the work itself did not say
/// otherwise: the query (typed, so a caller can tell a unique violation from anything else),
/// no connection, or the blocking task gone.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("no database connection: {0}")]
    Pool(String),
    #[error("database task stopped")]
    Task,
}

impl DbError {
    /// Whether the database could not be reached (a failover, a restart, the network): no
    /// connection came within the pool's wait, or the connection broke under the work. The
    /// request is answered "try again in a minute" (503), not as a fault of the portal.
    pub fn is_unavailable(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            DbError::Pool(_) => true,
            DbError::Query(Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            )) => true,
            DbError::Query(Error::DatabaseError(_, info)) => {
                let m = info.message();
                // libpq's words for a server that went away (SQLSTATE 57P01–57P03 and a cut
                // socket); diesel files them under "unknown".
                [
                    "terminating connection",
                    "server closed the connection",
                    "the database system is",
                    "no connection to the server",
                    "could not connect",
                    "Connection refused",
                ]
                .iter()
                .any(|w| m.contains(w))
            }
            _ => false,
        }
    }

    /// A unique index refused the write (another request or instance got there first).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

/// Runs blocking database work on the thread pool, off the async workers, and hands back
/// the work's own error type. Any error type that can say "no connection" or "task stopped"
/// (`From<DbError>`) works: [`DbError`] for plain queries, an area's own enum
/// (`OrderError`, `PermitError`, …) for a service, `anyhow::Error` for start-up work.
pub async fn run<T, E, F>(pool: &Pool, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get().map_err(|e| DbError::Pool(e.to_string()))?;
        let result = f(&mut conn);
        if result.is_err() {
            WORK_FAILED.with(|failed| failed.set(true));
        }
        result
    })
    .await
    .map_err(|_| E::from(DbError::Task))?
}

thread_local! {
    /// The read-only SQLite connections of this thread, one per database file ([`read`]).
    static READERS: std::cell::RefCell<Vec<(std::sync::Arc<str>, DbConnection)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Work that only reads, such as a page's session and rows. On SQLite it runs at once on the
/// calling thread (the async worker), on a read-only connection of that thread's own: SQLite
/// is in this process, a page's indexed reads take tens of microseconds, and under WAL a
/// reader never waits for a writer, so the hop to the blocking pool and back (two thread
/// switches, the pool's locks) cost more than the reads. The connection is opened with
/// `query_only` and no busy timeout, so it can neither write nor wait: work that turns out to
/// write (a session seen again after a while is touched) or that fails for any reason is run
/// again, from the start, on the pool with [`run`], and its answer is the one used. That is
/// why `f` must be `Clone`. On PostgreSQL a query waits on the network, so this is [`run`].
pub async fn read<T, E, F>(pool: &Pool, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Clone + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    if let Some(path) = &pool.sqlite
        && let Some(Ok(found)) = read_here(path, f.clone())
    {
        return Ok(found);
    }
    run(pool, f).await
}

/// Runs `f` on this thread's read-only connection to `path` (opened on first use); `None`
/// when there is none to be had (it cannot be opened, or it is in use further up this
/// thread's stack).
fn read_here<T, E>(
    path: &std::sync::Arc<str>,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Option<Result<T, E>> {
    READERS.with(|readers| {
        let mut readers = readers.try_borrow_mut().ok()?;
        let i = match readers.iter().position(|(p, _)| p == path) {
            Some(i) => i,
            None => {
                let mut conn = SqliteConnection::establish(path).ok()?;
                conn.batch_execute("PRAGMA query_only = ON; PRAGMA busy_timeout = 0;")
                    .ok()?;
                readers.push((path.clone(), DbConnection::Sqlite(conn)));
                readers.len() - 1
            }
        };
        // One read transaction for the whole work: one snapshot, and the WAL's shared-memory
        // read lock taken once instead of once per statement (13 % of a permit page's CPU
        // went to `unixShmLock` with a dozen implicit transactions).
        let conn = &mut readers[i].1;
        if tx::run(conn, tx::Begin).is_err() {
            // Whatever was left open (it should not be) ends, so the next read starts clean.
            let _ = tx::run(conn, tx::Rollback);
            return None;
        }
        let result = f(conn);
        let ended = match &result {
            Ok(_) => tx::run(conn, tx::Commit),
            Err(_) => tx::run(conn, tx::Rollback),
        };
        if ended.is_err() {
            let _ = tx::run(conn, tx::Rollback);
            return None;
        }
        Some(result)
    })
}

/// The read transaction of [`read_here`] as statements diesel keeps prepared. diesel's own
/// transaction manager sends `BEGIN` and `COMMIT` through `sqlite3_exec`, which parses them
/// anew each time: 8 % of the check API's CPU. The work inside runs on a connection diesel
/// thinks is outside a transaction, so a nested `conn.transaction(…)` in it fails
/// ("cannot start a transaction within a transaction") and the work is run again on the pool,
/// as any failure is.
mod tx {
    use diesel::query_builder::{AstPass, QueryFragment, QueryId};
    use diesel::sqlite::{Sqlite, SqliteConnection};
    use diesel::{QueryResult, RunQueryDsl};

    macro_rules! fixed_statement {
        ($name:ident, $sql:literal) => {
            /// A fixed statement with its own query id, so diesel caches it prepared.
            #[derive(QueryId, Clone, Copy)]
            pub struct $name;

            impl QueryFragment<Sqlite> for $name {
                fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
                    out.push_sql($sql);
                    Ok(())
                }
            }

            impl RunQueryDsl<SqliteConnection> for $name {}
        };
    }

    fixed_statement!(Begin, "BEGIN");
    fixed_statement!(Commit, "COMMIT");
    fixed_statement!(Rollback, "ROLLBACK");

    /// Runs one of the statements above on a SQLite connection (the readers are SQLite).
    pub fn run<S>(conn: &mut super::DbConnection, statement: S) -> QueryResult<usize>
    where
        S: QueryFragment<Sqlite> + QueryId + RunQueryDsl<SqliteConnection>,
    {
        match conn {
            super::DbConnection::Sqlite(c) => statement.execute(c),
            super::DbConnection::Pg(_) => Err(diesel::result::Error::QueryBuilderError(
                "the in-place readers are SQLite".into(),
            )),
        }
    }
}

/// [`run`] for work whose only errors are diesel's.
pub async fn query<T, F>(pool: &Pool, f: F) -> Result<T, DbError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, diesel::result::Error> + Send + 'static,
    T: Send + 'static,
{
    run(pool, move |c| f(c).map_err(DbError::from)).await
}

/// A transaction that will write. On SQLite it takes the write lock at the start
/// (`BEGIN IMMEDIATE`): a transaction that reads and then writes would otherwise fail at once
/// with "database is locked" when another writer committed in between, instead of waiting
/// its turn. On PostgreSQL it is an ordinary transaction.
pub fn write_tx<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    if let DbConnection::Sqlite(c) = conn {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
        let result = f(conn);
        if let DbConnection::Sqlite(c) = conn {
            match &result {
                Ok(_) => AnsiTransactionManager::commit_transaction(c)?,
                Err(_) => {
                    let _ = AnsiTransactionManager::rollback_transaction(c);
                }
            }
        }
        result
    } else {
        conn.transaction(f)
    }
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = Text)]
        compile_options: String,
    }

    /// The bundled SQLite is built as `.cargo/config.toml` says: with `SQLITE_ENABLE_QPSG`, so
    /// a statement with `LIMIT ?` stays prepared in diesel's cache instead of being planned
    /// again on every run; multi-thread (no mutex per call) and without memory statistics.
    #[test]
    fn sqlite_is_built_as_configured() {
        let mut conn = diesel::sqlite::SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        for wanted in ["ENABLE_QPSG", "THREADSAFE=2", "DEFAULT_MEMSTATUS=0"] {
            assert!(
                options.iter().any(|o| o == wanted),
                "SQLite is built without {wanted}: {options:?}"
            );
        }
    }

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }

    fn count(c: &mut super::DbConnection) -> QueryResult<i64> {
        Ok(diesel::sql_query("SELECT count(*) AS n FROM t")
            .get_result::<Count>(c)?
            .n)
    }

    /// The in-place reader: its read transaction (prepared `BEGIN`/`COMMIT`) runs again and
    /// again on one connection, each time seeing what was committed before it; work that
    /// writes or opens a transaction of its own fails there (so [`super::read`] runs it on the
    /// pool) and leaves the reader usable for the next read.
    #[test]
    fn reads_in_place_see_commits_and_refuse_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db");
        let path: std::sync::Arc<str> = path.to_str().unwrap().into();
        let mut writer = diesel::sqlite::SqliteConnection::establish(&path).unwrap();
        diesel::sql_query("PRAGMA journal_mode = WAL")
            .execute(&mut writer)
            .unwrap();
        diesel::sql_query("CREATE TABLE t (x INTEGER)")
            .execute(&mut writer)
            .unwrap();
        for expected in 0..3 {
            let n = super::read_here(&path, count).expect("read in place");
            assert_eq!(n.unwrap(), expected);
            diesel::sql_query("INSERT INTO t VALUES (1)")
                .execute(&mut writer)
                .unwrap();
        }
        let write = super::read_here(&path, |c| {
            diesel::sql_query("INSERT INTO t VALUES (2)").execute(c)
        })
        .expect("ran in place");
        assert!(write.is_err(), "a reader wrote");
        let nested = super::read_here(&path, |c| c.transaction(count)).expect("ran in place");
        assert!(nested.is_err(), "a transaction inside the read transaction");
        assert_eq!(super::read_here(&path, count).unwrap().unwrap(), 3);
    }
}
