//! How many pending payments the poller carries and what one poll round costs.
//!
//! Run: `cargo bench --bench payment_poller` (release; SQLite in a temp dir; the built-in
//! Swish simulator, with payers that never answer so every payment stays pending).
//! Knob: `PENDING` (default 10000). Target: 10,000 pending with < 150 MB RSS.

#[path = "../tests/kit/mod.rs"]
mod kit;

use std::time::{Duration, Instant};

use diesel::prelude::*;
use parkportal::db::schema::{payments, permits, sim_swish_requests, users};

use kit::dates::today;
use kit::db::TestDb;
use kit::measure::env_or;

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn main() {
    let pending: i64 = env_or("PENDING", 10_000);
    actix_web::rt::System::new().block_on(async move {
        let app = kit::spawn::spawn_on(
            TestDb::sqlite(),
            &[("SWISH_SIM_TIMEOUT_MS", "3600000")],
            None,
        )
        .await;
        let rss_idle = rss_mb();

        // 10,000 permits each with a pending Swish payment whose payer never answers.
        let mut conn = SqliteConnection::establish(&app.database_url).unwrap();
        let now = parkportal::clock::now();
        let later = now + chrono::Duration::days(1);
        let today = today();
        let setup = Instant::now();
        conn.transaction::<_, diesel::result::Error, _>(|c| {
            diesel::insert_into(users::table)
                .values((users::email.eq("bench@example.com"), users::password_hash.eq("!"), users::name.eq("Bench"), users::mobile.eq("+46700000004"), users::created_at.eq(now)))
                .execute(c)?;
            for i in 0..pending {
                diesel::insert_into(permits::table)
                    .values((
                        permits::user_id.eq(1i64), permits::permit_type_id.eq(1i64), permits::car_park_id.eq(1i64),
                        permits::kind.eq("period"), permits::type_name_sv.eq("Anställda månads/årskort"), permits::type_name_en.eq("x"),
                        permits::price_ore.eq(35_000i64), permits::vat_basis_points.eq(2500), permits::regnr.eq("ABC123"),
                        permits::start_date.eq(today), permits::end_date.eq(today), permits::state.eq("awaiting_payment"),
                        permits::confirm_key.eq(format!("{i:064}")), permits::created_at.eq(now), permits::updated_at.eq(now),
                    ))
                    .execute(c)?;
                let id = format!("{:032X}", i + 1);
                diesel::insert_into(payments::table)
                    .values((
                        payments::permit_id.eq(i + 1), payments::user_id.eq(1i64), payments::method.eq("swish"),
                        payments::provider_ref.eq(&id), payments::amount_ore.eq(35_000i64), payments::status.eq("pending"),
                        payments::next_poll_at.eq(later), payments::created_at.eq(now), payments::updated_at.eq(now),
                    ))
                    .execute(c)?;
                diesel::insert_into(sim_swish_requests::table)
                    .values((
                        sim_swish_requests::id.eq(&id), sim_swish_requests::payment_reference.eq(&id),
                        sim_swish_requests::callback_url.eq("http://127.0.0.1:9/cb"), sim_swish_requests::payer_alias.eq("46700000004"),
                        sim_swish_requests::payee_alias.eq("1231181189"), sim_swish_requests::amount.eq("350.00"),
                        sim_swish_requests::created_at.eq(now),
                    ))
                    .execute(c)?;
            }
            Ok(())
        })
        .unwrap();
        println!("payment poller: {pending} pending payments (set up in {:?})", setup.elapsed());

        // One round: make every payment due and wait until each has been polled once.
        let started = Instant::now();
        diesel::update(payments::table).set(payments::next_poll_at.eq(parkportal::clock::now())).execute(&mut conn).unwrap();
        let mut peak = rss_mb();
        loop {
            let polled: i64 = payments::table.filter(payments::polls.ge(1)).count().get_result(&mut conn).unwrap();
            peak = peak.max(rss_mb());
            if polled >= pending {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(600), "round did not finish");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let round = started.elapsed();
        let still_pending: i64 = payments::table.filter(payments::status.eq("pending")).count().get_result(&mut conn).unwrap();
        println!("  one poll round: {round:?} ({:.0} payments/s, {:.2} ms each)", pending as f64 / round.as_secs_f64(), round.as_secs_f64() * 1000.0 / pending as f64);
        println!("  RSS: {rss_idle:.1} MB idle, {peak:.1} MB peak during the round (whole process: server, simulator, poller)");
        println!("  still pending after the round: {still_pending} (payers never answer)");
    });
}
