//! The check API under load: requests per second and p50/p99 latency with 64 concurrent
//! keep-alive connections against a database of some thousands of permits.
//!
//! Run: `cargo bench --bench check_api` (release build; SQLite in a temp dir).
//! Knobs: `CHECK_CONNECTIONS` (default 64), `CHECK_SECONDS` (default 10), `CHECK_PERMITS`
//! (default 5000 period permits, plus a temporary number on every 10th and 500 day cards
//! with a session today).

#[path = "../tests/kit/mod.rs"]
mod kit;

use std::time::{Duration, Instant};

use chrono::Months;
use diesel::prelude::*;
use parkportal::db::schema::{
    car_parks, day_sessions, permit_types, permits, temporary_regnrs, users,
};
use rand::Rng;

use kit::dates::today;
use kit::db::TestDb;
use kit::measure::{env_or, percentile};

const KEY: &str = "bench-key-0123456789abcdef-0123456";
const LETTERS: &[u8] = b"ABCDEFGHJKLMNPRSTUWXYZ";

/// A Swedish plate for a number: three letters, three digits; `prefix` keeps sets apart.
fn plate(prefix: u8, i: usize) -> String {
    let l = |n: usize| LETTERS[n % LETTERS.len()] as char;
    format!(
        "{}{}{}{:03}",
        prefix as char,
        l(i / 1000),
        l(i / 1000 / LETTERS.len()),
        i % 1000
    )
}

/// Paid permits straight into the database: 80 % valid today, the rest expired; every 10th
/// with a temporary number covering today; day cards with a session today.
fn seed(db: &str, count: usize) -> Vec<String> {
    let mut conn = SqliteConnection::establish(db).unwrap();
    let now = parkportal::clock::now();
    let today = today();
    let period_type: i64 = permit_types::table
        .filter(permit_types::kind.eq("period"))
        .select(permit_types::id)
        .first(&mut conn)
        .unwrap();
    let day_type: i64 = permit_types::table
        .filter(permit_types::kind.eq("day"))
        .select(permit_types::id)
        .first(&mut conn)
        .unwrap();
    let park: i64 = car_parks::table
        .select(car_parks::id)
        .first(&mut conn)
        .unwrap();
    let mut asked = Vec::new();
    conn.transaction::<_, diesel::result::Error, _>(|c| {
        for u in 0..count.div_ceil(10) {
            diesel::insert_into(users::table)
                .values((
                    users::email.eq(format!("bench{u}@regionvastmanland.se")),
                    users::password_hash.eq("x"),
                    users::name.eq("Bench"),
                    users::mobile.eq("+46701234567"),
                    users::created_at.eq(now),
                ))
                .execute(c)?;
        }
        let first_user: i64 = users::table.select(users::id).order(users::id).first(c)?;
        let row = |i: usize, kind: &str, regnr: String, start, end, days: Option<i32>| {
            (
                permits::user_id.eq(first_user + (i / 10) as i64),
                permits::permit_type_id.eq(if kind == "day" { day_type } else { period_type }),
                permits::car_park_id.eq(park),
                permits::kind.eq(kind.to_string()),
                permits::type_name_sv.eq(if kind == "day" {
                    "Anställda dagkort"
                } else {
                    "Anställda månads/årskort"
                }),
                permits::type_name_en.eq(if kind == "day" {
                    "Employee day card"
                } else {
                    "Employee monthly/yearly permit"
                }),
                permits::price_ore.eq(35_000i64),
                permits::vat_basis_points.eq(2500),
                permits::regnr.eq(regnr),
                permits::start_date.eq(start),
                permits::end_date.eq(end),
                permits::state.eq("paid"),
                permits::confirm_key.eq(format!("bench-{kind}-{i}")),
                permits::created_at.eq(now),
                permits::updated_at.eq(now),
                permits::days_bought.eq(days),
            )
        };
        for i in 0..count {
            let regnr = plate(b'B', i);
            let (start, end) = if i % 5 == 4 {
                (today - Months::new(13), today - Months::new(1))
            } else {
                (today - Months::new(1), today + Months::new(11))
            };
            diesel::insert_into(permits::table)
                .values(row(i, "period", regnr.clone(), start, end, None))
                .execute(c)?;
            let id: i64 = permits::table
                .select(permits::id)
                .order(permits::id.desc())
                .first(c)?;
            if i % 10 == 0 {
                let temp = plate(b'T', i);
                diesel::insert_into(temporary_regnrs::table)
                    .values((
                        temporary_regnrs::permit_id.eq(id),
                        temporary_regnrs::regnr.eq(&temp),
                        temporary_regnrs::from_date.eq(today),
                        temporary_regnrs::to_date.eq(today + chrono::Duration::days(3)),
                        temporary_regnrs::created_at.eq(now),
                    ))
                    .execute(c)?;
                asked.push(temp);
            }
            asked.push(regnr);
        }
        for i in 0..500 {
            let regnr = plate(b'D', i);
            diesel::insert_into(permits::table)
                .values(row(
                    i,
                    "day",
                    plate(b'E', i),
                    today,
                    today + Months::new(12),
                    Some(10),
                ))
                .execute(c)?;
            let id: i64 = permits::table
                .select(permits::id)
                .order(permits::id.desc())
                .first(c)?;
            diesel::update(permits::table.find(id))
                .set(permits::days_used.eq(1))
                .execute(c)?;
            diesel::insert_into(day_sessions::table)
                .values((
                    day_sessions::permit_id.eq(id),
                    day_sessions::day.eq(today),
                    day_sessions::regnr.eq(&regnr),
                    day_sessions::created_at.eq(now),
                ))
                .execute(c)?;
            asked.push(regnr);
        }
        Ok(())
    })
    .unwrap();
    // One in ten questions is a number without any permit.
    let unknown: Vec<String> = (0..asked.len() / 10).map(|i| plate(b'U', i)).collect();
    asked.extend(unknown);
    asked
}

fn main() {
    let connections: usize = env_or("CHECK_CONNECTIONS", 64);
    let seconds: u64 = env_or("CHECK_SECONDS", 10);
    let count: usize = env_or("CHECK_PERMITS", 5000);
    actix_web::rt::System::new().block_on(async move {
        let app = kit::spawn::spawn_on(
            TestDb::sqlite(),
            &[
                ("CHECK_API_KEYS", KEY),
                // One key from one address at full speed: the bench measures the check, not
                // the rate limit (default 600 a minute), so the limit is set out of its way.
                ("CHECK_API_RATE_PER_MINUTE", "1000000"),
            ],
            None,
        )
        .await;
        let address = app.address.clone();
        let asked = std::sync::Arc::new(seed(&app.database_url, count));
        let total_permits = count + 500;

        // Warm up, and check the answers are what the data says.
        let c = reqwest::Client::new();
        let body: serde_json::Value = c
            .get(format!("{address}/api/v1/check?regnr={}", plate(b'B', 1)))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["valid"], true, "{body}");

        let stop = Instant::now() + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let address = address.clone();
            let asked = asked.clone();
            tasks.push(actix_web::rt::spawn(async move {
                // One keep-alive connection per task.
                let c = reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .build()
                    .unwrap();
                let mut times = Vec::new();
                let mut valid = 0usize;
                while Instant::now() < stop {
                    let regnr = &asked[rand::rng().random_range(0..asked.len())];
                    let t = Instant::now();
                    let resp = c
                        .get(format!("{address}/api/v1/check?regnr={regnr}"))
                        .bearer_auth(KEY)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(resp.status(), 200);
                    let body = resp.bytes().await.unwrap();
                    times.push(t.elapsed());
                    if body.starts_with(br#"{"regnr":""#)
                        && body.windows(12).any(|w| w == br#""valid":true"#)
                    {
                        valid += 1;
                    }
                }
                (times, valid)
            }));
        }
        let mut times = Vec::new();
        let mut valid = 0;
        for t in tasks {
            let (t, v) = t.await.unwrap();
            times.extend(t);
            valid += v;
        }
        times.sort();
        println!(
            "check API: {connections} concurrent connections for {seconds} s, \
             {total_permits} permits ({} numbers asked)",
            asked.len()
        );
        println!(
            "  {} requests, {:.0}/s, p50 {:?}, p99 {:?}, {:.0} % answered valid",
            times.len(),
            times.len() as f64 / seconds as f64,
            percentile(&times, 0.50),
            percentile(&times, 0.99),
            100.0 * valid as f64 / times.len().max(1) as f64
        );
    });
}
