//! Throughput: requests per second and latency (p50, p99) at 64 concurrent connections, as a
//! phone asks (`Accept-Encoding: br, gzip`), for an actix-web hello world (the baseline, in
//! this process on its own port) and for the portal: `/health`, the login page, the logged-in
//! home page, a permit page, a calendar swap and the check API, each also as a ratio to the
//! baseline; then a login storm (32 concurrent logins) with the home page's latency meanwhile;
//! and the portal's memory (RSS) idle, after the pages and after the storm. On SQLite, and on
//! PostgreSQL when a server answers, all in one run on the same machine. The baseline is
//! measured again just before each database's targets, which are set against that one: a
//! shared development machine's speed drifts within minutes (35–51k req/s for the baseline in
//! one morning), and a baseline measured long before moved every share with it.
//!
//! Run: `cargo bench --bench throughput`. The portal is the release binary itself
//! (`CARGO_BIN_EXE_parkportal`) in a process of its own, so its RSS is its own.
//! Each portal row also says the portal's CPU time per request (user + system, from
//! `/proc/<pid>/stat`), which moves less than req/s with what else the machine runs, so two
//! builds compare best by it. `THROUGHPUT_BIN` runs another build of the portal instead of this
//! one's (e.g. a copy of `target/release/parkportal` made before a change).
//! Knobs: `THROUGHPUT_SECS` (default 5) per target, `THROUGHPUT_CONNECTIONS` (default 64),
//! `THROUGHPUT_PG` (the PostgreSQL server, default `postgres://postgres@127.0.0.1:5432/postgres`;
//! `none` to skip it), `STORM_USERS` (default 32), `THROUGHPUT_ONLY` (measure only the targets
//! whose name contains it, e.g. `home` while a profiler watches), and any `MALLOC_*` variable, which is passed
//! on to the portal (e.g. `MALLOC_MMAP_THRESHOLD_=131072`, to compare with `src/memory.rs`).
//!
//! The load generator is one thread of its own (a current-thread tokio runtime, keep-alive
//! connections); every target is warmed for 1 s before it is measured.

#[path = "../tests/kit/mod.rs"]
mod kit;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::{App, HttpServer, web};
use reqwest::header::{HeaderMap, HeaderValue};

use kit::db::TestDb;
use kit::flows::{self, Customer, PASSWORD};
use kit::measure::{env_or, percentile};

const CHECK_KEY: &str = "benchkey-0123456789abcdef-0123456";

/// The portal's release binary in a process of its own.
struct Portal {
    child: Child,
    address: String,
    _db: TestDb,
    _dir: tempfile::TempDir,
}

impl Portal {
    fn start(db: TestDb, database_url: &str) -> Portal {
        let port = kit::spawn::free_port();
        let address = format!("http://127.0.0.1:{port}");
        let dir = tempfile::tempdir().unwrap();
        let bin = std::env::var("THROUGHPUT_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_parkportal").to_string());
        let mut cmd = Command::new(bin);
        cmd.env_clear()
            .current_dir(dir.path())
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("PUBLIC_URL", &address)
            .env("DATABASE_URL", database_url)
            .env("CHECK_API_KEYS", CHECK_KEY)
            // One key from one address: the check API's rate limit is set out of the way.
            .env("CHECK_API_RATE_PER_MINUTE", "1000000")
            .env("SWISH_SIM_DELAY_MS", "100")
            .env("RUST_LOG", "error");
        for (k, v) in std::env::vars().filter(|(k, _)| k.starts_with("MALLOC_")) {
            cmd.env(k, v);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary starts");
        Portal {
            child,
            address,
            _db: db,
            _dir: dir,
        }
    }

    async fn wait_until_up(&mut self) {
        let probe = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("parkportal exited at start: {status}");
            }
            if let Ok(r) = probe.get(format!("{}/health", self.address)).send().await
                && r.status() == 200
            {
                return;
            }
            assert!(Instant::now() < deadline, "parkportal never answered");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// CPU time the portal's process has used so far (user + system).
    fn cpu(&self) -> Duration {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // After the command name (in parentheses) come the state (field 3) and the rest:
        // utime and stime are fields 14 and 15 (proc(5)).
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok());
        let ticks = field(14).zip(field(15)).map_or(0, |(u, s)| u + s);
        // SAFETY: sysconf only reads a system constant.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
        Duration::from_micros(ticks * 1_000_000 / per_second)
    }

    /// Resident memory of the portal's process, in MB.
    fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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

/// `connections` loops, each sending one request after the other until `stop`.
async fn run_until(t: &Target, connections: usize, stop: Instant) -> Measured {
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
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
                let failure = match client.get(&url).headers(headers.clone()).send().await {
                    Ok(resp) if resp.status() != 200 => Some(format!("status {}", resp.status())),
                    Ok(resp) => resp.bytes().await.err().map(|e| e.to_string()),
                    Err(e) => Some(e.to_string()),
                };
                match failure {
                    None => times.push(sent.elapsed()),
                    Some(why) => {
                        if errors.fetch_add(1, Ordering::Relaxed) == 0 {
                            eprintln!("{url}: {why}");
                        }
                    }
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

async fn run(t: &Target, connections: usize, duration: Duration) -> Measured {
    run_until(t, connections, Instant::now() + duration).await
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn header() {
    println!(
        "{:<34} {:>9} {:>9} {:>10} {:>10} {:>8} {:>7} {:>7} {:>6} {:>11}",
        "target",
        "requests",
        "req/s",
        "p50",
        "p99",
        "req/s %",
        "p50 ×",
        "p99 ×",
        "errors",
        "CPU µs/req"
    );
}

/// One row; `cpu` is the portal's CPU time while `m` was measured (none for the baseline).
fn row(name: &str, m: &Measured, base: &Measured, cpu: Option<Duration>) {
    let cpu = cpu.map_or("-".to_string(), |c| {
        format!("{:.0}", c.as_secs_f64() * 1e6 / m.requests.max(1) as f64)
    });
    println!(
        "{:<34} {:>9} {:>9.0} {:>10} {:>10} {:>7.1}% {:>7.1} {:>7.1} {:>6} {:>11}",
        name,
        m.requests,
        m.per_second,
        ms(m.p50),
        ms(m.p99),
        100.0 * m.per_second / base.per_second,
        m.p50.as_secs_f64() / base.p50.as_secs_f64(),
        m.p99.as_secs_f64() / base.p99.as_secs_f64(),
        m.errors,
        cpu
    );
}

fn phone() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("Accept-Encoding", HeaderValue::from_static("br, gzip"));
    h
}

/// Measures the baseline, just before a backend's targets: that backend's rows are set
/// against it.
async fn baseline(address: &str, secs: u64, connections: usize) -> Measured {
    let t = Target {
        name: "  baseline: actix-web hello world".into(),
        url: format!("{address}/"),
        client: kit::client::client(address),
        headers: phone(),
    };
    let _ = run(&t, connections, Duration::from_secs(1)).await;
    let m = run(&t, connections, Duration::from_secs(secs)).await;
    row(&t.name, &m, &m, None);
    m
}

/// One backend: a customer with a paid monthly permit and a paid day card, every target, the
/// login storm, and the memory at each stage.
async fn portal_run(mut portal: Portal, base: &Measured, secs: u64, connections: usize) {
    portal.wait_until_up().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = portal.rss_mb();
    let address = portal.address.clone();

    let me = Customer::sign_up(&address, "last@regionvastmanland.se").await;
    let permit = me
        .buy("Anställda månads/årskort", Some("1 månad"), None)
        .await;
    me.start_swish_payment(&permit).await;
    me.wait_until_paid(&permit).await;
    let day_card = me.buy("Anställda dagkort", None, Some("5")).await;
    me.start_swish_payment(&day_card).await;
    me.wait_until_paid(&day_card).await;

    let browser = phone();
    let mut htmx = browser.clone();
    htmx.insert("HX-Request", HeaderValue::from_static("true"));
    let mut api = browser.clone();
    api.insert(
        "Authorization",
        HeaderValue::from_str(&format!("Bearer {CHECK_KEY}")).unwrap(),
    );
    let anonymous = kit::client::client(&address);
    let page = |name: &str, url: String, headers: &HeaderMap| Target {
        name: name.into(),
        url,
        client: me.client.clone(),
        headers: headers.clone(),
    };
    let targets = [
        Target {
            name: "/health".into(),
            url: format!("{address}/health"),
            client: anonymous.clone(),
            headers: browser.clone(),
        },
        Target {
            name: "login page".into(),
            url: format!("{address}/"),
            client: anonymous.clone(),
            headers: browser.clone(),
        },
        page("home page (logged in)", me.url("/"), &browser),
        page("permit page", me.url(&permit), &browser),
        page(
            "calendar swap (HX-Request)",
            me.url(&format!("{day_card}/calendar")),
            &htmx,
        ),
        Target {
            name: "check API".into(),
            url: format!("{address}/api/v1/check?regnr=ABC123"),
            client: anonymous.clone(),
            headers: api,
        },
    ];

    let only = std::env::var("THROUGHPUT_ONLY").unwrap_or_default();
    for t in targets.iter().filter(|t| t.name.contains(&only)) {
        // Responses must be what is meant before anything is counted.
        let resp = t
            .client
            .get(&t.url)
            .headers(t.headers.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{}: {}", t.name, t.url);
        if t.name != "/health" && t.name != "check API" {
            let encoding = resp.headers().get("content-encoding").cloned();
            assert!(
                encoding.as_ref().is_some_and(|e| e == "br" || e == "gzip"),
                "{} is sent compressed: {encoding:?}",
                t.name
            );
        }
        let _ = run(t, connections, Duration::from_secs(1)).await;
        let cpu = portal.cpu();
        let m = run(t, connections, Duration::from_secs(secs)).await;
        row(&format!("  {}", t.name), &m, base, Some(portal.cpu() - cpu));
    }
    let after_pages = portal.rss_mb();

    // The login storm: `STORM_USERS` loops logging in (argon2 each time), four to each of
    // eight accounts (an account's login limit counts attempts in flight), while 8
    // connections ask for the home page.
    let storm_users: usize = env_or("STORM_USERS", 32);
    let accounts: Vec<String> = (0..8)
        .map(|i| format!("storm{i}@regionvastmanland.se"))
        .collect();
    for email in &accounts {
        Customer::sign_up(&address, email).await;
    }
    // Clients are built first: building one reads the TLS roots, which takes a while.
    let clients: Vec<reqwest::Client> = (0..storm_users)
        .map(|_| kit::client::client(&address))
        .collect();
    let stop = Instant::now() + Duration::from_secs(secs.max(3));
    let logins = Arc::new(AtomicU64::new(0));
    let mut storm = Vec::new();
    for (i, c) in clients.into_iter().enumerate() {
        let address = address.clone();
        let logins = logins.clone();
        let email = accounts[i % accounts.len()].clone();
        storm.push(tokio::spawn(async move {
            while Instant::now() < stop {
                let resp = flows::login(&c, &address, &email, PASSWORD).await;
                assert_eq!(resp.status(), 303, "a storm login");
                logins.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let during = run_until(&targets[2], 8, stop).await;
    for s in storm {
        s.await.unwrap();
    }
    let storm_secs = secs.max(3) as f64;
    row(
        &format!(
            "  home during {storm_users} logins ({:.0}/s)",
            logins.load(Ordering::Relaxed) as f64 / storm_secs
        ),
        &during,
        base,
        // The logins' hashing is most of the CPU then: not a page's cost.
        None,
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!(
        "  RSS: idle {idle:.1} MB, after the pages {after_pages:.1} MB, after the storm {:.1} MB",
        portal.rss_mb()
    );
}

fn main() {
    let secs: u64 = env_or("THROUGHPUT_SECS", 5);
    let connections: usize = env_or("THROUGHPUT_CONNECTIONS", 64);
    let pg = std::env::var("THROUGHPUT_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    actix_web::rt::System::new().block_on(async move {
        let hello =
            HttpServer::new(|| App::new().route("/", web::get().to(|| async { "Hello, world!" })))
                .bind("127.0.0.1:0")
                .unwrap();
        let hello_address = format!("http://{}", hello.addrs()[0]);
        let hello = hello.run();
        let hello_handle = hello.handle();
        actix_web::rt::spawn(hello);

        // The load generator runs on a thread of its own, away from the servers' threads.
        let (done, finished) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async move {
                    println!(
                        "throughput: {connections} concurrent connections, {secs} s per target, \
                         Accept-Encoding: br, gzip"
                    );
                    header();
                    let (db, url) = TestDb::sqlite();
                    println!("SQLite:");
                    let base = baseline(&hello_address, secs, connections).await;
                    let portal = Portal::start(db, &url);
                    portal_run(portal, &base, secs, connections).await;
                    let reachable = pg != "none"
                        && tokio::net::TcpStream::connect(
                            url::Url::parse(&pg)
                                .ok()
                                .and_then(|u| {
                                    Some(format!("{}:{}", u.host_str()?, u.port().unwrap_or(5432)))
                                })
                                .unwrap_or_default(),
                        )
                        .await
                        .is_ok();
                    if reachable {
                        let (db, url) = TestDb::postgres(&pg, "pp_bench");
                        println!("PostgreSQL:");
                        let base = baseline(&hello_address, secs, connections).await;
                        let portal = Portal::start(db, &url);
                        portal_run(portal, &base, secs, connections).await;
                    } else {
                        println!("PostgreSQL: no server at {pg}, not measured");
                    }
                });
            let _ = done.send(());
        });
        finished.await.expect("the load generator finished");
        hello_handle.stop(false).await;
    });
}
