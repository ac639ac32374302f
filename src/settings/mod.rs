//! Settings from environment variables (CONTRACT.md "Running"), parsed once at start.
//!
//! Every setting is parsed into a typed value here, so the rest of the program never sees a raw
//! string. A bad value stops the start with one line that names the variable. The value types
//! are beside this file: the [`database`] URL, the [`net`]works of trusted proxies, the
//! [`providers`] (seller, SMS, Swish, Nexi) and demo mode.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use lettre::message::Mailbox;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

mod database;
mod net;
mod providers;
#[cfg(test)]
mod tests;

pub use database::DatabaseUrl;
pub use net::IpNet;
pub use providers::*;

/// A setting that could not be used. `Display` is the one line printed at start.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {var}: {message}")]
pub struct SettingsError {
    pub var: &'static str,
    pub message: String,
}

fn bad(var: &'static str, message: impl Into<String>) -> SettingsError {
    SettingsError {
        var,
        message: message.into(),
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub bind_addr: SocketAddr,
    /// `DEMO_MODE`; see [`Settings::services`].
    pub demo_mode: DemoMode,
    pub public_url: Url,
    pub database_url: DatabaseUrl,
    /// `None`: e-mails go to the local mailbox page.
    pub smtp_url: Option<SecretString>,
    pub mail_from: Mailbox,
    /// `None`: SMS go to the local mailbox page.
    pub sms_gateway: Option<SmsGateway>,
    pub sms_from: String,
    /// `None`: the built-in Swish simulator.
    pub swish: Option<SwishSettings>,
    /// `None`: the built-in card simulator.
    pub nexi: Option<NexiSettings>,
    /// How long the simulated Swish payer takes to answer.
    pub swish_sim_delay_ms: u64,
    /// After how long an unanswered simulated Swish request ends as ERROR TM01.
    pub swish_sim_timeout_ms: u64,
    /// How long a payment provider (Swish, Nexi, or their simulators) may take to answer one
    /// request before it counts as not answering.
    pub provider_timeout_ms: u64,
    /// A request body must arrive whole within this time, with no pause longer than a sixth
    /// of it; a body that trickles is cut off with 408.
    pub body_timeout_ms: u64,
    /// Lower-case, without `@`.
    pub employee_email_domain: String,
    /// Empty: the check API is off. Each key is at least [`CHECK_API_KEY_MIN_CHARS`] long.
    pub check_api_keys: Vec<SecretString>,
    /// How many check API requests one key, and one client address, may make per minute.
    pub check_api_rate_per_minute: u32,
    /// `METRICS_TOKEN`: the bearer token `/metrics` asks for (`None`: `/metrics` is off).
    pub metrics_token: Option<SecretString>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (empty: none).
    pub trusted_proxies: Vec<IpNet>,
    /// First wait before a failed notification is retried (doubles each time, at most 15 min).
    pub notify_retry_base_ms: u64,
    /// After how many failed attempts a notification (one channel) is given up as failed.
    pub notify_max_attempts: i32,
    /// How far ahead a permit may start.
    pub permit_start_horizon_days: i64,
    /// How many days before a permit ends its reminder goes out.
    pub reminder_days_before: i64,
    /// How many days an offer from a queue holds its place (`QUEUE_OFFER_DAYS`).
    pub queue_offer_days: i64,
    /// Valid registrations per client address and hour (`REGISTRATIONS_PER_CLIENT_PER_HOUR`).
    pub registrations_per_client_hour: i64,
    /// Failed logins per client address in 15 minutes for accounts not known there
    /// (`LOGIN_FAILURES_PER_CLIENT_PER_15_MIN`, see `auth::login_limits`).
    pub login_failures_per_client: i64,
    /// Requests for a reset or a new confirmation link per client address and hour
    /// (`LINK_REQUESTS_PER_CLIENT_PER_HOUR`).
    pub link_requests_per_client_hour: i64,
    /// How many hours an unpaid permit in a car park with a capacity holds its place
    /// (`PAYMENT_HOLD_HOURS`).
    pub payment_hold_hours: i64,
    pub seller: Seller,
}

/// The shortest check API key accepted (`CHECK_API_KEYS`).
pub const CHECK_API_KEY_MIN_CHARS: usize = 32;

impl Settings {
    /// Reads the process environment (after an optional `.env`).
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Parses settings from any lookup, so tests can hand in their own values.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let var = |name: &str| get(name).filter(|v| !v.trim().is_empty());

        let bind_addr = parse_bind_addr(&var("BIND_ADDR").unwrap_or("127.0.0.1:8080".into()))
            .map_err(|m| bad("BIND_ADDR", m))?;

        let demo_mode = match var("DEMO_MODE")
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("auto") => DemoMode::Auto,
            Some("on") => DemoMode::On,
            Some("off") => DemoMode::Off,
            Some(_) => return Err(bad("DEMO_MODE", "must be auto, on or off")),
        };

        let public_url = var("PUBLIC_URL").unwrap_or_else(|| own_url(bind_addr));
        let public_url = parse_http_url(&public_url).map_err(|m| bad("PUBLIC_URL", m))?;

        let database_url =
            DatabaseUrl::parse(&var("DATABASE_URL").unwrap_or("parkportal.db".into()))
                .map_err(|m| bad("DATABASE_URL", m))?;

        let smtp_url = match var("SMTP_URL") {
            None => None,
            Some(raw) => {
                let u = Url::parse(raw.trim()).map_err(|e| bad("SMTP_URL", e.to_string()))?;
                if !matches!(u.scheme(), "smtp" | "smtps") {
                    return Err(bad("SMTP_URL", "must start with smtp:// or smtps://"));
                }
                if u.host_str().is_none_or(str::is_empty) {
                    return Err(bad("SMTP_URL", "has no host"));
                }
                Some(SecretString::from(raw.trim().to_string()))
            }
        };

        let mail_from = var("MAIL_FROM")
            .unwrap_or("Parkeringsservice <noreply@localhost>".into())
            .parse::<Mailbox>()
            .map_err(|e| bad("MAIL_FROM", format!("not an e-mail address ({e})")))?;

        let sms_gateway = match var("SMS_46ELKS_URL") {
            None => None,
            Some(raw) => Some(SmsGateway {
                url: parse_http_url(&raw).map_err(|m| bad("SMS_46ELKS_URL", m))?,
                user: var("SMS_46ELKS_USER")
                    .ok_or_else(|| bad("SMS_46ELKS_USER", "is required with SMS_46ELKS_URL"))?,
                password: var("SMS_46ELKS_PASSWORD")
                    .ok_or_else(|| bad("SMS_46ELKS_PASSWORD", "is required with SMS_46ELKS_URL"))?
                    .into(),
            }),
        };
        let sms_from = var("SMS_FROM").unwrap_or("Parkering".into());
        if !valid_sms_sender(&sms_from) {
            return Err(bad(
                "SMS_FROM",
                "must be 3–11 letters/digits or a phone number in +46… form",
            ));
        }

        let swish = match var("SWISH_API_URL") {
            None => None,
            Some(raw) => {
                let need = |name: &'static str| {
                    var(name).ok_or_else(|| bad(name, "is required with SWISH_API_URL"))
                };
                let cert_p12 = PathBuf::from(need("SWISH_CERT_P12")?);
                if !cert_p12.is_file() {
                    return Err(bad("SWISH_CERT_P12", "file not found"));
                }
                Some(SwishSettings {
                    api_url: parse_http_url(&raw).map_err(|m| bad("SWISH_API_URL", m))?,
                    cert_p12,
                    cert_password: var("SWISH_CERT_PASSWORD").unwrap_or_default().into(),
                    payee_alias: need("SWISH_PAYEE_ALIAS")?,
                    callback_url: parse_http_url(&need("SWISH_CALLBACK_URL")?)
                        .map_err(|m| bad("SWISH_CALLBACK_URL", m))?,
                })
            }
        };

        let nexi = match var("NEXI_API_URL") {
            None => None,
            Some(raw) => Some(NexiSettings {
                api_url: parse_http_url(&raw).map_err(|m| bad("NEXI_API_URL", m))?,
                secret_key: var("NEXI_SECRET_KEY")
                    .ok_or_else(|| bad("NEXI_SECRET_KEY", "is required with NEXI_API_URL"))?
                    .into(),
                webhook_auth: var("NEXI_WEBHOOK_AUTH")
                    .ok_or_else(|| bad("NEXI_WEBHOOK_AUTH", "is required with NEXI_API_URL"))?
                    .into(),
            }),
        };

        let swish_sim_delay_ms = match var("SWISH_SIM_DELAY_MS") {
            None => 2000,
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| *ms <= 600_000)
                .ok_or_else(|| bad("SWISH_SIM_DELAY_MS", "must be milliseconds, 0–600000"))?,
        };

        let swish_sim_timeout_ms = match var("SWISH_SIM_TIMEOUT_MS") {
            None => 180_000,
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| (1..=3_600_000).contains(ms))
                .ok_or_else(|| bad("SWISH_SIM_TIMEOUT_MS", "must be milliseconds, 1–3600000"))?,
        };

        let provider_timeout_ms = match var("PROVIDER_TIMEOUT_MS") {
            None => 15_000,
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| (1..=600_000).contains(ms))
                .ok_or_else(|| bad("PROVIDER_TIMEOUT_MS", "must be milliseconds, 1–600000"))?,
        };

        let body_timeout_ms = match var("BODY_TIMEOUT_MS") {
            None => 60_000,
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| (100..=600_000).contains(ms))
                .ok_or_else(|| bad("BODY_TIMEOUT_MS", "must be milliseconds, 100–600000"))?,
        };

        let employee_email_domain = var("EMPLOYEE_EMAIL_DOMAIN")
            .unwrap_or("regionvastmanland.se".into())
            .trim()
            .trim_start_matches('@')
            .to_ascii_lowercase();
        if !valid_domain(&employee_email_domain) {
            return Err(bad("EMPLOYEE_EMAIL_DOMAIN", "is not a domain name"));
        }

        let check_api_keys = var("CHECK_API_KEYS")
            .map(|raw| {
                raw.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(|k| SecretString::from(k.to_string()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        if let Some((i, key)) = check_api_keys
            .iter()
            .enumerate()
            .find(|(_, k)| k.expose_secret().chars().count() < CHECK_API_KEY_MIN_CHARS)
        {
            return Err(bad(
                "CHECK_API_KEYS",
                format!(
                    "key {} has {} characters; each key must have at least {CHECK_API_KEY_MIN_CHARS}",
                    i + 1,
                    key.expose_secret().chars().count()
                ),
            ));
        }

        let check_api_rate_per_minute = match var("CHECK_API_RATE_PER_MINUTE") {
            None => 600,
            Some(raw) => raw
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=1_000_000).contains(n))
                .ok_or_else(|| {
                    bad(
                        "CHECK_API_RATE_PER_MINUTE",
                        "must be a number of requests, 1–1000000",
                    )
                })?,
        };

        let metrics_token = var("METRICS_TOKEN")
            .map(|raw| raw.trim().to_string())
            .filter(|t| !t.is_empty());
        if let Some(t) = &metrics_token
            && t.chars().count() < CHECK_API_KEY_MIN_CHARS
        {
            return Err(bad(
                "METRICS_TOKEN",
                format!("must have at least {CHECK_API_KEY_MIN_CHARS} characters"),
            ));
        }
        let metrics_token = metrics_token.map(SecretString::from);

        let trusted_proxies = match var("TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(raw) => raw
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(IpNet::parse)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|m| bad("TRUSTED_PROXIES", m))?,
        };

        let notify_retry_base_ms = match var("NOTIFY_RETRY_BASE_MS") {
            None => 5000,
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| (10..=600_000).contains(ms))
                .ok_or_else(|| bad("NOTIFY_RETRY_BASE_MS", "must be milliseconds, 10–600000"))?,
        };

        let notify_max_attempts = match var("NOTIFY_MAX_ATTEMPTS") {
            None => 10,
            Some(raw) => raw
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| bad("NOTIFY_MAX_ATTEMPTS", "must be a number, 1–100"))?,
        };

        let days = |name: &'static str, default: i64, max: i64| -> Result<i64, SettingsError> {
            match var(name) {
                None => Ok(default),
                Some(raw) => raw
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|d| (0..=max).contains(d))
                    .ok_or_else(|| bad(name, format!("must be a number of days, 0–{max}"))),
            }
        };
        let permit_start_horizon_days = days("PERMIT_START_HORIZON_DAYS", 180, 3650)?;
        let reminder_days_before = days("REMINDER_DAYS_BEFORE", 7, 365)?;
        let at_least_one = |name: &'static str, default: i64, max: i64, unit: &str| match var(name)
        {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| bad(name, format!("must be a number of {unit}, 1–{max}"))),
        };
        let queue_offer_days = at_least_one("QUEUE_OFFER_DAYS", 3, 60, "days")?;
        let payment_hold_hours = at_least_one("PAYMENT_HOLD_HOURS", 24, 720, "hours")?;
        // A hospital's staff may all come from the region's one address (its network's NAT),
        // hundreds in the first hour after they are told to register: the limits per client
        // address stop a flood, not a rollout. (Per e-mail address: 3 e-mails an hour.)
        let registrations_per_client_hour = at_least_one(
            "REGISTRATIONS_PER_CLIENT_PER_HOUR",
            300,
            100_000,
            "registrations",
        )?;
        // Failed logins per client address in 15 minutes, for accounts never logged in from
        // there (`auth::login_limits`): a hospital's NAT is one address for thousands.
        let login_failures_per_client = at_least_one(
            "LOGIN_FAILURES_PER_CLIENT_PER_15_MIN",
            300,
            100_000,
            "failures",
        )?;
        let link_requests_per_client_hour = at_least_one(
            "LINK_REQUESTS_PER_CLIENT_PER_HOUR",
            300,
            100_000,
            "requests",
        )?;

        let seller = Seller {
            name: var("SELLER_NAME").unwrap_or("Region Västmanland, Parkeringsservice".into()),
            address: var("SELLER_ADDRESS")
                .unwrap_or("Västmanlands sjukhus Västerås, 721 89 Västerås".into()),
            org_no: var("SELLER_ORG_NO").unwrap_or("232100-0172".into()),
        };

        Ok(Settings {
            bind_addr,
            demo_mode,
            public_url,
            database_url,
            smtp_url,
            mail_from,
            sms_gateway,
            sms_from,
            swish,
            nexi,
            swish_sim_delay_ms,
            swish_sim_timeout_ms,
            provider_timeout_ms,
            body_timeout_ms,
            employee_email_domain,
            check_api_keys,
            check_api_rate_per_minute,
            metrics_token,
            trusted_proxies,
            notify_retry_base_ms,
            notify_max_attempts,
            permit_start_horizon_days,
            reminder_days_before,
            queue_offer_days,
            payment_hold_hours,
            registrations_per_client_hour,
            login_failures_per_client,
            link_requests_per_client_hour,
            seller,
        })
    }

    /// Whether demo mode is allowed: `DEMO_MODE=on`, or `auto` (the default) on a server that
    /// only this machine reaches: a loopback `BIND_ADDR`, a `PUBLIC_URL` that names a loopback
    /// host, and no `TRUSTED_PROXIES` (a server behind a reverse proxy binds loopback too, and
    /// must never be in demo mode by accident).
    pub fn demo_allowed(&self) -> bool {
        match self.demo_mode {
            DemoMode::On => true,
            DemoMode::Off => false,
            DemoMode::Auto => self.why_not_demo().is_none(),
        }
    }

    /// Under `DEMO_MODE=auto`, which setting keeps demo mode off (`None`: none does).
    fn why_not_demo(&self) -> Option<String> {
        if !self.bind_addr.ip().is_loopback() {
            return Some(format!(
                "BIND_ADDR {} is not a loopback address",
                self.bind_addr
            ));
        }
        if !url_is_loopback(&self.public_url) {
            return Some(format!(
                "PUBLIC_URL {} does not name a loopback host",
                self.public_url
            ));
        }
        if !self.trusted_proxies.is_empty() {
            return Some("TRUSTED_PROXIES is set".to_string());
        }
        None
    }

    /// What this start provides. Where demo mode is allowed, what is not configured is
    /// simulated; where it is not, a start without `SMTP_URL`, or with neither Swish nor Nexi,
    /// is refused (one line naming the variables), and without an SMS gateway SMS is off.
    pub fn services(&self) -> Result<Services, SettingsError> {
        let demo = self.demo_allowed();
        let pick = |configured: bool| match (configured, demo) {
            (true, _) => Service::Real,
            (false, true) => Service::Simulated,
            (false, false) => Service::Off,
        };
        let services = Services {
            email: pick(self.smtp_url.is_some()),
            sms: pick(self.sms_gateway.is_some()),
            swish: pick(self.swish.is_some()),
            card: pick(self.nexi.is_some()),
        };
        let why = || {
            let reason = match self.demo_mode {
                DemoMode::Off => "DEMO_MODE is off".to_string(),
                _ => self.why_not_demo().unwrap_or_default(),
            };
            format!(
                "demo mode is not allowed ({reason}); \
                 set DEMO_MODE=on to try the portal with simulators anyway"
            )
        };
        if !services.email.offered() {
            return Err(bad("SMTP_URL", format!("is not set and {}", why())));
        }
        if !services.swish.offered() && !services.card.offered() {
            return Err(bad(
                "SWISH_API_URL/NEXI_API_URL",
                format!("neither Swish nor Nexi is configured and {}", why()),
            ));
        }
        Ok(services)
    }

    /// Cookies get `Secure` and the `__Host-` prefix, and responses HSTS, when served over https.
    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}

/// `host:port`, `[v6]:port`, or `:port` (the default's host, 127.0.0.1: this machine only,
/// so demo mode stays allowed; every interface is `0.0.0.0:port`, said on purpose).
fn parse_bind_addr(raw: &str) -> Result<SocketAddr, String> {
    let raw = raw.trim();
    let full = if raw.starts_with(':') {
        format!("127.0.0.1{raw}")
    } else if raw.starts_with("localhost:") {
        raw.replacen("localhost", "127.0.0.1", 1)
    } else {
        raw.to_string()
    };
    full.parse()
        .map_err(|_| format!("'{raw}' is not an address like 127.0.0.1:8080 or :0"))
}

/// The portal's own address as a URL: `PUBLIC_URL` when unset (`http://127.0.0.1:8080` by
/// default; port 0 becomes the bound port at start), and where its own client reaches the
/// simulators. 127.0.0.1 stands for every interface.
pub fn own_url(bind: SocketAddr) -> String {
    let host = match bind.ip() {
        ip if ip.is_unspecified() => std::net::IpAddr::from(std::net::Ipv4Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(host, bind.port()))
}

/// Whether a URL's host is this machine: `localhost` or a loopback address.
fn url_is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn parse_http_url(raw: &str) -> Result<Url, String> {
    let u = Url::parse(raw.trim()).map_err(|e| format!("'{}' is not a URL ({e})", raw.trim()))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err("must start with http:// or https://".into());
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err("has no host".into());
    }
    Ok(u)
}

fn valid_domain(d: &str) -> bool {
    !d.is_empty()
        && d.len() <= 253
        && d.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

fn valid_sms_sender(s: &str) -> bool {
    let alnum =
        (3..=11).contains(&s.chars().count()) && s.chars().all(|c| c.is_ascii_alphanumeric());
    let number = s.starts_with('+')
        && (8..=16).contains(&s.len())
        && s[1..].chars().all(|c| c.is_ascii_digit());
    alnum || number
}
