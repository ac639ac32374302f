//! Throughput: requests per second and latency (p50, p99) at 64 concurrent connections, for an
//! actix-web hello-world (the baseline, in this same process on its own port) and for the
//! portal's logged-in home page, a permit page, a calendar swap and the check API, each also
//! as a ratio to the baseline, all measured in one run on the same machine.
//!
//! Run: `cargo bench --bench throughput` (release; SQLite in a temp dir).
//! Knobs: `THROUGHPUT_SECS` (default 5) per target, `THROUGHPUT_CONNECTIONS` (default 64).
//!
//! The load generator is one thread of its own (a current-thread tokio runtime with one
//! reqwest client per target, keep-alive connections); the servers run on their own worker
//! threads. Every request says `Accept-Encoding: br, gzip`, as a browser does, so the portal
//! pays for compressing its pages. Before each target is measured, it is warmed for 1 s.

#[path = "../tests/kit/mod.rs"]
mod kit;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::{App, HttpServer, web};
use reqwest::header::{HeaderMap, HeaderValue};

use kit::db::TestDb;
use kit::flows::Customer;
use kit::measure::{env_or, percentile};

const CHECK_KEY: &str = "benchkey-0123456789abcdef-0123456";

struct Target {
    name: String,
    url: String,
    client: reqwest::Client,
    headers: HeaderMap,
}

struct Measured {
    requests: usize,
    errors: u64,
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

/// `connections` loops, each sending one request after the other for `duration`.
async fn run(t: &Target, connections: usize, duration: Duration) -> Measured {
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let stop = start + duration;
    let mut loops = Vec::new();
    for _ in 0..connections {
        let client = t.client.clone();
        let url = t.url.clone();
        let headers = t.headers.clone();
        let errors = errors.clone();
        loops.push(tokio::spawn(async move {
            let mut times = Vec::new();
            while Instant::now() < stop {
                let sent = Instant::now();
                let ok = match client.get(&url).headers(headers.clone()).send().await {
                    Ok(resp) => resp.status() == 200 && resp.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if ok {
                    times.push(sent.elapsed());
                } else {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            times
        }));
    }
    let mut times = Vec::new();
    for l in loops {
        times.extend(l.await.unwrap());
    }
    let elapsed = start.elapsed();
    times.sort();
    Measured {
        requests: times.len(),
        errors: errors.load(Ordering::Relaxed),
        per_second: times.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&times, 0.50),
        p99: percentile(&times, 0.99),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Sets up a customer with a paid monthly permit and a paid day card, then measures every
/// target, the baseline first.
async fn load(portal: String, baseline: String, secs: u64, connections: usize) {
    let me = Customer::sign_up(&portal, "last@regionvastmanland.se").await;
    let permit = me
        .buy("Anställda månads/årskort", Some("1 månad"), None)
        .await;
    me.start_swish_payment(&permit).await;
    me.wait_until_paid(&permit).await;
    let day_card = me.buy("Anställda dagkort", None, Some("5")).await;
    me.start_swish_payment(&day_card).await;
    me.wait_until_paid(&day_card).await;

    let mut browser = HeaderMap::new();
    browser.insert("Accept-Encoding", HeaderValue::from_static("br, gzip"));
    let mut htmx = browser.clone();
    htmx.insert("HX-Request", HeaderValue::from_static("true"));
    let mut api = browser.clone();
    api.insert(
        "Authorization",
        HeaderValue::from_str(&format!("Bearer {CHECK_KEY}")).unwrap(),
    );
    let plain = kit::client::client(&baseline);
    let page = |name: &str, url: String, headers: &HeaderMap| Target {
        name: name.into(),
        url,
        client: me.client.clone(),
        headers: headers.clone(),
    };
    let mut targets = vec![
        Target {
            name: "baseline: actix-web hello world".into(),
            url: format!("{baseline}/"),
            client: plain.clone(),
            headers: browser.clone(),
        },
        page("home page (logged in)", me.url("/"), &browser),
        page("permit page", me.url(&permit), &browser),
        page(
            "calendar swap (HX-Request)",
            me.url(&format!("{day_card}/calendar")),
            &htmx,
        ),
    ];
    let check = format!("{portal}/api/v1/check?regnr=ABC123");
    let probe = plain
        .get(&check)
        .headers(api.clone())
        .send()
        .await
        .unwrap()
        .status();
    if probe == 404 {
        println!("check API: not available (GET /api/v1/check answers 404)");
    } else if probe != 200 {
        println!("check API: answers {probe}, not measured");
    } else {
        targets.push(Target {
            name: "check API".into(),
            url: check,
            client: plain.clone(),
            headers: api,
        });
    }

    println!("throughput: {connections} concurrent connections, {secs} s per target");
    println!(
        "{:<34} {:>9} {:>9} {:>10} {:>10} {:>8} {:>7} {:>7} {:>6}",
        "target", "requests", "req/s", "p50", "p99", "req/s %", "p50 ×", "p99 ×", "errors"
    );
    let mut base: Option<Measured> = None;
    for t in &targets {
        // Responses must be what is meant before anything is counted.
        let resp = t
            .client
            .get(&t.url)
            .headers(t.headers.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{}: {}", t.name, t.url);
        let _ = run(t, connections, Duration::from_secs(1)).await;
        let m = run(t, connections, Duration::from_secs(secs)).await;
        let b = base.as_ref().unwrap_or(&m);
        println!(
            "{:<34} {:>9} {:>9.0} {:>10} {:>10} {:>7.1}% {:>7.1} {:>7.1} {:>6}",
            t.name,
            m.requests,
            m.per_second,
            ms(m.p50),
            ms(m.p99),
            100.0 * m.per_second / b.per_second,
            m.p50.as_secs_f64() / b.p50.as_secs_f64(),
            m.p99.as_secs_f64() / b.p99.as_secs_f64(),
            m.errors
        );
        if base.is_none() {
            base = Some(m);
        }
    }
}

fn main() {
    let secs: u64 = env_or("THROUGHPUT_SECS", 5);
    let connections: usize = env_or("THROUGHPUT_CONNECTIONS", 64);
    actix_web::rt::System::new().block_on(async move {
        let hello =
            HttpServer::new(|| App::new().route("/", web::get().to(|| async { "Hello, world!" })))
                .bind("127.0.0.1:0")
                .unwrap();
        let baseline = format!("http://{}", hello.addrs()[0]);
        actix_web::rt::spawn(hello.run());
        // One key from one address: the check API's rate limit is set out of the way.
        let portal = kit::spawn::spawn_on(
            TestDb::sqlite(),
            &[
                ("CHECK_API_KEYS", CHECK_KEY),
                ("CHECK_API_RATE_PER_MINUTE", "1000000"),
                ("SWISH_SIM_DELAY_MS", "100"),
            ],
            None,
        )
        .await;

        // The load generator runs on a thread of its own, away from the servers' threads.
        let (done, finished) = tokio::sync::oneshot::channel();
        let address = portal.address.clone();
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(load(address, baseline, secs, connections));
            let _ = done.send(());
        });
        finished.await.expect("the load generator finished");
        drop(portal);
    });
}
