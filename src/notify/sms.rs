//! The SMS client for the 46elks HTTP API: `POST {base}/a1/sms` with the form fields `from`,
//! `to` (E.164) and `message`, HTTP Basic auth with the API user and password.
//!
//! `SMS_46ELKS_URL` is the API's base, e.g. `https://api.46elks.com`. A URL that already ends
//! in `/a1` (or in `/a1/sms`) is taken as it is, so `https://api.46elks.com/a1` does not become
//! `/a1/a1/sms`.
//!
//! An SMS counts as sent only when 46elks answers 2xx with its JSON receipt (`"status"` and
//! `"id"`); any other answer, a timeout or an unreachable gateway is a failure that the mailbox
//! actor retries.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::settings::SmsGateway;

#[derive(Clone)]
pub struct SmsClient {
    http: reqwest::Client,
    endpoint: Url,
    user: String,
    password: SecretString,
    from: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("46elks answered HTTP {status}: {body}")]
    Http { status: u16, body: String },
    #[error("46elks could not be reached: {0}")]
    Unreachable(String),
    #[error("46elks answered something unreadable: {0}")]
    Garbage(String),
}

/// What 46elks answers for an accepted SMS (the fields we use).
#[derive(Debug, Clone, Deserialize)]
pub struct SmsReceipt {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub parts: Option<i64>,
    #[serde(default)]
    pub cost: Option<i64>,
}

/// `{base}/a1/sms`, without doubling an `/a1` or `/a1/sms` the base already has.
pub fn endpoint(base: &Url) -> Url {
    let mut url = base.clone();
    let path = url.path().trim_end_matches('/').to_string();
    let path = if path.ends_with("/a1/sms") {
        path
    } else if path.ends_with("/a1") {
        format!("{path}/sms")
    } else {
        format!("{path}/a1/sms")
    };
    url.set_path(&path);
    url.set_query(None);
    url
}

impl SmsClient {
    pub fn new(gateway: &SmsGateway, from: &str) -> SmsClient {
        SmsClient {
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(15))
                .build()
                .expect("HTTP client"),
            endpoint: endpoint(&gateway.url),
            user: gateway.user.clone(),
            password: gateway.password.clone(),
            from: from.to_string(),
        }
    }

    /// Sends one SMS to an E.164 number.
    pub async fn send(&self, to: &str, message: &str) -> Result<SmsReceipt, SmsError> {
        let resp = self
            .http
            .post(self.endpoint.clone())
            .basic_auth(&self.user, Some(self.password.expose_secret()))
            .form(&[
                ("from", self.from.as_str()),
                ("to", to),
                ("message", message),
            ])
            .send()
            .await
            .map_err(|e| SmsError::Unreachable(error_chain(&e)))?;
        let status = resp.status();
        let body = resp
            .text()
            .await
            .map_err(|e| SmsError::Unreachable(error_chain(&e)))?;
        if !status.is_success() {
            return Err(SmsError::Http {
                status: status.as_u16(),
                body: body.chars().take(200).collect(),
            });
        }
        let receipt: SmsReceipt = serde_json::from_str(&body)
            .map_err(|e| SmsError::Garbage(format!("{e}: {}", snippet(&body))))?;
        if receipt.id.is_empty() || receipt.status.is_empty() {
            return Err(SmsError::Garbage(snippet(&body)));
        }
        Ok(receipt)
    }
}

fn snippet(body: &str) -> String {
    body.chars().take(120).collect()
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_is_a1_sms_under_the_base_never_doubled() {
        for (base, want) in [
            ("https://api.46elks.com", "https://api.46elks.com/a1/sms"),
            ("https://api.46elks.com/", "https://api.46elks.com/a1/sms"),
            ("https://api.46elks.com/a1", "https://api.46elks.com/a1/sms"),
            (
                "https://api.46elks.com/a1/",
                "https://api.46elks.com/a1/sms",
            ),
            ("http://127.0.0.1:9/a1/sms", "http://127.0.0.1:9/a1/sms"),
            ("http://gw.local/elks", "http://gw.local/elks/a1/sms"),
        ] {
            assert_eq!(endpoint(&Url::parse(base).unwrap()).as_str(), want);
        }
    }
}
