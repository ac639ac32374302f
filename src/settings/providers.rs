//! Who sells, and the providers: the SMS gateway, Swish, Nexi; demo mode and what it simulates.

use super::*;

/// Who sells: printed on every receipt.
#[derive(Debug, Clone)]
pub struct Seller {
    pub name: String,
    pub address: String,
    pub org_no: String,
}

/// The SMS gateway (46elks API format).
#[derive(Debug, Clone)]
pub struct SmsGateway {
    pub url: Url,
    pub user: String,
    pub password: SecretString,
}

/// The real Swish Commerce API.
#[derive(Debug, Clone)]
pub struct SwishSettings {
    pub api_url: Url,
    pub cert_p12: PathBuf,
    pub cert_password: SecretString,
    pub payee_alias: String,
    pub callback_url: Url,
}

/// The real Nexi Checkout API.
#[derive(Debug, Clone)]
pub struct NexiSettings {
    pub api_url: Url,
    pub secret_key: SecretString,
    pub webhook_auth: SecretString,
}

/// `DEMO_MODE`: whether what is not configured may be simulated (CONTRACT.md "Demo mode").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoMode {
    /// Allowed when `BIND_ADDR` is a loopback address.
    Auto,
    /// Allowed anyway: then anyone who reaches the server can read every e-mail.
    On,
    /// Never.
    Off,
}

/// How one outside service is provided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Service {
    /// Neither configured nor simulated: not offered.
    #[default]
    Off,
    /// The real service, configured.
    Real,
    /// Demo mode: the built-in stand-in (the local mailbox page or a payment simulator).
    Simulated,
}

impl Service {
    pub fn offered(self) -> bool {
        self != Service::Off
    }

    pub fn simulated(self) -> bool {
        self == Service::Simulated
    }
}

/// What this start provides for e-mail, SMS, Swish and card payments, decided once at start
/// from the settings and demo mode. `Default` is "nothing simulated, nothing offered".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Services {
    pub email: Service,
    pub sms: Service,
    pub swish: Service,
    pub card: Service,
}

impl Services {
    /// Whether anything is simulated: demo mode is on, the banner shows.
    pub fn demo(&self) -> bool {
        self.email.simulated()
            || self.sms.simulated()
            || self.swish.simulated()
            || self.card.simulated()
    }

    /// Whether the local mailbox page `/dev/mailbox` exists.
    pub fn mailbox_page(&self) -> bool {
        self.email.simulated() || self.sms.simulated()
    }
}
