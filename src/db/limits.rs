//! Rate limits kept in the database, one atomic upsert per hit, so a limit holds under parallel
//! requests and across instances that share one database.
//!
//! Counts are kept per fixed window, but a hit is judged by a sliding window: the current
//! window's hits plus the previous window's, weighted by how much of the previous window still
//! lies within one window length of now. So a burst that straddles a window boundary is
//! counted as one burst (a fixed window would allow twice the limit there).

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

/// Counts one hit on `key` and tells whether, within the last `window`, there are at most
/// `max` hits (the sliding estimate described above). One atomic statement
/// (`INSERT … ON CONFLICT DO UPDATE … RETURNING`) counts the hit: of parallel hits at most
/// `max` are allowed per window. A refused hit counts too.
/// Now and then the rows of windows that no longer weigh are deleted (cheap: by an index).
pub fn hit(
    conn: &mut DbConnection,
    key: &str,
    window: Duration,
    max: i64,
    now: NaiveDateTime,
) -> Result<Limit, DbError> {
    hit_n(conn, key, window, max, now, 1)
}

/// [`hit`] for `n` hits at once (a caller that reserves a chunk of hits to use one by one):
/// allowed when all `n` fit.
pub fn hit_n(
    conn: &mut DbConnection,
    key: &str,
    window: Duration,
    max: i64,
    now: NaiveDateTime,
    n: i64,
) -> Result<Limit, DbError> {
    let (start, end) = window_of(window, now);
    let len = end - start;
    // A window's row is kept until the end of the next one, while it still weighs.
    let keep_until = end + len;
    let hits = match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(
            "INSERT INTO rate_limits (limit_key, window_start, hits, expires_at) \
             VALUES (?, ?, ?, ?) ON CONFLICT (limit_key, window_start) \
             DO UPDATE SET hits = rate_limits.hits + excluded.hits RETURNING hits",
        )
        .bind::<Text, _>(key)
        .bind::<BigInt, _>(start)
        .bind::<BigInt, _>(n)
        .bind::<BigInt, _>(keep_until)
        .get_result::<Hits>(c)?,
        DbConnection::Pg(c) => diesel::sql_query(
            "INSERT INTO rate_limits (limit_key, window_start, hits, expires_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (limit_key, window_start) \
             DO UPDATE SET hits = rate_limits.hits + excluded.hits RETURNING hits",
        )
        .bind::<Text, _>(key)
        .bind::<BigInt, _>(start)
        .bind::<BigInt, _>(n)
        .bind::<BigInt, _>(keep_until)
        .get_result::<Hits>(c)?,
    }
    .hits;
    // The first hit of a window cleans up windows that no longer weigh: once per key and
    // window at most.
    if hits == n {
        cleanup(conn, now)?;
    }
    let previous: i64 = rate_limits::table
        .filter(rate_limits::limit_key.eq(key))
        .filter(rate_limits::window_start.eq(start - len))
        .select(rate_limits::hits)
        .first(conn)
        .optional()?
        .unwrap_or(0);
    let elapsed = now.and_utc().timestamp() - start;
    Ok(judge(len, elapsed, previous, hits, max))
}

/// The sliding-window verdict for `hits` in the current window (this one included) and
/// `previous` in the one before, `elapsed` seconds into a window of `len` seconds. Kept in
/// integers: `hits + previous × (len − elapsed) / len ≤ max`, multiplied out by `len`.
fn judge(len: i64, elapsed: i64, previous: i64, hits: i64, max: i64) -> Limit {
    if hits * len + previous * (len - elapsed) <= max * len {
        return Limit::Allowed;
    }
    // When would one more hit be allowed? Later in this window, once the previous one weighs
    // little enough; otherwise in the next window, once this one does.
    let first_second = |hits_then: i64, weighing: i64| -> Option<i64> {
        // The least e in 0..=len with (hits_then + 1) × len + weighing × (len − e) ≤ max × len.
        let room = max * len - (hits_then + 1) * len;
        if room < 0 {
            return None;
        }
        if weighing == 0 {
            return Some(0);
        }
        let e = len - room / weighing;
        Some(e.max(0))
    };
    let wait = match first_second(hits, previous) {
        Some(e) if e < len => e - elapsed,
        _ => (len - elapsed) + first_second(0, hits).unwrap_or(len),
    };
    Limit::Refused {
        retry_after: Duration::seconds(wait.max(1)),
    }
}

/// An instance's hits reserved with [`hit_chunked`] and not yet used, per key: the window
/// they were reserved in, and how many. Each instance (and database) has its own.
#[derive(Debug, Default)]
pub struct Reserved(std::sync::Mutex<std::collections::HashMap<String, (i64, i64)>>);

impl Reserved {
    /// Takes one reserved hit of `key` in the window starting at `start`, if there is one.
    fn take(&self, key: &str, start: i64) -> bool {
        let Ok(mut r) = self.0.lock() else {
            return false;
        };
        match r.get_mut(key) {
            Some((window, left)) if *window == start && *left > 0 => {
                *left -= 1;
                true
            }
            _ => false,
        }
    }

    /// Takes one reserved hit of each of `keys` in the window of `now`, all or none: `false`
    /// (and nothing taken) when one of them has none left, and then the hits are counted with
    /// [`hit_chunked`]. So a request whose hits are all reserved needs no write at all.
    pub fn take_each(&self, keys: &[&str], window: Duration, now: NaiveDateTime) -> bool {
        let (start, _) = window_of(window, now);
        let Ok(mut r) = self.0.lock() else {
            return false;
        };
        let has = |r: &std::collections::HashMap<String, (i64, i64)>, key: &str| matches!(r.get(key), Some((w, left)) if *w == start && *left > 0);
        if !keys.iter().all(|k| has(&r, k)) {
            return false;
        }
        for key in keys {
            if let Some((_, left)) = r.get_mut(*key) {
                *left -= 1;
            }
        }
        true
    }

    /// Keeps `left` reserved hits of `key` for the window starting at `start` (and lets go of
    /// every other window's).
    fn keep(&self, key: &str, start: i64, left: i64) {
        if let Ok(mut r) = self.0.lock() {
            r.retain(|_, (window, _)| *window == start);
            r.insert(key.to_string(), (start, left));
        }
    }
}

/// [`hit`] for a busy key: hits are reserved in chunks of a fiftieth of `max` (at least one)
/// and handed out from `reserved`, so most hits write nothing (600 a minute cost 50 writes).
/// The database counts every reserved hit, so instances together never allow more than
/// `max`; a reserved hit unused when its window ends is lost, which errs on the strict side
/// by at most a chunk per instance. A chunk that does not fit is given back and one hit asked
/// for instead, so near the limit it is exact.
pub fn hit_chunked(
    conn: &mut DbConnection,
    reserved: &Reserved,
    key: &str,
    window: Duration,
    max: i64,
    now: NaiveDateTime,
) -> Result<Limit, DbError> {
    let (start, _) = window_of(window, now);
    if reserved.take(key, start) {
        return Ok(Limit::Allowed);
    }
    let chunk = (max / 50).max(1);
    let limit = hit_n(conn, key, window, max, now, chunk)?;
    if limit.is_allowed() {
        reserved.keep(key, start, chunk - 1);
        return Ok(limit);
    }
    if chunk == 1 {
        return Ok(limit);
    }
    undo_n(conn, key, window, now, chunk)?;
    hit(conn, key, window, max, now)
}

/// Gives one hit back (an attempt reserved with [`hit`] that turned out not to count, such as
/// a login with the right password).
pub fn undo(
    conn: &mut DbConnection,
    key: &str,
    window: Duration,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    undo_n(conn, key, window, now, 1)
}

/// Gives `n` hits back (a chunk reserved with [`hit_n`] that did not fit).
pub fn undo_n(
    conn: &mut DbConnection,
    key: &str,
    window: Duration,
    now: NaiveDateTime,
    n: i64,
) -> Result<(), DbError> {
    let (start, _) = window_of(window, now);
    diesel::update(
        rate_limits::table
            .filter(rate_limits::limit_key.eq(key))
            .filter(rate_limits::window_start.eq(start))
            .filter(rate_limits::hits.ge(n)),
    )
    .set(rate_limits::hits.eq(rate_limits::hits - n))
    .execute(conn)
    .map(|_| ())
}

/// Deletes the rows of windows that no longer weigh on the current one.
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
    fn allows_max_then_refuses_while_the_hits_weigh() {
        let mut c = conn();
        let w = Duration::minutes(15);
        let t0 = at(900 * 1000 + 60);
        for _ in 0..3 {
            assert_eq!(hit(&mut c, "k", w, 3, t0).unwrap(), Limit::Allowed);
        }
        // The fourth is refused. The four hits (the refused one counts) weigh on the next
        // window until 450 s into it: 1 + 4 × 450/900 = 3. So 840 + 450 s.
        assert_eq!(
            hit(&mut c, "k", w, 3, t0).unwrap(),
            Limit::Refused {
                retry_after: Duration::seconds(1290)
            }
        );
        // Another key has its own count.
        assert!(hit(&mut c, "other", w, 3, t0).unwrap().is_allowed());
        // Early in the next window the four still weigh too much (1 + 4 × 451/900 > 3); at
        // 450 s a hit is allowed again.
        let next = at(900 * 1001);
        let mut early = conn();
        let mut late = conn();
        for c in [&mut early, &mut late] {
            for _ in 0..4 {
                hit(c, "k", w, 3, t0).unwrap();
            }
        }
        assert!(
            !hit(&mut early, "k", w, 3, next + Duration::seconds(449))
                .unwrap()
                .is_allowed()
        );
        assert!(
            hit(&mut late, "k", w, 3, next + Duration::seconds(450))
                .unwrap()
                .is_allowed()
        );
        // Two windows on nothing weighs, and the rows of windows that no longer weigh are gone.
        let later = at(900 * 1003 + 1);
        assert!(hit(&mut late, "k", w, 3, later).unwrap().is_allowed());
        let rows: i64 = rate_limits::table.count().get_result(&mut late).unwrap();
        assert_eq!(rows, 1);
    }

    /// A burst across a window boundary counts as one burst: with a limit of 50, 30 hits at
    /// the end of one window and 20 at the start of the next use it up.
    #[test]
    fn a_burst_across_a_boundary_is_one_burst() {
        let mut c = conn();
        let w = Duration::minutes(15);
        for _ in 0..30 {
            assert!(
                hit(&mut c, "k", w, 50, at(900 * 1001 - 2))
                    .unwrap()
                    .is_allowed()
            );
        }
        for _ in 0..20 {
            assert!(
                hit(&mut c, "k", w, 50, at(900 * 1001 + 2))
                    .unwrap()
                    .is_allowed()
            );
        }
        assert!(
            !hit(&mut c, "k", w, 50, at(900 * 1001 + 3))
                .unwrap()
                .is_allowed()
        );
    }

    /// The verdict agrees with its own `retry_after`: one second earlier is still refused,
    /// at the moment given a hit is allowed.
    #[test]
    fn retry_after_is_the_first_allowed_second() {
        let len = 60;
        for max in 1..6 {
            for previous in 0..8 {
                for hits in 1..8 {
                    for elapsed in 0..len {
                        let Limit::Refused { retry_after } =
                            judge(len, elapsed, previous, hits, max)
                        else {
                            continue;
                        };
                        let wait = retry_after.num_seconds();
                        // Where a later moment falls: this window or the next, and which
                        // counts weigh then (one more hit is what is asked).
                        let at = |s: i64| {
                            let e = elapsed + s;
                            if e < len {
                                judge(len, e, previous, hits + 1, max)
                            } else {
                                judge(len, e - len, hits, 1, max)
                            }
                        };
                        assert!(at(wait).is_allowed(), "{max} {previous} {hits} {elapsed}");
                        if wait > 1 {
                            assert!(
                                !at(wait - 1).is_allowed(),
                                "{max} {previous} {hits} {elapsed}"
                            );
                        }
                    }
                }
            }
        }
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

    #[test]
    fn chunked_hits_of_two_instances_never_pass_the_limit_and_reach_it() {
        let mut c = conn();
        let w = Duration::minutes(1);
        let t0 = at(60 * 1000);
        // Two instances on one database, each with its own reserved hits: 100 a minute,
        // reserved 2 at a time; they take turns, 150 requests in all.
        let (a, b) = (Reserved::default(), Reserved::default());
        let mut allowed = 0;
        for i in 0..150 {
            let r = if i % 3 == 0 { &a } else { &b };
            if hit_chunked(&mut c, r, "api", w, 100, t0)
                .unwrap()
                .is_allowed()
            {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 100, "exactly the limit across both");
        // A write per chunk, not per request: 100 allowed hits came in 50 reservations plus
        // the refused single hits; the database counts every hit handed out or refused.
        let counted: i64 = rate_limits::table
            .select(rate_limits::hits)
            .first(&mut c)
            .unwrap();
        assert_eq!(counted, 150);
        // A new window: what was left reserved is not used again.
        let next = at(60 * 1002);
        assert!(
            hit_chunked(&mut c, &a, "api", w, 100, next)
                .unwrap()
                .is_allowed()
        );
    }

    #[test]
    fn hits_of_two_keys_are_taken_from_reservations_all_or_none() {
        let mut c = conn();
        let w = Duration::minutes(1);
        let t = at(60 * 2000);
        let r = Reserved::default();
        // Nothing reserved yet: nothing taken.
        assert!(!r.take_each(&["a", "b"], w, t));
        // "a" gets a chunk (100 a minute: 2 at a time, one used now, one kept).
        assert!(
            hit_chunked(&mut c, &r, "a", w, 100, t)
                .unwrap()
                .is_allowed()
        );
        // "b" has none: "a"'s kept hit is not taken either.
        assert!(!r.take_each(&["a", "b"], w, t));
        assert!(
            hit_chunked(&mut c, &r, "b", w, 100, t)
                .unwrap()
                .is_allowed()
        );
        assert!(r.take_each(&["a", "b"], w, t), "one kept hit of each");
        assert!(!r.take_each(&["a", "b"], w, t), "both used up");
        // A kept hit belongs to its window.
        assert!(
            hit_chunked(&mut c, &r, "a", w, 100, t)
                .unwrap()
                .is_allowed()
        );
        assert!(
            hit_chunked(&mut c, &r, "b", w, 100, t)
                .unwrap()
                .is_allowed()
        );
        assert!(!r.take_each(&["a", "b"], w, at(60 * 2001)));
        // The database counted every hit handed out: 3 requests, 2 reserved per write.
        let counted: Vec<i64> = rate_limits::table
            .select(rate_limits::hits)
            .load(&mut c)
            .unwrap();
        assert_eq!(counted, vec![4, 4]);
    }
}
