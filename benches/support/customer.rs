//! A customer of the portal, over HTTP only, as a browser without JavaScript would be:
//! registers, confirms through the link on the local mailbox page (`/dev/mailbox`, so the
//! server must run without SMTP), logs in, buys permits through the wizard and pays them with
//! the Swish simulator. Shared by the page-weight report, its test and the throughput bench.

use std::time::{Duration, Instant};

pub const PASSWORD: &str = "Parkera7!bil";
/// A payer number the Swish simulator answers "paid" for (CONTRACT.md).
const PAYER: &str = "0701234567";

pub struct Customer {
    pub address: String,
    /// Keeps the session cookie, says where its posts come from, follows no redirect and
    /// decompresses nothing.
    pub client: reqwest::Client,
    /// The session's CSRF token (logged-in forms carry it).
    pub csrf: String,
}

/// A browser-like client: cookies, `Origin` on every request, no redirects.
pub fn client(address: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("Origin", address.parse().unwrap());
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap()
}

/// The text between `marker` and the next `"` (an attribute value), at or after `from`.
pub fn attr_after(html: &str, from: usize, marker: &str) -> Option<String> {
    let start = html[from..].find(marker)? + from + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// The `value` of the radio button labelled `label` (`<input … value="N" …><label …>label</label>`).
pub fn radio_value(html: &str, name: &str, label: &str) -> String {
    let at = html
        .find(&format!(">{label}</label>"))
        .unwrap_or_else(|| panic!("no choice {label}"));
    let marker = format!("name=\"{name}\" value=\"");
    let v = html[..at].rfind(&marker).expect("a radio button") + marker.len();
    html[v..v + html[v..].find('"').unwrap()].to_string()
}

impl Customer {
    /// Registers `email`, confirms it by the link on `/dev/mailbox`, logs in.
    pub async fn sign_up(address: &str, email: &str) -> Customer {
        let client = client(address);
        let resp = client
            .post(format!("{address}/register"))
            .form(&[
                ("email", email),
                ("password", PASSWORD),
                ("mobile", "0701234567"),
                ("name", "Vera Vikt"),
                ("terms", "yes"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303, "registration");
        let deadline = Instant::now() + Duration::from_secs(30);
        let link = loop {
            let page = client
                .get(format!("{address}/dev/mailbox"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if let Some(link) = page
                .find(email)
                .and_then(|at| attr_after(&page, at, "href=\""))
                .filter(|l| l.contains("/confirm?token="))
            {
                break link;
            }
            assert!(
                Instant::now() < deadline,
                "no confirmation e-mail on /dev/mailbox"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let resp = client.get(&link).send().await.unwrap();
        assert_eq!(resp.status(), 200, "confirmation link");
        let resp = client
            .post(format!("{address}/login"))
            .form(&[("email", email), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303, "login");
        let mut me = Customer {
            address: address.to_string(),
            client,
            csrf: String::new(),
        };
        let settings = me.html("/settings").await;
        me.csrf = attr_after(&settings, 0, "name=\"csrf\" value=\"").expect("a CSRF token");
        me
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A page as plain (uncompressed) HTML; it must answer 200.
    pub async fn html(&self, path: &str) -> String {
        let resp = self.client.get(self.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "GET {path}");
        resp.text().await.unwrap()
    }

    /// Goes through the wizard ("Typ" → "Paket" or "Antal dagar" → … → "Bekräfta") and returns
    /// the new permit's path, e.g. `/permits/3`.
    pub async fn buy(&self, type_name: &str, package: Option<&str>, days: Option<&str>) -> String {
        let form = self.html("/permits/new").await;
        let type_id = radio_value(&form, "type", type_name);
        let details = self
            .html(&format!("/permits/new/details?type={type_id}"))
            .await;
        let package = package
            .map(|p| radio_value(&details, "package", p))
            .unwrap_or_default();
        let car_park = attr_after(&form, 0, "<option value=\"").expect("a car park");
        let start = parkportal::domain::permit::today(chrono::Utc::now()).to_string();
        let resp = self
            .client
            .post(self.url("/permits/new"))
            .form(&[
                ("csrf", self.csrf.as_str()),
                ("type", &type_id),
                ("package", &package),
                ("days", days.unwrap_or("")),
                ("start", &start),
                ("regnr", "ABC123"),
                ("car_park", &car_park),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "review page");
        let review = resp.text().await.unwrap();
        // The review page's confirm form: every hidden field as it is.
        let at = review
            .find("action=\"/permits/confirm\"")
            .expect("a confirm form");
        let form_html = &review[at..at + review[at..].find("</form>").unwrap()];
        let mut fields = Vec::new();
        let mut rest = form_html;
        while let Some(i) = rest.find("name=\"") {
            rest = &rest[i + 6..];
            let name = rest[..rest.find('"').unwrap()].to_string();
            let value = attr_after(rest, 0, "value=\"").unwrap_or_default();
            fields.push((name, value));
        }
        let resp = self
            .client
            .post(self.url("/permits/confirm"))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303, "confirm");
        resp.headers()["location"].to_str().unwrap().to_string()
    }

    /// "Swish" → "Betala nu" with a payer the simulator accepts; the payment is then pending.
    pub async fn start_swish_payment(&self, permit: &str) {
        let resp = self
            .client
            .post(self.url(&format!("{permit}/pay")))
            .form(&[
                ("csrf", self.csrf.as_str()),
                ("method", "swish"),
                ("swish_number", PAYER),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303, "pay");
    }

    /// Asks the payment-status fragment (as htmx does) until it says the payment is final,
    /// then checks the permit page offers the receipt.
    pub async fn wait_until_paid(&self, permit: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let resp = self
                .client
                .get(self.url(&format!("{permit}/payment-status")))
                .header("HX-Request", "true")
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200, "payment status");
            if resp.headers().contains_key("hx-refresh") {
                break;
            }
            assert!(Instant::now() < deadline, "the payment never settled");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let page = self.html(permit).await;
        assert!(
            page.contains(&format!("{permit}/receipt")),
            "a paid permit links its receipt"
        );
    }
}
