//! Faults: the mail server down and back while two instances race for the outbox, the process
//! killed with SIGKILL in the middle of payments and of bookings and started again on the same
//! database, and many writers at once. Each test checks what the database holds afterwards.

use parkportal::domain::status::NotificationStatus;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use diesel::prelude::*;
use parkportal::db::schema::{counters, day_sessions, notifications, payments, permits, receipts};
use parkportal::db::{notifications as outbox, payments as db_payments};

use crate::daycards::buy_day_card;
use crate::kit::dates::today;
use crate::kit::flows::{car_park, confirm_fields, package_id, type_id};
use crate::kit::{
    client::client,
    db::{TestDb, connect},
    flows::PASSWORD,
    html::hidden_value,
    spawn::{spawn_app_with, test_settings},
};
use crate::payments::pay;
use crate::permits::{confirm, review};

/// Waits until `done` holds, or fails after `limit`.
async fn eventually(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How long the work of a killed process may stay leased: its leases run out, then a new
/// process takes the rows. 15 s more than the latest lease (none held: 15 s).
fn after_leases(database_url: &str) -> Duration {
    let mut c = connect(database_url);
    let now = parkportal::clock::now();
    let p: Option<chrono::NaiveDateTime> = payments::table
        .filter(payments::status.eq("pending"))
        .select(diesel::dsl::max(payments::locked_until))
        .first(&mut c)
        .unwrap();
    let n: Option<chrono::NaiveDateTime> = notifications::table
        .filter(notifications::status.eq("pending"))
        .select(diesel::dsl::max(notifications::locked_until))
        .first(&mut c)
        .unwrap();
    let held = [p, n]
        .into_iter()
        .flatten()
        .map(|t| (t - now).to_std().unwrap_or_default())
        .max()
        .unwrap_or_default();
    held + Duration::from_secs(15)
}

/// The real binary as its own process, so it can be killed with SIGKILL.
struct Portal {
    child: Child,
    address: String,
}

impl Portal {
    async fn start(database_url: &str, dir: &Path, swish_delay_ms: &str) -> Portal {
        let port = crate::kit::spawn::free_port();
        let address = format!("http://127.0.0.1:{port}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_parkportal"))
            .env_clear()
            .current_dir(dir)
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("PUBLIC_URL", &address)
            .env("DATABASE_URL", database_url)
            .env("SWISH_SIM_DELAY_MS", swish_delay_ms)
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let probe = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("parkportal exited at start: {status}");
            }
            if let Ok(r) = probe.get(format!("{address}/health")).send().await
                && r.status() == 200
            {
                break;
            }
            assert!(Instant::now() < deadline, "parkportal never answered");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Portal { child, address }
    }

    /// SIGKILL: no shutdown, no flushing, whatever was in flight is cut off.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn browser(&self) -> Browser {
        Browser {
            address: self.address.clone(),
            client: client(&self.address),
        }
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One user's browser against a portal process.
struct Browser {
    address: String,
    client: reqwest::Client,
}

impl Browser {
    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    async fn html(&self, path: &str) -> String {
        let resp = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "GET {path}");
        resp.text().await.unwrap()
    }

    async fn login(&self, email: &str) {
        let resp = self
            .post("/login", &[("email", email), ("password", PASSWORD)])
            .await;
        assert_eq!(resp.status(), 303, "login");
    }

    /// Register, confirm with the link from the outbox, log in.
    async fn new_user(&self, database_url: &str, email: &str) {
        let resp = self
            .post(
                "/register",
                &[
                    ("email", email),
                    ("password", PASSWORD),
                    ("mobile", "0701234567"),
                    ("name", "Kim Krasch"),
                    ("terms", "yes"),
                ],
            )
            .await;
        assert_eq!(resp.status(), 303);
        let mut body = None;
        eventually(
            "the confirmation is queued",
            Duration::from_secs(20),
            || {
                body = notifications::table
                    .filter(notifications::recipient.eq(email))
                    .filter(notifications::body_text.like("%/confirm?token=%"))
                    .select(notifications::body_text)
                    .first::<String>(&mut connect(database_url))
                    .ok();
                body.is_some()
            },
        )
        .await;
        let body = body.unwrap();
        let link = body
            .split_whitespace()
            .find(|w| w.contains("/confirm?token="))
            .unwrap();
        let path = &link[link.find("/confirm?").unwrap()..];
        self.html(path).await;
        self.login(email).await;
    }

    /// Through the wizard to "Bekräfta"; returns the permit id.
    async fn buy(&self, day_card_days: Option<&str>) -> i64 {
        let html = self.html("/permits/new").await;
        let csrf = hidden_value(&html, "csrf");
        let car_park = car_park(&html);
        let start = today().to_string();
        let mut form = vec![
            ("csrf", csrf.clone()),
            ("start", start),
            ("regnr", "ABC123".to_string()),
            ("car_park", car_park),
        ];
        match day_card_days {
            Some(days) => {
                form.push(("type", type_id(&html, "Anställda dagkort")));
                form.push(("days", days.to_string()));
            }
            None => {
                let t = type_id(&html, "Anställda månads/årskort");
                let details = self.html(&format!("/permits/new/details?type={t}")).await;
                form.push(("package", package_id(&details, "1 månad")));
                form.push(("type", t));
            }
        }
        let pairs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (*a, b.as_str())).collect();
        let review = self.post("/permits/new", &pairs).await;
        let review = crate::kit::flows::follow_review(&self.client, &self.address, review).await;
        assert_eq!(review.status(), 200);
        let fields = confirm_fields(&review.text().await.unwrap());
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let done = self.post("/permits/confirm", &pairs).await;
        assert_eq!(done.status(), 303);
        let location = done.headers()["location"].to_str().unwrap();
        location.trim_start_matches("/permits/").parse().unwrap()
    }

    async fn csrf(&self) -> String {
        hidden_value(&self.html("/settings").await, "csrf")
    }

    async fn pay(&self, permit: i64, csrf: &str) -> u16 {
        self.post(
            &format!("/permits/{permit}/pay"),
            &[
                ("csrf", csrf),
                ("method", "swish"),
                ("swish_number", "0701234567"),
            ],
        )
        .await
        .status()
        .as_u16()
    }

    /// "Skapa session" (htmx): 200 booked, 422 refused; an error when the process is gone.
    async fn book(&self, permit: i64, csrf: &str, days: &[NaiveDate]) -> reqwest::Result<u16> {
        let mut body = url::form_urlencoded::Serializer::new(String::new());
        body.append_pair("csrf", csrf)
            .append_pair("regnr", "ABC123");
        for d in days {
            body.append_pair("day", &d.to_string());
        }
        let resp = self
            .client
            .post(format!("{}/permits/{permit}/sessions", self.address))
            .header("HX-Request", "true")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.finish())
            .send()
            .await?;
        Ok(resp.status().as_u16())
    }
}

fn count_pending(database_url: &str) -> i64 {
    payments::table
        .filter(payments::status.eq("pending"))
        .count()
        .get_result(&mut connect(database_url))
        .unwrap()
}

/// Every paid permit has exactly one paid payment and one receipt for it; receipt numbers are
/// 1..n without a gap and the counter stands at n. Returns n.
fn assert_paid_once(database_url: &str) -> usize {
    let mut c = connect(database_url);
    let paid: Vec<(i64, i64)> = payments::table
        .filter(payments::status.eq("paid"))
        .select((payments::id, payments::permit_id))
        .load(&mut c)
        .unwrap();
    let recs: Vec<(i64, i64, i64)> = receipts::table
        .order(receipts::number)
        .select((receipts::number, receipts::payment_id, receipts::permit_id))
        .load(&mut c)
        .unwrap();
    let paid_permits: Vec<i64> = permits::table
        .filter(permits::state.eq("paid"))
        .select(permits::id)
        .load(&mut c)
        .unwrap();
    for permit in &paid_permits {
        let pays: Vec<i64> = paid
            .iter()
            .filter(|p| p.1 == *permit)
            .map(|p| p.0)
            .collect();
        assert_eq!(pays.len(), 1, "permit {permit}: one paid payment");
        let rs: Vec<&(i64, i64, i64)> = recs.iter().filter(|r| r.2 == *permit).collect();
        assert_eq!(rs.len(), 1, "permit {permit}: one receipt");
        assert_eq!(rs[0].1, pays[0], "the receipt is for the paid payment");
    }
    assert_eq!(paid.len(), paid_permits.len(), "no payment paid twice");
    let numbers: Vec<i64> = recs.iter().map(|r| r.0).collect();
    assert_eq!(numbers, (1..=recs.len() as i64).collect::<Vec<_>>());
    let counter: i64 = counters::table
        .find("receipt")
        .select(counters::value)
        .first(&mut c)
        .unwrap();
    assert_eq!(counter, recs.len() as i64, "no receipt number lost");
    recs.len()
}

/// Each day at most once per card, `days_used` = its sessions ≤ days bought. Returns the
/// days used per card.
fn assert_bookings_consistent(database_url: &str) -> BTreeMap<i64, i32> {
    let mut c = connect(database_url);
    let cards: Vec<(i64, Option<i32>, i32)> = permits::table
        .filter(permits::kind.eq("day"))
        .select((permits::id, permits::days_bought, permits::days_used))
        .load(&mut c)
        .unwrap();
    let sessions: Vec<(i64, NaiveDate)> = day_sessions::table
        .select((day_sessions::permit_id, day_sessions::day))
        .load(&mut c)
        .unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for s in &sessions {
        assert!(seen.insert(*s), "{s:?} booked twice");
    }
    let mut used = BTreeMap::new();
    for (id, bought, days_used) in cards {
        let n = sessions.iter().filter(|s| s.0 == id).count() as i32;
        assert_eq!(days_used, n, "card {id}: days_used = its sessions");
        assert!(days_used <= bought.unwrap(), "card {id}: never over");
        used.insert(id, days_used);
    }
    used
}

#[actix_web::test]
async fn killed_twice_in_the_middle_of_payments_each_permit_is_paid_once() {
    let (_db, url) = TestDb::create();
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(&url, dir.path(), "1500").await;
    let mut buyers = Vec::new();
    for i in 0..3 {
        let b = portal.browser();
        let email = format!("kill{i}@regionvastmanland.se");
        b.new_user(&url, &email).await;
        let permit = b.buy(None).await;
        let csrf = b.csrf().await;
        buyers.push((b, email, permit, csrf));
    }
    // All three press "Betala nu" at once; Swish's payer answers after 1.5 s.
    let statuses = futures_util::future::join_all(
        buyers
            .iter()
            .map(|(b, _, permit, csrf)| b.pay(*permit, csrf)),
    )
    .await;
    assert_eq!(statuses, vec![303, 303, 303]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    portal.kill();
    assert_eq!(
        count_pending(&url),
        3,
        "killed while all three were pending"
    );

    // Started again: it picks the payments up. Killed again the moment the first outcome is
    // written (the poller is in the middle of its round), and started once more.
    let portal = Portal::start(&url, dir.path(), "1500").await;
    eventually("a first payment paid", after_leases(&url), || {
        count_pending(&url) < 3
    })
    .await;
    portal.kill();
    let portal = Portal::start(&url, dir.path(), "1500").await;
    eventually("every payment final", after_leases(&url), || {
        count_pending(&url) == 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(assert_paid_once(&url), 3);
    let mut c = connect(&url);
    let attempts: i64 = payments::table.count().get_result(&mut c).unwrap();
    assert_eq!(attempts, 3, "no new attempt was made");
    // The receipt e-mail: one row per buyer, sent once.
    eventually("the receipts are sent", after_leases(&url), || {
        notifications::table
            .filter(notifications::kind.eq("payment_received"))
            .filter(notifications::status.eq("sent"))
            .count()
            .get_result::<i64>(&mut connect(&url))
            .unwrap()
            == 3
    })
    .await;
    for (_, email, permit, _) in &buyers {
        let rows: i64 = notifications::table
            .filter(notifications::kind.eq("payment_received"))
            .filter(notifications::recipient.eq(email))
            .count()
            .get_result(&mut c)
            .unwrap();
        assert_eq!(rows, 1, "{email}: one receipt notification");
        // The new process shows the permit paid, with its receipt.
        let b = portal.browser();
        b.login(email).await;
        let page = b.html(&format!("/permits/{permit}")).await;
        assert!(page.contains(&format!("/permits/{permit}/receipt")));
    }
}

#[actix_web::test]
async fn killed_in_the_middle_of_bookings_no_day_is_booked_twice() {
    let (_db, url) = TestDb::create();
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(&url, dir.path(), "50").await;
    let b = portal.browser();
    let email = "bokning@regionvastmanland.se";
    b.new_user(&url, email).await;
    let card = b.buy(Some("10")).await;
    let csrf = b.csrf().await;
    assert_eq!(b.pay(card, &csrf).await, 303);
    eventually("the day card is paid", Duration::from_secs(15), || {
        count_pending(&url) == 0
    })
    .await;
    assert_eq!(assert_paid_once(&url), 1);

    // 30 overlapping bookings of 2 days each over the next 15 days, and SIGKILL among them.
    let day = |n: i64| today() + chrono::Duration::days(n);
    let burst = futures_util::future::join_all((0..30).map(|i| {
        let days = [day(1 + i % 15), day(1 + (i + 7) % 15)];
        let (b, csrf) = (&b, &csrf);
        async move { b.book(card, csrf, &days).await }
    }));
    let killer = async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        portal.kill();
    };
    let (results, ()) = futures_util::future::join(burst, killer).await;
    for r in results.iter().flatten() {
        assert!(matches!(*r, 200 | 422), "booked or refused, never {r}");
    }
    let before = assert_bookings_consistent(&url)[&card];

    // Started again: the counter and the sessions still agree, and exactly the rest can be
    // booked, one day at a time.
    let portal = Portal::start(&url, dir.path(), "50").await;
    let b = portal.browser();
    b.login(email).await;
    let csrf = b.csrf().await;
    let mut booked = 0;
    for n in 1..=20 {
        match b.book(card, &csrf, &[day(n)]).await.unwrap() {
            200 => booked += 1,
            422 => {}
            other => panic!("booking answered {other}"),
        }
    }
    assert_eq!(
        before + booked,
        10,
        "{before} before the kill, {booked} after"
    );
    assert_eq!(assert_bookings_consistent(&url)[&card], 10);
}

#[actix_web::test]
async fn many_writers_at_once_never_get_a_500() {
    let app = spawn_app_with(&[("SWISH_SIM_DELAY_MS", "200")]).await;
    app.logged_in_user("skrivare@regionvastmanland.se").await;
    let start = today().to_string();
    // Ten unpaid monthly permits, each of a buyer of its own (one unpaid order per buyer, car
    // park and type), on clients of their own.
    let mut monthly = Vec::new();
    for i in 0..10 {
        let c = client(&app.address);
        let email = format!("skrivare{i}@regionvastmanland.se");
        crate::kit::flows::register_confirm_login(&c, &app.address, &email, app.inbox()).await;
        let order = crate::kit::flows::Order {
            type_name: "Anställda månads/årskort",
            package: Some("1 månad"),
            days: None,
            start: &start,
            regnr: "ABC123",
        };
        let location = crate::kit::flows::buy_permit(&c, &app.address, &order).await;
        let csrf = crate::kit::flows::csrf(&c, &app.address).await;
        // Half are paid already (their number can change), half get paid in the burst.
        if i >= 5 {
            let paid =
                crate::kit::flows::pay_swish(&c, &app.address, &csrf, &location, "0701234567");
            assert_eq!(paid.await.status(), 303);
            let url = app.database_url.clone();
            eventually("the permit is paid", Duration::from_secs(15), || {
                count_pending(&url) == 0
            })
            .await;
        }
        monthly.push((location, c, csrf));
    }
    let mut cards = Vec::new();
    for _ in 0..4 {
        let html = buy_day_card(&app, today(), "5").await.text().await.unwrap();
        let location = confirm(&app, &html).await.headers()["location"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(pay(&app, &location, "0701234567").await.status(), 303);
        cards.push(location);
        // Paid before the next is ordered: one unpaid order per buyer, car park and type.
        let url = app.database_url.clone();
        eventually("the day card is paid", Duration::from_secs(15), || {
            count_pending(&url) == 0
        })
        .await;
    }
    let url = app.database_url.clone();
    let csrf = app.csrf().await;

    // 20 registration-number changes (on the paid permits), 12 bookings and 5 payments (of
    // the unpaid ones), all at once.
    let mut requests = Vec::new();
    for (i, (permit, c, csrf)) in monthly.iter().enumerate() {
        for regnr in ["XYZ789", "DEF456", "XYZ789", "DEF456"] {
            if i < 5 {
                break;
            }
            requests.push(
                c.post(app.url(&format!("{permit}/regnr")))
                    .header("HX-Request", "true")
                    .form(&[("csrf", csrf.as_str()), ("regnr", regnr)]),
            );
        }
        if i < 5 {
            requests.push(c.post(app.url(&format!("{permit}/pay"))).form(&[
                ("csrf", csrf.as_str()),
                ("method", "swish"),
                ("swish_number", "0701234567"),
            ]));
        }
    }
    for card in &cards {
        for n in 1..=3 {
            let day = (today() + chrono::Duration::days(n)).to_string();
            requests.push(
                app.client
                    .post(app.url(&format!("{card}/sessions")))
                    .header("HX-Request", "true")
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("regnr", "ABC123"),
                        ("day", day.as_str()),
                    ]),
            );
        }
    }
    assert_eq!(requests.len(), 37);
    let statuses = futures_util::future::join_all(
        requests
            .into_iter()
            .map(|r| async move { r.send().await.unwrap().status().as_u16() }),
    )
    .await;
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 303)),
        "every write done, none refused or failed: {statuses:?}"
    );
    let mut c = app.conn();
    for (permit, ..) in &monthly[5..] {
        let id: i64 = permit.rsplit('/').next().unwrap().parse().unwrap();
        let regnr: String = permits::table
            .find(id)
            .select(permits::regnr)
            .first(&mut c)
            .unwrap();
        assert!(regnr == "XYZ789" || regnr == "DEF456", "{regnr}");
    }
    let used = assert_bookings_consistent(&url);
    assert!(used.values().all(|u| *u == 3), "{used:?}");
    eventually("the payments are final", Duration::from_secs(15), || {
        count_pending(&url) == 0
    })
    .await;
    assert_eq!(assert_paid_once(&url), 4 + 5 + 5);
}

#[actix_web::test]
async fn mail_queued_while_smtp_is_down_reaches_each_recipient_once_from_two_instances() {
    let app = spawn_app_with(&[("SWISH_SIM_DELAY_MS", "50")]).await;
    let emails: Vec<String> = (0..3)
        .map(|i| format!("nere{i}@regionvastmanland.se"))
        .collect();
    for email in &emails {
        assert_eq!(app.register(email, PASSWORD).await.status(), 303);
        let link = app.smtp().wait_for(email).await.link("/confirm?token=");
        assert_eq!(app.client.get(&link).send().await.unwrap().status(), 200);
    }
    app.smtp().set_up(false);
    // While the mail server is down: a receipt per buyer (from the permit's actor) and a
    // password reset link (from a web request).
    for email in &emails {
        assert_eq!(app.login(email, PASSWORD).await.status(), 303);
        let html = review(
            &app,
            "Anställda månads/årskort",
            "1 månad",
            &today().to_string(),
            "ABC123",
        )
        .await
        .text()
        .await
        .unwrap();
        let permit = confirm(&app, &html).await.headers()["location"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(pay(&app, &permit, "0701234567").await.status(), 303);
        let csrf = app.csrf().await;
        app.post_form("/logout", &[("csrf", csrf.as_str())]).await;
        app.post_form("/forgot-password", &[("email", email.as_str())])
            .await;
    }
    // A second instance on the same database and mail server; both retry the same rows.
    let smtp_url = app.smtp().url();
    let second = parkportal::Application::build(test_settings(
        &app.database_url,
        &[("SMTP_URL", &smtp_url), ("NOTIFY_RETRY_BASE_MS", "100")],
    ))
    .await
    .unwrap();
    actix_web::rt::spawn(second.run_until_stopped());
    let url = app.database_url.clone();
    let waiting = |url: &str| -> Vec<outbox::NotificationRow> {
        notifications::table
            .filter(notifications::status.eq("pending"))
            .select(outbox::NotificationRow::as_select())
            .load(&mut connect(url))
            .unwrap()
    };
    eventually(
        "six mails waiting, each tried twice",
        Duration::from_secs(20),
        || {
            let rows = waiting(&url);
            rows.len() == 6 && rows.iter().all(|r| r.attempts >= 2)
        },
    )
    .await;
    let received_while_down = app.smtp().all().len();
    assert_eq!(received_while_down, 3, "only the confirmations so far");
    app.smtp().set_up(true);
    eventually("everything delivered", Duration::from_secs(20), || {
        waiting(&url).is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Each row was delivered exactly once: what the server got matches the outbox.
    let rows: Vec<outbox::NotificationRow> = notifications::table
        .select(outbox::NotificationRow::as_select())
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(rows.len(), 9);
    let mut expected: BTreeMap<(String, String), usize> = BTreeMap::new();
    for r in &rows {
        assert_eq!(
            r.status,
            NotificationStatus::Sent,
            "{} to {}",
            r.kind,
            r.recipient
        );
        *expected
            .entry((r.recipient.clone(), r.subject.clone()))
            .or_default() += 1;
    }
    let mut got: BTreeMap<(String, String), usize> = BTreeMap::new();
    for m in app.smtp().all() {
        *got.entry((m.to[0].clone(), m.subject())).or_default() += 1;
    }
    assert_eq!(got, expected);
}

/// Two instances read the same due list; one polls (or tries to send) and gives the row back
/// with a later time. The other must not take it again in the same round.
#[actix_web::test]
async fn a_row_given_back_by_another_instance_is_not_taken_again_before_it_is_due() {
    // After its first failed attempt the mailbox leaves the row alone for ten minutes; this
    // test plays both instances on it with times from the future.
    let app = spawn_app_with(&[
        ("SWISH_SIM_DELAY_MS", "60000"),
        ("NOTIFY_RETRY_BASE_MS", "600000"),
    ])
    .await;
    let permit = crate::permits::bought_permit(&app, "lease@regionvastmanland.se").await;
    assert_eq!(pay(&app, &permit, "0701234567").await.status(), 303);
    app.smtp().set_up(false);
    let csrf = app.csrf().await;
    app.post_form("/logout", &[("csrf", csrf.as_str())]).await;
    app.post_form(
        "/forgot-password",
        &[("email", "lease@regionvastmanland.se")],
    )
    .await;
    app.stop().await;
    let mut c = app.conn();
    let lease = chrono::Duration::seconds(60);

    // Past any lease the stopped poller may have left.
    let now = parkportal::clock::now() + chrono::Duration::seconds(120);
    let due = db_payments::due(&mut c, now, 100).unwrap();
    assert_eq!(due.len(), 1);
    let id = due[0].id;
    // Instance B: leases, polls, gives it back for a poll a second later.
    assert!(db_payments::lease(&mut c, id, now, lease).unwrap());
    db_payments::reschedule(&mut c, id, now + chrono::Duration::seconds(1)).unwrap();
    // Instance A, with the same (now stale) list: not yet.
    assert!(!db_payments::lease(&mut c, id, now, lease).unwrap());
    // When it is due again, whoever comes first.
    let later = now + chrono::Duration::seconds(2);
    assert!(db_payments::lease(&mut c, id, later, lease).unwrap());

    eventually(
        "the reset mail failed once",
        Duration::from_secs(10),
        || {
            notifications::table
                .filter(notifications::kind.eq("password_reset"))
                .select(notifications::attempts)
                .first::<i32>(&mut connect(&app.database_url))
                .is_ok_and(|a| a >= 1)
        },
    )
    .await;
    let now = parkportal::clock::now() + chrono::Duration::seconds(3600);
    let row = outbox::due(&mut c, now, 50)
        .unwrap()
        .into_iter()
        .find(|r| r.kind == "password_reset")
        .unwrap();
    assert!(outbox::lease(&mut c, row.id, now, lease).unwrap());
    outbox::mark_attempt_failed(&mut c, row.id, "SMTP: down", Some(now + lease), now).unwrap();
    assert!(!outbox::lease(&mut c, row.id, now, lease).unwrap());
    assert!(outbox::lease(&mut c, row.id, now + lease, lease).unwrap());
}

/// A Swish API whose first connection dies without an answer (as a kept-alive connection that
/// the other side closes just when it is used) or answers 408 (an idle connection it timed
/// out); afterwards it answers properly, and it only knows the payment requests whose PUT it
/// answered.
struct DroppingSwish {
    port: u16,
    puts: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl DroppingSwish {
    async fn start(first_answer: Option<&'static str>) -> DroppingSwish {
        use std::sync::atomic::Ordering::SeqCst;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let puts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let created = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let p = puts.clone();
        actix_web::rt::spawn(async move {
            let mut first = true;
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut buf = vec![0u8; 16384];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).into_owned();
                let line = req.lines().next().unwrap_or_default().to_string();
                let id = line
                    .split(' ')
                    .nth(1)
                    .unwrap_or_default()
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_string();
                if line.starts_with("PUT") {
                    p.fetch_add(1, SeqCst);
                    if first {
                        first = false;
                        if let Some(status) = first_answer {
                            let resp = format!(
                                "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                            );
                            let _ = stream.write_all(resp.as_bytes()).await;
                        }
                        drop(stream);
                        continue;
                    }
                    created.lock().unwrap().push(id.clone());
                }
                let known = created.lock().unwrap().contains(&id);
                let (status, body) = if line.starts_with("PUT") {
                    ("201 Created", String::new())
                } else if known {
                    ("200 OK", serde_json::json!({"id": id, "status": "PAID", "amount": 350.00, "currency": "SEK", "paymentReference": "REF"}).to_string())
                } else {
                    ("404 Not Found", String::new())
                };
                let resp = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(resp.as_bytes()).await;
            }
        });
        DroppingSwish { port, puts }
    }
}

#[actix_web::test]
async fn a_swish_request_cut_off_before_an_answer_is_sent_again_and_paid() {
    for (first_answer, email) in [
        (None, "avbruten@regionvastmanland.se"),
        (
            Some("408 Request Timeout"),
            "timeout408@regionvastmanland.se",
        ),
    ] {
        swish_cut_off_once(first_answer, email).await;
    }
}

async fn swish_cut_off_once(first_answer: Option<&'static str>, email: &str) {
    let swish = DroppingSwish::start(first_answer).await;
    let dir = tempfile::tempdir().unwrap();
    let cert = crate::swish::test_certificate(dir.path(), "pw");
    let api = format!("http://127.0.0.1:{}/swish-cpcapi/", swish.port);
    let app = spawn_app_with(&[
        ("SWISH_API_URL", &api),
        ("SWISH_CERT_P12", &cert),
        ("SWISH_CERT_PASSWORD", "pw"),
        ("SWISH_PAYEE_ALIAS", "1231181189"),
        (
            "SWISH_CALLBACK_URL",
            "https://parkering.example.se/callbacks/swish",
        ),
    ])
    .await;
    let permit = crate::permits::bought_permit(&app, email).await;
    assert_eq!(pay(&app, &permit, "0701234567").await.status(), 303);
    assert_eq!(
        swish.puts.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "sent again after the cut"
    );
    let url = app.database_url.clone();
    eventually("paid", Duration::from_secs(10), || count_pending(&url) == 0).await;
    assert_eq!(assert_paid_once(&url), 1);
}

/// Connections are not tested on their way out of the pool (no `SELECT 1` per request), so
/// a PostgreSQL connection cut behind the pool's back (a server restart, a network cut)
/// must be found out when its work fails and dropped: after every connection of the server
/// has been ended, a few requests may fail, then every request works again. (SQLite has no
/// connection to cut.)
#[actix_web::test]
async fn connections_cut_behind_the_pool_are_dropped_not_reused() {
    use diesel::RunQueryDsl;
    let app = crate::kit::spawn::spawn_app().await;
    if !app.database_url.starts_with("postgres") {
        return;
    }
    app.logged_in_user("cut@example.com").await;
    // Fill the pool: parallel page loads check out several connections.
    let loads = (0..8).map(|_| app.get("/"));
    for r in futures_util::future::join_all(loads).await {
        assert_eq!(r.status(), 200);
    }
    let mut admin = app.conn();
    let ended: Vec<BackendEnded> = diesel::sql_query(
        "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .load(&mut admin)
    .unwrap();
    assert!(!ended.is_empty(), "the portal's connections were ended");
    // Each cut connection can fail the one request that finds it; the pool has at most
    // `pool_size` of them.
    let mut failures = 0;
    let mut ok_in_a_row = 0;
    for _ in 0..(parkportal::db::pool_size(
        &parkportal::settings::DatabaseUrl::parse(&app.database_url).unwrap(),
    ) * 2
        + 10)
    {
        if app.get("/").await.status() == 200 {
            ok_in_a_row += 1;
        } else {
            failures += 1;
            ok_in_a_row = 0;
        }
        if ok_in_a_row == 10 {
            break;
        }
    }
    assert_eq!(
        ok_in_a_row, 10,
        "requests work again ({failures} failed first)"
    );
    assert!(
        failures as usize <= ended.len(),
        "{failures} failures for {} cut",
        ended.len()
    );
}

#[derive(diesel::QueryableByName)]
struct BackendEnded {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    #[allow(dead_code)]
    ended: bool,
}
