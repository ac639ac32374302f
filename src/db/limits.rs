//! Rate limits kept in the database: fixed windows, one atomic upsert per hit, so a limit holds
//! under parallel requests and across instances that share one database.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::DbConnection;
use super::schema::rate_limits;

/// What a hit on a limit allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Allowed,
    /// Over the limit: the window ends after `retry_after`.
    Refused {
        retry_after: Duration,
    },
}

impl Limit {
    pub fn is_allowed(self) -> bool {
        matches!(self, Limit::Allowed)
    }
}

/// Which error a limit query can give.
pub type DbError = diesel::result::Error;

#[derive(QueryableByName)]
struct Hits {
    #[diesel(sql_type = BigInt)]
    hits: i64,
}

/// The window a moment falls in: its start and its end, in Unix seconds.
fn window_of(window: Duration, now: NaiveDateTime) -> (i64, i64) {
    let len = window.num_seconds().max(1);
    let t = now.and_utc().timestamp();
    let start = t.div_euclid(len) * len;
    (start, start + len)
}

/// Counts one hit on `key` in the current window of length `window` and tells whether it is
/// within `max` hits. One atomic statement (`INSERT … ON CONFLICT DO UPDATE … RETURNING`):
/// of parallel hits exactly `max` are allowed per window. A refused hit counts too.
/// Now and then the rows of ended windows are deleted (cheap: by an index).
pub fn hit(
    conn: &mut DbConnection,
    key: &str,
    window: Duration,
    max: i64,
    now: NaiveDateTime,
) -> Result<Limit, DbError> {
    let (start, end) = window_of(window, now);
    let hits = match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(
            "INSERT INTO rate_limits (limit_key, window_start, hits, expires_at) \
             VALUES (?, ?, 1, ?) ON CONFLICT (limit_key, window_start) \
             DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits",
        )
        .bind::<Text, _>(key)
        .bind::<BigInt, _>(start)
        .bind::<BigInt, _>(end)
        .get_result::<Hits>(c)?,
        DbConnection::Pg(c) => diesel::sql_query(
            "INSERT INTO rate_limits (limit_key, window_start, hits, expires_at) \
             VALUES ($1, $2, 1, $3) ON CONFLICT (limit_key, window_start) \
             DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits",
        )
        .bind::<Text, _>(key)
        .bind::<BigInt, _>(start)
        .bind::<BigInt, _>(end)
        .get_result::<Hits>(c)?,
    }
    .hits;
    // The first hit of a window cleans up ended windows: once per key and window at most.
    if hits == 1 {
        cleanup(conn, now)?;
    }
    if hits <= max {
        Ok(Limit::Allowed)
    } else {
        let left = end - now.and_utc().timestamp();
        Ok(Limit::Refused {
            retry_after: Duration::seconds(left.max(1)),
        })
    }
}

/// Gives one hit back (an attempt reserved with [`hit`] that turned out not to count, such as
/// a login with the right password).
pub fn undo(
    conn: &mut DbConnection,
    key: &str,
    window: Duration,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let (start, _) = window_of(window, now);
    diesel::update(
        rate_limits::table
            .filter(rate_limits::limit_key.eq(key))
            .filter(rate_limits::window_start.eq(start))
            .filter(rate_limits::hits.gt(0)),
    )
    .set(rate_limits::hits.eq(rate_limits::hits - 1))
    .execute(conn)
    .map(|_| ())
}

/// Deletes the rows of windows that have ended.
pub fn cleanup(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, DbError> {
    diesel::delete(rate_limits::table.filter(rate_limits::expires_at.le(now.and_utc().timestamp())))
        .execute(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::Connection;
    use diesel::connection::SimpleConnection;

    fn conn() -> DbConnection {
        let mut c = DbConnection::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap());
        c.batch_execute(include_str!(
            "../../migrations/sqlite/2026-12-01-000020_rate_limits/up.sql"
        ))
        .unwrap();
        c
    }

    fn at(secs: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(secs, 0)
            .unwrap()
            .naive_utc()
    }

    #[test]
    fn allows_max_then_refuses_until_the_window_ends() {
        let mut c = conn();
        let w = Duration::minutes(15);
        let t0 = at(900 * 1000 + 60);
        for _ in 0..3 {
            assert_eq!(hit(&mut c, "k", w, 3, t0).unwrap(), Limit::Allowed);
        }
        assert_eq!(
            hit(&mut c, "k", w, 3, t0).unwrap(),
            Limit::Refused {
                retry_after: Duration::seconds(840)
            }
        );
        // Another key has its own count.
        assert!(hit(&mut c, "other", w, 3, t0).unwrap().is_allowed());
        // The next window starts afresh and the old row is cleaned.
        let t1 = t0 + Duration::minutes(15);
        assert!(hit(&mut c, "k", w, 3, t1).unwrap().is_allowed());
        let rows: i64 = rate_limits::table.count().get_result(&mut c).unwrap();
        assert_eq!(rows, 1);
    }

    #[test]
    fn undo_gives_a_hit_back() {
        let mut c = conn();
        let w = Duration::minutes(1);
        let t = at(6000);
        assert!(hit(&mut c, "k", w, 1, t).unwrap().is_allowed());
        undo(&mut c, "k", w, t).unwrap();
        assert!(hit(&mut c, "k", w, 1, t).unwrap().is_allowed());
        assert!(!hit(&mut c, "k", w, 1, t).unwrap().is_allowed());
    }
}
