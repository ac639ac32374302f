//! Login storm: how many logins per second the server does, and what another page's p99
//! latency is meanwhile (password hashing must not starve the rest).
//!
//! Run: `cargo bench --bench login_storm` (release build; SQLite in a temp dir).
//! Knobs: `STORM_USERS` (default 32 concurrent log-in loops), `STORM_SECONDS` (default 10).

#[path = "../tests/kit/mod.rs"]
mod kit;

use std::time::{Duration, Instant};

use diesel::prelude::*;
use kit::client::client;
use kit::db::TestDb;
use kit::flows::{self, PASSWORD};
use kit::measure::{env_or, percentile};
use parkportal::db::schema::users;

fn main() {
    let users: usize = env_or("STORM_USERS", 32);
    let seconds: u64 = env_or("STORM_SECONDS", 10);
    actix_web::rt::System::new().block_on(async move {
        let app = kit::spawn::spawn_on(TestDb::sqlite(), &[], None).await;
        let address = app.address.clone();

        // Accounts: registered through the real form, confirmed directly in the database.
        let setup = client(&address);
        for i in 0..users {
            let email = format!("storm{i}@example.com");
            let resp = flows::register(&setup, &address, &email, PASSWORD).await;
            assert_eq!(resp.status(), 303);
        }
        let mut conn = SqliteConnection::establish(&app.database_url).unwrap();
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
                        .form(&[("email", email.as_str()), ("password", PASSWORD)])
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
