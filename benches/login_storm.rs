//! Login storm: how many logins per second the server does, and what another page's p99
//! latency is meanwhile (password hashing must not starve the rest).
//!
//! Run: `cargo bench --bench login_storm` (release build; SQLite in a temp dir).
//! Knobs: `STORM_USERS` (default 32 concurrent log-in loops), `STORM_SECONDS` (default 10).

use std::time::{Duration, Instant};

use diesel::prelude::*;
use parkportal::db::schema::users;
use parkportal::{Application, Settings};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

fn client(address: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("Origin", address.parse().unwrap());
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap()
}

fn main() {
    let users: usize = std::env::var("STORM_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    let seconds: u64 = std::env::var("STORM_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    actix_web::rt::System::new().block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("bench.db");
        let db_url = db.to_string_lossy().into_owned();
        let settings = Settings::from_lookup(|k| match k {
            "BIND_ADDR" => Some("127.0.0.1:0".into()),
            "PUBLIC_URL" => Some("http://127.0.0.1:0".into()),
            "DATABASE_URL" => Some(db_url.clone()),
            "RUST_LOG" => Some("warn".into()),
            _ => None,
        })
        .unwrap();
        let _ = parkportal::telemetry::init_with_default("warn");
        let app = Application::build(settings).await.unwrap();
        let address = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.run_until_stopped());

        // Accounts: registered through the real form, confirmed directly in the database.
        let password = "Parkera7!bil";
        let setup = client(&address);
        for i in 0..users {
            let email = format!("storm{i}@example.com");
            let resp = setup
                .post(format!("{address}/register"))
                .form(&[
                    ("email", email.as_str()),
                    ("password", password),
                    ("mobile", "0701234567"),
                    ("name", "Storm"),
                    ("terms", "yes"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 303);
        }
        let mut conn = SqliteConnection::establish(&db_url).unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let n: i64 = users::table.count().get_result(&mut conn).unwrap();
            if n as usize == users {
                break;
            }
            assert!(Instant::now() < deadline, "accounts not created");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        diesel::update(users::table)
            .set(users::confirmed_at.eq(parkportal::clock::now()))
            .execute(&mut conn)
            .unwrap();

        let stop = Instant::now() + Duration::from_secs(seconds);
        let mut storm = Vec::new();
        for i in 0..users {
            let address = address.clone();
            storm.push(actix_web::rt::spawn(async move {
                let c = client(&address);
                let email = format!("storm{i}@example.com");
                let mut times = Vec::new();
                while Instant::now() < stop {
                    let t = Instant::now();
                    let resp = c
                        .post(format!("{address}/login"))
                        .form(&[("email", email.as_str()), ("password", password)])
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(resp.status(), 303, "login must succeed");
                    times.push(t.elapsed());
                }
                times
            }));
        }
        // Meanwhile a visitor reads the terms page.
        let other = {
            let address = address.clone();
            actix_web::rt::spawn(async move {
                let c = client(&address);
                let mut times = Vec::new();
                while Instant::now() < stop {
                    let t = Instant::now();
                    let resp = c.get(format!("{address}/villkor")).send().await.unwrap();
                    assert_eq!(resp.status(), 200);
                    let _ = resp.bytes().await.unwrap();
                    times.push(t.elapsed());
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                times
            })
        };
        let mut logins = Vec::new();
        for h in storm {
            logins.extend(h.await.unwrap());
        }
        let mut page = other.await.unwrap();
        logins.sort();
        page.sort();
        println!("login storm: {users} concurrent users for {seconds} s");
        println!(
            "  logins: {} total, {:.1}/s, p50 {:?}, p99 {:?}",
            logins.len(),
            logins.len() as f64 / seconds as f64,
            percentile(&logins, 0.50),
            percentile(&logins, 0.99)
        );
        println!(
            "  other page (/villkor) meanwhile: {} requests, p50 {:?}, p99 {:?}",
            page.len(),
            percentile(&page, 0.50),
            percentile(&page, 0.99)
        );
    });
}
