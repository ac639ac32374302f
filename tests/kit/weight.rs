//! Page weight: what the main pages and the HTMX swaps cost on the wire, and the budgets.
//!
//! Every request says `Accept-Encoding: br, gzip` and nothing is decompressed by the client,
//! so a response's weight is what the server sent: the status line and the header lines
//! (`name: value\r\n`, the blank line) plus the body as it came (compressed). Not counted:
//! the request itself, chunked-transfer framing, TCP/TLS. 1 KB = 1024 bytes.
//!
//! A first visit costs the page plus every asset it references (`/assets/…` in an `href` or
//! `src`); a later visit only the page, as long as those assets are `immutable`-cached.

use std::fmt;
use std::io::Read;

use super::client::client;
use super::flows::{Customer, type_id};
use super::html;

pub const FIRST_VISIT_MAX_BYTES: usize = 32 * 1024;
pub const FIRST_VISIT_MAX_REQUESTS: usize = 3;
pub const PAGE_MAX_BYTES: usize = 6 * 1024;
pub const SWAP_MAX_BYTES: usize = 2 * 1024;

/// One response as it came over the wire.
pub struct Fetched {
    pub status: u16,
    pub encoding: String,
    pub cache_control: String,
    pub header_bytes: usize,
    pub body_bytes: usize,
    /// The body decompressed.
    pub text: String,
}

impl Fetched {
    pub fn wire(&self) -> usize {
        self.header_bytes + self.body_bytes
    }
}

/// Sends `req` asking for brotli or gzip and weighs the answer.
pub async fn fetch(req: reqwest::RequestBuilder) -> Fetched {
    let resp = req
        .header("Accept-Encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let reason = status.canonical_reason().unwrap_or("");
    // "HTTP/1.1 200 OK\r\n" … "\r\n"
    let mut header_bytes = "HTTP/1.1 200 \r\n".len() + reason.len() + 2;
    for (name, value) in resp.headers() {
        header_bytes += name.as_str().len() + 2 + value.len() + 2;
    }
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let encoding = header("content-encoding");
    let cache_control = header("cache-control");
    let body = resp.bytes().await.unwrap();
    let mut raw = Vec::new();
    match encoding.as_str() {
        "br" => {
            brotli::Decompressor::new(&body[..], 4096)
                .read_to_end(&mut raw)
                .expect("a brotli body");
        }
        "gzip" => {
            flate2::read::GzDecoder::new(&body[..])
                .read_to_end(&mut raw)
                .expect("a gzip body");
        }
        "" => raw = body.to_vec(),
        other => panic!("unexpected Content-Encoding {other}"),
    }
    Fetched {
        status: status.as_u16(),
        encoding,
        cache_control,
        header_bytes,
        body_bytes: body.len(),
        text: String::from_utf8_lossy(&raw).into_owned(),
    }
}

/// A full page or an HTMX fragment.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Page,
    Swap,
}

pub struct Row {
    pub what: String,
    pub path: String,
    pub kind: Kind,
    pub response: Fetched,
    /// For a page: the assets it references, each `(url, response)`.
    pub assets: Vec<(String, Fetched)>,
}

impl Row {
    pub fn first_visit_bytes(&self) -> usize {
        self.response.wire() + self.assets.iter().map(|(_, a)| a.wire()).sum::<usize>()
    }

    pub fn first_visit_requests(&self) -> usize {
        1 + self.assets.len()
    }

    /// A later visit: the page again, plus any asset that is not cached for good.
    pub fn later_bytes(&self) -> usize {
        self.response.wire()
            + self
                .assets
                .iter()
                .filter(|(_, a)| !a.cache_control.contains("immutable"))
                .map(|(_, a)| a.wire())
                .sum::<usize>()
    }

    /// What is wrong with this row: a budget broken, a bad status, a body not compressed.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let r = &self.response;
        let name = format!("{} ({})", self.what, self.path);
        if r.status != 200 {
            out.push(format!("{name}: status {}", r.status));
        }
        // Asked with "br, gzip" as a phone asks: a page packed per request comes as gzip
        // (libdeflate: as small as brotli quality 2 there, and faster), the login page and the
        // calendar's swaps as brotli; uncompressed only a body that fits one TCP segment with
        // its headers either way.
        let small = r.body_bytes as u64 <= parkportal::web::compress::PACK_ABOVE;
        if !small && r.encoding != "br" && r.encoding != "gzip" {
            out.push(format!(
                "{name}: body not compressed (Content-Encoding {:?})",
                r.encoding
            ));
        }
        match self.kind {
            Kind::Page => {
                if !r.text.contains("<html") {
                    out.push(format!("{name}: not a full page"));
                }
                let first = self.first_visit_bytes();
                if first > FIRST_VISIT_MAX_BYTES {
                    out.push(format!(
                        "{name}: first visit {first} B > {FIRST_VISIT_MAX_BYTES} B (over by {})",
                        first - FIRST_VISIT_MAX_BYTES
                    ));
                }
                let requests = self.first_visit_requests();
                if requests > FIRST_VISIT_MAX_REQUESTS {
                    out.push(format!(
                        "{name}: first visit {requests} requests > {FIRST_VISIT_MAX_REQUESTS}"
                    ));
                }
                let later = self.later_bytes();
                if later > PAGE_MAX_BYTES {
                    out.push(format!(
                        "{name}: later visit {later} B > {PAGE_MAX_BYTES} B (over by {})",
                        later - PAGE_MAX_BYTES
                    ));
                }
                for (url, a) in &self.assets {
                    if a.status != 200 {
                        out.push(format!("{name}: asset {url} status {}", a.status));
                    }
                    if !a.cache_control.contains("immutable") {
                        out.push(format!("{name}: asset {url} is not immutable-cached"));
                    }
                }
            }
            Kind::Swap => {
                if r.text.contains("<html") {
                    out.push(format!("{name}: a full page where a fragment was wanted"));
                }
                let bytes = r.wire();
                if bytes > SWAP_MAX_BYTES {
                    out.push(format!(
                        "{name}: {bytes} B > {SWAP_MAX_BYTES} B (over by {})",
                        bytes - SWAP_MAX_BYTES
                    ));
                }
            }
        }
        out
    }
}

/// Every `/assets/…` URL in an `href` or `src` of the page, in order, each once.
pub fn asset_urls(page: &str) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    for attr in ["href", "src"] {
        for url in html::attrs(page, &format!("[{attr}^='/assets/']"), attr) {
            if !urls.contains(&url) {
                urls.push(url);
            }
        }
    }
    urls
}

pub struct Report {
    pub rows: Vec<Row>,
}

impl Report {
    pub fn problems(&self) -> Vec<String> {
        self.rows.iter().flat_map(Row::problems).collect()
    }
}

struct Walker<'a> {
    client: &'a reqwest::Client,
    address: &'a str,
    rows: Vec<Row>,
}

impl Walker<'_> {
    async fn page(&mut self, what: &str, path: &str) -> String {
        let response = fetch(self.client.get(format!("{}{path}", self.address))).await;
        let mut assets = Vec::new();
        for url in asset_urls(&response.text) {
            let a = fetch(self.client.get(format!("{}{url}", self.address))).await;
            assets.push((url, a));
        }
        let text = response.text.clone();
        self.rows.push(Row {
            what: what.into(),
            path: path.into(),
            kind: Kind::Page,
            response,
            assets,
        });
        text
    }

    fn swap(&mut self, what: &str, path: &str, response: Fetched) {
        if std::env::var("WEIGHT_DUMP").is_ok() {
            eprintln!(
                "=== {what} headers {} body {}\n{}",
                response.header_bytes, response.body_bytes, response.text
            );
        }
        self.rows.push(Row {
            what: what.into(),
            path: path.into(),
            kind: Kind::Swap,
            response,
            assets: Vec::new(),
        });
    }

    async fn htmx_get(&mut self, what: &str, path: &str) {
        let req = self.client.get(format!("{}{path}", self.address));
        let r = fetch(req.header("HX-Request", "true")).await;
        self.swap(what, path, r);
    }
}

/// Walks the portal at `address` (which must run without SMTP, so the confirmation link is on
/// `/dev/mailbox`): the login page logged out; then a new customer buys and pays a monthly
/// permit and a day card, and every main page and HTMX swap is weighed.
pub async fn walk(address: &str) -> Report {
    let anonymous = client(address);
    let mut w = Walker {
        client: &anonymous,
        address,
        rows: Vec::new(),
    };
    w.page("login (logged out)", "/login").await;
    let rows = w.rows;

    let me = Customer::sign_up(address, "vikt@regionvastmanland.se").await;
    let mut w = Walker {
        client: &me.client,
        address,
        rows,
    };
    let permit = me
        .buy("Anställda månads/årskort", Some("1 månad"), None)
        .await;
    me.start_swish_payment(&permit).await;
    // Right after "Betala nu" the payer has not answered yet (SWISH_SIM_DELAY_MS): the
    // progress box that htmx asks for every second.
    let path = format!("{permit}/payment-status");
    let status = fetch(me.client.get(me.url(&path)).header("HX-Request", "true")).await;
    let what = if status.text.contains("payment-poll") {
        "payment status (waiting)"
    } else {
        "payment status (final)"
    };
    w.swap(what, &path, status);
    me.wait_until_paid(&permit).await;
    let day_card = me.buy("Anställda dagkort", None, Some("5")).await;
    me.start_swish_payment(&day_card).await;
    me.wait_until_paid(&day_card).await;

    w.page("home", "/").await;
    let buy = w.page("buy (Köp nytt)", "/permits/new").await;
    w.page("permit (monthly, paid)", &permit).await;
    let card = w.page("day card", &day_card).await;
    w.page("receipt", &format!("{permit}/receipt")).await;
    w.page("messages", "/messages").await;
    w.page("notifications", "/notifications").await;
    w.page("settings", "/settings").await;

    // The swaps, following what the pages offer.
    for (label, name) in [
        ("details: monthly", "Anställda månads/årskort"),
        ("details: day card", "Anställda dagkort"),
    ] {
        let id = type_id(&buy, name);
        w.htmx_get(label, &format!("/permits/new/details?type={id}"))
            .await;
    }
    let month = html::attr(&card, "[hx-get*='/calendar?go=']", "hx-get")
        .and_then(|link| Some(link.split_once("go=")?.1.to_string()))
        .expect("a month link");
    w.htmx_get(
        "calendar: other month",
        &format!("{day_card}/calendar?go={month}"),
    )
    .await;
    let day = html::attr(&card, "input[type=checkbox][name=day]", "value").expect("a bookable day");
    let path = format!("{day_card}/sessions");
    // Another car than the monthly permit's: a car valid that day through a period permit
    // spends no day (issue #35), so the booking would be refused.
    let booked = fetch(
        me.client
            .post(me.url(&path))
            .header("HX-Request", "true")
            .form(&[
                ("csrf", me.csrf.as_str()),
                ("regnr", "XYZ789"),
                ("day", day.as_str()),
            ]),
    )
    .await;
    w.swap("calendar: book a day", &path, booked);
    w.htmx_get("unread messages (poll)", "/messages/unread")
        .await;
    Report { rows: w.rows }
}

fn kb(bytes: usize) -> String {
    format!("{:.1}", bytes as f64 / 1024.0)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<26} {:<34} {:>4} {:>4} {:>8} {:>7} {:>7} {:>13} {:>7}",
            "what",
            "path",
            "stat",
            "enc",
            "html KB",
            "body KB",
            "wire KB",
            "first KB/req",
            "later KB"
        )?;
        for r in &self.rows {
            let x = &r.response;
            let (first, later, kind) = match r.kind {
                Kind::Page => (
                    format!("{}/{}", kb(r.first_visit_bytes()), r.first_visit_requests()),
                    kb(r.later_bytes()),
                    "page",
                ),
                Kind::Swap => ("-".to_string(), "-".to_string(), "swap"),
            };
            writeln!(
                f,
                "{:<26} {:<34} {:>4} {:>4} {:>8} {:>7} {:>7} {:>13} {:>7} {}",
                r.what,
                r.path,
                x.status,
                if x.encoding.is_empty() {
                    "-"
                } else {
                    &x.encoding
                },
                kb(x.text.len()),
                kb(x.body_bytes),
                kb(x.wire()),
                first,
                later,
                kind
            )?;
        }
        let mut seen = Vec::new();
        for r in &self.rows {
            for (url, a) in &r.assets {
                if !seen.contains(url) {
                    seen.push(url.clone());
                    writeln!(
                        f,
                        "  asset {url}: {} KB raw, {} KB {} on the wire, Cache-Control: {}",
                        kb(a.text.len()),
                        kb(a.wire()),
                        a.encoding,
                        a.cache_control
                    )?;
                }
            }
        }
        writeln!(
            f,
            "wire = status line + headers + body as sent (compressed); request bytes and chunk \
             framing not counted; 1 KB = 1024 B"
        )?;
        writeln!(
            f,
            "budgets: first visit (page + assets) <= {} KB in <= {FIRST_VISIT_MAX_REQUESTS} \
             requests; later visit <= {} KB; HTMX swap <= {} KB",
            FIRST_VISIT_MAX_BYTES / 1024,
            PAGE_MAX_BYTES / 1024,
            SWAP_MAX_BYTES / 1024
        )?;
        let problems = self.problems();
        if problems.is_empty() {
            writeln!(f, "all within budget")
        } else {
            for p in problems {
                writeln!(f, "OVER/WRONG: {p}")?;
            }
            Ok(())
        }
    }
}
