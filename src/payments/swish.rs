//! The Swish Commerce API client: create a payment request (v2, PUT with our own instruction
//! id), retrieve it (v1), with mutual TLS (PKCS#12 client certificate) when configured.

use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::domain::{MobileNumber, Money};
use crate::settings::SwishSettings;

#[derive(Clone)]
pub struct SwishClient {
    http: reqwest::Client,
    base: Url,
    payee_alias: String,
    callback_url: Url,
    /// Where "open Swish" goes: the Swish app (`swish://paymentrequest`), or the simulator's
    /// stand-in for it, a page of this portal.
    app: Url,
}

/// Swish gives a payment request this long to be approved, then ends it as ERROR TM01.
pub const EXPIRES_AFTER: chrono::Duration = chrono::Duration::minutes(3);

/// The Swish app's address for a payment request made on this phone (m-commerce).
const SWISH_APP: &str = "swish://paymentrequest";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SwishStatus {
    Created,
    Paid,
    Declined,
    Error,
    Cancelled,
}

impl SwishStatus {
    pub fn is_final(self) -> bool {
        !matches!(self, SwishStatus::Created)
    }
}

/// A payment request as Swish reports it (retrieve and callback bodies).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequest {
    pub id: String,
    pub payee_payment_reference: Option<String>,
    pub payment_reference: Option<String>,
    pub payer_alias: Option<String>,
    pub payee_alias: Option<String>,
    pub amount: serde_json::Value,
    pub currency: Option<String>,
    pub status: SwishStatus,
    pub date_created: Option<String>,
    pub date_paid: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody<'a> {
    payee_payment_reference: &'a str,
    callback_url: &'a str,
    /// Absent for a payment request answered in the Swish app on this phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    payer_alias: Option<String>,
    payee_alias: &'a str,
    amount: String,
    currency: &'static str,
    message: String,
}

/// One entry of Swish's 422 error array.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    pub error_code: String,
    pub error_message: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SwishError {
    /// Swish refused the request (422), e.g. ACMT03: the payer is not enrolled.
    #[error("refused by Swish: {0:?}")]
    Refused(Vec<ApiError>),
    #[error("Swish answered HTTP {0}")]
    Http(u16),
    #[error("Swish could not be reached: {0}")]
    Unreachable(String),
    #[error("Swish answered something unreadable: {0}")]
    Garbage(String),
}

/// Swish amounts: a string with two decimals, e.g. "350.00".
pub fn amount(m: Money) -> String {
    format!("{}.{:02}", m.ore() / 100, m.ore() % 100)
}

/// The message shown to the payer: at most 50 of the characters Swish allows.
pub fn message(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric() || " !?(),.-:;/".contains(*c))
        .take(50)
        .collect()
}

/// A new instruction id: 32 upper-case hex characters.
pub fn new_instruction_id() -> String {
    uuid::Uuid::new_v4().simple().to_string().to_uppercase()
}

impl SwishClient {
    /// The real API, with the PKCS#12 client certificate; `timeout` bounds every request
    /// (`PROVIDER_TIMEOUT_MS`).
    pub fn real(s: &SwishSettings, timeout: Duration) -> anyhow::Result<SwishClient> {
        use secrecy::ExposeSecret;
        let der = std::fs::read(&s.cert_p12).context("SWISH_CERT_P12 cannot be read")?;
        let identity = reqwest::Identity::from_pkcs12_der(&der, s.cert_password.expose_secret())
            .context("SWISH_CERT_P12 is not a PKCS#12 certificate with that password")?;
        let http = reqwest::Client::builder()
            .use_native_tls()
            .identity(identity)
            .timeout(timeout)
            .build()
            .context("Swish HTTP client")?;
        Ok(SwishClient {
            http,
            base: s.api_url.clone(),
            payee_alias: s.payee_alias.clone(),
            callback_url: s.callback_url.clone(),
            app: Url::parse(SWISH_APP).expect("a valid URL"),
        })
    }

    /// The built-in simulator mounted in this server under `/sim/swish/`; every request carries
    /// the simulator key `sim_key` (the simulator answers nobody else).
    /// The simulator's API at `own` (the address bound); the payer's app page and the
    /// callback under `public_url`.
    pub fn simulator(public_url: &Url, own: &Url, timeout: Duration, sim_key: &str) -> SwishClient {
        let base = own.join("/sim/swish/").expect("a valid base URL");
        let callback_url = public_url
            .join("/callbacks/swish")
            .expect("a valid base URL");
        let mut headers = reqwest::header::HeaderMap::new();
        if let Ok(mut key) = reqwest::header::HeaderValue::from_str(sim_key) {
            key.set_sensitive(true);
            headers.insert(super::SIM_KEY_HEADER, key);
        }
        SwishClient {
            http: reqwest::Client::builder()
                .default_headers(headers)
                .timeout(timeout)
                // The simulator is served by this portal, whose server closes a connection
                // idle for 5 s: let go of idle ones well before, so that a request never
                // goes out on a connection being closed under it.
                .pool_idle_timeout(Duration::from_secs(2))
                .build()
                .expect("HTTP client"),
            base,
            payee_alias: "1231181189".into(),
            callback_url,
            app: public_url.join("/sim/swish/app").expect("a valid base URL"),
        }
    }

    fn url(&self, path: &str) -> Url {
        self.base.join(path).expect("a relative API path")
    }

    /// A PUT that creates something at Swish (a payment request or a refund): 201 (its
    /// headers), or the 422 error array, or another status.
    ///
    /// A request that could not be sent (typically on a kept-alive connection the other side
    /// closed at that moment), or that met a 408 (the server closed an idle connection before
    /// reading it), is sent once more on a fresh connection; the PUT carries our id, so it
    /// cannot create a second one. A time-out is not repeated.
    async fn put<B: Serialize>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<reqwest::header::HeaderMap, SwishError> {
        let send = || self.http.put(self.url(path)).json(body).send();
        let resp = match send().await {
            Err(e) if e.is_request() && !e.is_timeout() => {
                tracing::info!(error = %e, "Swish request not sent; sending it again");
                send().await
            }
            Ok(r) if r.status() == reqwest::StatusCode::REQUEST_TIMEOUT => {
                tracing::info!("Swish answered 408 before reading the request; sending it again");
                send().await
            }
            other => other,
        }
        .map_err(|e| SwishError::Unreachable(e.to_string()))?;
        match resp.status().as_u16() {
            200 | 201 => Ok(resp.headers().clone()),
            _ => Err(refusal(resp).await),
        }
    }

    /// A GET of something Swish keeps, read as JSON.
    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, SwishError> {
        let resp = self
            .http
            .get(self.url(path))
            .send()
            .await
            .map_err(|e| SwishError::Unreachable(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(SwishError::Http(resp.status().as_u16()));
        }
        let text = resp
            .text()
            .await
            .map_err(|e| SwishError::Unreachable(e.to_string()))?;
        serde_json::from_str(&text)
            .map_err(|_| SwishError::Garbage(text.chars().take(200).collect()))
    }

    /// Creates a payment request with our instruction id (PUT is idempotent at Swish: the
    /// same id twice does not make a second payment request). With the payer's number Swish
    /// asks that phone; without it (Swish on this phone) Swish answers with the token that
    /// opens the request in the Swish app ([`Self::app_link`]).
    pub async fn create(
        &self,
        instruction_id: &str,
        payer: Option<&MobileNumber>,
        sum: Money,
        reference: &str,
        text: &str,
    ) -> Result<Option<String>, SwishError> {
        let body = CreateBody {
            payee_payment_reference: reference,
            callback_url: self.callback_url.as_str(),
            payer_alias: payer.map(|p| p.e164().trim_start_matches('+').to_string()),
            payee_alias: &self.payee_alias,
            amount: amount(sum),
            currency: "SEK",
            message: message(text),
        };
        let headers = self
            .put(&format!("api/v2/paymentrequests/{instruction_id}"), &body)
            .await?;
        let token = headers
            .get("PaymentRequestToken")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if payer.is_none() && token.is_none() {
            return Err(SwishError::Garbage("no PaymentRequestToken".into()));
        }
        Ok(token)
    }

    /// The address that opens a payment request in the Swish app, which sends the payer
    /// back to `back` when done.
    pub fn app_link(&self, token: &str, back: &str) -> String {
        let mut link = self.app.clone();
        link.query_pairs_mut()
            .append_pair("token", token)
            .append_pair("callbackurl", back);
        link.to_string()
    }

    /// Cancels a payment request that the payer has not answered yet (`PATCH` with a JSON
    /// patch of its status). Swish refuses (422) one that is no longer CREATED.
    pub async fn cancel(&self, instruction_id: &str) -> Result<PaymentRequest, SwishError> {
        let patch = serde_json::json!([{"op": "replace", "path": "/status", "value": "cancelled"}]);
        let resp = self
            .http
            .patch(self.url(&format!("api/v1/paymentrequests/{instruction_id}")))
            .header(reqwest::header::CONTENT_TYPE, "application/json-patch+json")
            .body(patch.to_string())
            .send()
            .await
            .map_err(|e| SwishError::Unreachable(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(refusal(resp).await);
        }
        let text = resp
            .text()
            .await
            .map_err(|e| SwishError::Unreachable(e.to_string()))?;
        let pr: PaymentRequest = serde_json::from_str(&text)
            .map_err(|_| SwishError::Garbage(text.chars().take(200).collect()))?;
        if pr.id != instruction_id {
            return Err(SwishError::Garbage(format!(
                "answer for another id: {}",
                pr.id
            )));
        }
        Ok(pr)
    }

    pub async fn retrieve(&self, instruction_id: &str) -> Result<PaymentRequest, SwishError> {
        let pr: PaymentRequest = self
            .get(&format!("api/v1/paymentrequests/{instruction_id}"))
            .await?;
        if pr.id != instruction_id {
            return Err(SwishError::Garbage(format!(
                "answer for another id: {}",
                pr.id
            )));
        }
        Ok(pr)
    }
}

/// An answer that is not a success: the 422 error array, or the status.
async fn refusal(resp: reqwest::Response) -> SwishError {
    match resp.status().as_u16() {
        422 => {
            let text = resp.text().await.unwrap_or_default();
            match serde_json::from_str(&text) {
                Ok(errors) => SwishError::Refused(errors),
                Err(_) => SwishError::Garbage(text.chars().take(200).collect()),
            }
        }
        other => SwishError::Http(other),
    }
}

/// A refund as Swish reports it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Refund {
    pub id: String,
    pub original_payment_reference: Option<String>,
    /// CREATED, DEBITED, PAID or ERROR.
    pub status: String,
    pub amount: serde_json::Value,
    pub error_code: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RefundBody<'a> {
    original_payment_reference: &'a str,
    callback_url: &'a str,
    payer_alias: &'a str,
    amount: String,
    currency: &'static str,
    message: String,
}

impl SwishClient {
    /// Refunds (part of) a paid payment, identified by Swish's payment reference.
    pub async fn refund(
        &self,
        instruction_id: &str,
        original_payment_reference: &str,
        sum: Money,
        text: &str,
    ) -> Result<(), SwishError> {
        let body = RefundBody {
            original_payment_reference,
            callback_url: self.callback_url.as_str(),
            payer_alias: &self.payee_alias,
            amount: amount(sum),
            currency: "SEK",
            message: message(text),
        };
        match self
            .put(&format!("api/v2/refunds/{instruction_id}"), &body)
            .await
        {
            Ok(_) => Ok(()),
            // 409 (RF01): this instruction id was taken already — an earlier attempt whose
            // answer was lost. What Swish kept says whether that refund went through.
            Err(SwishError::Http(409)) => {
                let kept = self.retrieve_refund(instruction_id).await?;
                match kept.status.as_str() {
                    "ERROR" | "DECLINED" => Err(SwishError::Http(409)),
                    _ => Ok(()),
                }
            }
            Err(e) => Err(e),
        }
    }

    pub async fn retrieve_refund(&self, instruction_id: &str) -> Result<Refund, SwishError> {
        let refund: Refund = self
            .get(&format!("api/v1/refunds/{instruction_id}"))
            .await?;
        if refund.id != instruction_id {
            return Err(SwishError::Garbage(format!(
                "answer for another refund: {}",
                refund.id
            )));
        }
        Ok(refund)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_messages_in_swish_form() {
        assert_eq!(amount(Money::from_ore(35_000)), "350.00");
        assert_eq!(amount(Money::from_ore(4_005)), "40.05");
        assert_eq!(
            message("Parkering <ABC123> 2026-11-25 – 2026-12-24 Västerås sjukhus och mer text"),
            "Parkering ABC123 2026-11-25  2026-12-24 Västerås s"
        );
        let id = new_instruction_id();
        assert_eq!(id.len(), 32);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
    }
}
