//! Whole flows of a customer over HTTP, as a browser without JavaScript goes through them:
//! register, confirm by the e-mailed link, log in, buy a permit through the wizard, pay it with
//! the Swish simulator. Shared by the tests (`TestApp`), the page-weight walk and the benches.
//! (The load test runs the same flows on goose's own client; it shares the readers below.)

use std::time::{Duration, Instant};

use super::html::{self, hidden_value};
use super::smtp::SmtpServer;

/// The password every test customer has.
pub const PASSWORD: &str = "Parkera7!bil";
/// A payer number the Swish simulator answers "paid" for (CONTRACT.md).
pub const PAYER: &str = "0701234567";

/// Where the portal's e-mails, and so the confirmation links, arrive.
#[derive(Clone, Copy)]
pub enum Inbox<'a> {
    /// A real SMTP server.
    Smtp(&'a SmtpServer),
    /// The local mailbox page `/dev/mailbox` (the server runs without SMTP).
    Mailbox,
}

/// The registration form filled in as a person does.
pub async fn register(
    client: &reqwest::Client,
    address: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(format!("{address}/register"))
        .form(&[
            ("email", email),
            ("password", password),
            ("mobile", "070-123 45 67"),
            ("name", "Anna Andersson"),
            ("terms", "yes"),
        ])
        .send()
        .await
        .expect("request sent")
}

pub async fn login(
    client: &reqwest::Client,
    address: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(format!("{address}/login"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("request sent")
}

/// The confirmation link sent to `email`, once it has arrived.
pub async fn confirmation_link(
    client: &reqwest::Client,
    address: &str,
    inbox: Inbox<'_>,
    email: &str,
) -> String {
    match inbox {
        Inbox::Smtp(smtp) => smtp.wait_for(email).await.link("/confirm?token="),
        Inbox::Mailbox => {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let page = client
                    .get(format!("{address}/dev/mailbox"))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                let link = html::outer_html(&page, "article")
                    .iter()
                    .filter(|mail| html::text(mail, ".hint").is_some_and(|h| h.contains(email)))
                    .find_map(|mail| html::attr(mail, "a[href*='/confirm?token=']", "href"));
                if let Some(link) = link {
                    return link;
                }
                assert!(
                    Instant::now() < deadline,
                    "no confirmation e-mail to {email} on /dev/mailbox"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Registers `email` with [`PASSWORD`], confirms it by the link that arrives in `inbox`,
/// logs in.
pub async fn register_confirm_login(
    client: &reqwest::Client,
    address: &str,
    email: &str,
    inbox: Inbox<'_>,
) {
    let resp = register(client, address, email, PASSWORD).await;
    assert_eq!(resp.status(), 303, "registration of {email}");
    let link = confirmation_link(client, address, inbox, email).await;
    let resp = client.get(&link).send().await.unwrap();
    assert_eq!(resp.status(), 200, "confirmation link");
    let resp = login(client, address, email, PASSWORD).await;
    assert_eq!(resp.status(), 303, "login after confirming");
}

/// The CSRF token of the logged-in session, read from the settings page.
pub async fn csrf(client: &reqwest::Client, address: &str) -> String {
    let resp = client
        .get(format!("{address}/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "GET /settings");
    hidden_value(&resp.text().await.unwrap(), "csrf")
}

/// The wizard's permit type `name` ("Typ").
pub fn type_id(html: &str, name: &str) -> String {
    html::radio_value(html, "type", name).unwrap_or_else(|| panic!("no type {name}"))
}

/// The details step's package `name` ("Paket").
pub fn package_id(html: &str, name: &str) -> String {
    html::radio_value(html, "package", name).unwrap_or_else(|| panic!("no package {name}"))
}

/// The wizard's first car park.
pub fn car_park(html: &str) -> String {
    html::first_option(html, "car_park").expect("a car park")
}

/// The fields of the review page's "Bekräfta" form, as they are.
pub fn confirm_fields(review: &str) -> Vec<(String, String)> {
    html::form_fields(review, "form[action='/permits/confirm']").expect("a Bekräfta form")
}

/// What is ordered in the wizard.
pub struct Order<'a> {
    /// "Typ", e.g. "Anställda månads/årskort".
    pub type_name: &'a str,
    /// "Paket" (period permits), e.g. "1 månad".
    pub package: Option<&'a str>,
    /// "Antal dagar" (day cards).
    pub days: Option<&'a str>,
    /// "Startdatum" as typed.
    pub start: &'a str,
    pub regnr: &'a str,
}

/// Goes through the wizard ("Typ" → "Paket" or "Antal dagar" → "Startdatum" → …) to the
/// review page; returns the answer to the order form.
pub async fn review(
    client: &reqwest::Client,
    address: &str,
    order: &Order<'_>,
) -> reqwest::Response {
    let get = |path: String| async move {
        let resp = client.get(format!("{address}{path}")).send().await.unwrap();
        assert_eq!(resp.status(), 200, "GET {path}");
        resp.text().await.unwrap()
    };
    let form = get("/permits/new".into()).await;
    let csrf = hidden_value(&form, "csrf");
    let type_id = type_id(&form, order.type_name);
    let package = match order.package {
        Some(name) => {
            let details = get(format!("/permits/new/details?type={type_id}")).await;
            Some(package_id(&details, name))
        }
        None => None,
    };
    let car_park = car_park(&form);
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("type", type_id.as_str()),
        ("start", order.start),
        ("regnr", order.regnr),
        ("car_park", car_park.as_str()),
    ];
    if let Some(package) = &package {
        fields.push(("package", package));
    }
    if let Some(days) = order.days {
        fields.push(("days", days));
    }
    let resp = client
        .post(format!("{address}/permits/new"))
        .form(&fields)
        .send()
        .await
        .expect("request sent");
    follow_review(client, address, resp).await
}

/// The answer to "Spara och fortsätt": a valid order is a 303 to the review, a GET page of
/// its own (then fetched); anything else as it came.
pub async fn follow_review(
    client: &reqwest::Client,
    address: &str,
    resp: reqwest::Response,
) -> reqwest::Response {
    if resp.status() != 303 {
        return resp;
    }
    let to = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/permits/review?"), "303 to {to}");
    client
        .get(format!("{address}{to}"))
        .send()
        .await
        .expect("request sent")
}

/// "Bekräfta" on the review page: its form sent as it is.
pub async fn confirm(client: &reqwest::Client, address: &str, review: &str) -> reqwest::Response {
    client
        .post(format!("{address}/permits/confirm"))
        .form(&confirm_fields(review))
        .send()
        .await
        .expect("request sent")
}

/// Orders and confirms; returns the new permit's path, e.g. `/permits/3`.
pub async fn buy_permit(client: &reqwest::Client, address: &str, order: &Order<'_>) -> String {
    let resp = review(client, address, order).await;
    assert_eq!(resp.status(), 200, "review page");
    let review = resp.text().await.unwrap();
    let resp = confirm(client, address, &review).await;
    assert_eq!(resp.status(), 303, "confirm");
    resp.headers()["location"].to_str().unwrap().to_string()
}

/// "Swish" → "Betala nu" on the permit at `permit` (its path) with the payer `number`.
pub async fn pay_swish(
    client: &reqwest::Client,
    address: &str,
    csrf: &str,
    permit: &str,
    number: &str,
) -> reqwest::Response {
    client
        .post(format!("{address}{permit}/pay"))
        .form(&[
            ("csrf", csrf),
            ("method", "swish"),
            ("swish_number", number),
        ])
        .send()
        .await
        .expect("request sent")
}

/// Asks the payment-status fragment (as htmx does) until it says the payment is final, then
/// checks the permit page offers the receipt.
pub async fn wait_until_paid(client: &reqwest::Client, address: &str, permit: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let resp = client
            .get(format!("{address}{permit}/payment-status"))
            .header("HX-Request", "true")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "payment status");
        if resp.headers().contains_key("hx-redirect") {
            break;
        }
        assert!(Instant::now() < deadline, "the payment never settled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let resp = client
        .get(format!("{address}{permit}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "GET {permit}");
    let page = resp.text().await.unwrap();
    assert!(
        page.contains(&format!("{permit}/receipt")),
        "a paid permit links its receipt"
    );
}

/// A customer of a portal that runs without SMTP (confirmation links on `/dev/mailbox`), on
/// a client of its own: the benches' and the page-weight walk's buyer.
pub struct Customer {
    pub address: String,
    /// Keeps the session cookie, says where its posts come from, follows no redirect and
    /// decompresses nothing.
    pub client: reqwest::Client,
    /// The session's CSRF token (logged-in forms carry it).
    pub csrf: String,
}

impl Customer {
    /// Registers `email`, confirms it by the link on `/dev/mailbox`, logs in.
    pub async fn sign_up(address: &str, email: &str) -> Customer {
        let client = super::client::client(address);
        register_confirm_login(&client, address, email, Inbox::Mailbox).await;
        let csrf = csrf(&client, address).await;
        Customer {
            address: address.to_string(),
            client,
            csrf,
        }
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

    /// Buys `type_name` (with `package` or `days`) from today for ABC123; returns its path.
    pub async fn buy(&self, type_name: &str, package: Option<&str>, days: Option<&str>) -> String {
        let start = super::dates::today().to_string();
        let order = Order {
            type_name,
            package,
            days,
            start: &start,
            regnr: "ABC123",
        };
        buy_permit(&self.client, &self.address, &order).await
    }

    /// "Betala nu" with a payer the simulator accepts; the payment is then pending.
    pub async fn start_swish_payment(&self, permit: &str) {
        let resp = pay_swish(&self.client, &self.address, &self.csrf, permit, PAYER).await;
        assert_eq!(resp.status(), 303, "pay");
    }

    pub async fn wait_until_paid(&self, permit: &str) {
        wait_until_paid(&self.client, &self.address, permit).await
    }
}
