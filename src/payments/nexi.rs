//! The Nexi Checkout client (hosted payment page): create a payment with its order items in
//! öre, send the buyer to the hosted page, and read the payment back. A payment is paid when
//! its charged amount equals its amount; nothing the browser or a webhook says is believed.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use url::Url;

use crate::domain::Money;
use crate::settings::NexiSettings;

#[derive(Clone)]
pub struct NexiClient {
    http: reqwest::Client,
    base: Url,
    secret_key: SecretString,
}

#[derive(Debug, thiserror::Error)]
pub enum NexiError {
    #[error("Nexi answered HTTP {0}")]
    Http(u16),
    #[error("Nexi could not be reached: {0}")]
    Unreachable(String),
    #[error("Nexi answered something unreadable: {0}")]
    Garbage(String),
}

/// What is bought, and where the buyer's browser goes back to.
#[derive(Debug, Clone, Copy)]
pub struct CardOrder<'a> {
    pub reference: &'a str,
    pub item: &'a str,
    pub total: Money,
    pub vat_basis_points: i32,
    pub return_url: &'a str,
    pub cancel_url: &'a str,
    pub terms_url: &'a str,
}

#[derive(Debug, Clone)]
pub struct Created {
    pub payment_id: String,
    pub hosted_page: String,
}

/// What we need of a payment read back from Nexi.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NexiPayment {
    pub payment_id: String,
    pub amount: i64,
    pub charged: i64,
}

impl NexiPayment {
    pub fn is_paid(&self) -> bool {
        self.amount > 0 && self.charged == self.amount
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreatedBody {
    payment_id: String,
    hosted_payment_page_url: String,
}

#[derive(Deserialize)]
struct RetrieveBody {
    payment: RetrievedPayment,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RetrievedPayment {
    payment_id: String,
    #[serde(default)]
    summary: Summary,
    order_details: OrderDetails,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Summary {
    charged_amount: Option<i64>,
}

#[derive(Deserialize)]
struct OrderDetails {
    amount: i64,
}

impl NexiClient {
    /// The real API; `timeout` bounds every request (`PROVIDER_TIMEOUT_MS`).
    pub fn real(s: &NexiSettings, timeout: Duration) -> NexiClient {
        NexiClient {
            http: reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .expect("HTTP client"),
            base: s.api_url.clone(),
            secret_key: s.secret_key.clone(),
        }
    }

    /// The built-in card simulator mounted in this server under `/sim/card/`.
    pub fn simulator(public_url: &Url, timeout: Duration) -> NexiClient {
        NexiClient {
            http: reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .expect("HTTP client"),
            base: public_url.join("/sim/card/").expect("a valid base URL"),
            secret_key: SecretString::from("simulator-secret-key".to_string()),
        }
    }

    fn url(&self, path: &str) -> Url {
        self.base.join(path).expect("a relative API path")
    }

    pub async fn create(&self, order: &CardOrder<'_>) -> Result<Created, NexiError> {
        let CardOrder {
            reference,
            item,
            total,
            vat_basis_points,
            return_url,
            cancel_url,
            terms_url,
        } = *order;
        let vat = total.vat_included(i64::from(vat_basis_points));
        let net = total.ore() - vat.ore();
        let body = json!({
            "order": {
                "items": [{
                    "reference": reference, "name": item, "quantity": 1, "unit": "st",
                    "unitPrice": net, "taxRate": vat_basis_points, "taxAmount": vat.ore(),
                    "grossTotalAmount": total.ore(), "netTotalAmount": net
                }],
                "amount": total.ore(), "currency": "SEK", "reference": reference
            },
            "checkout": {
                "integrationType": "HostedPaymentPage", "returnUrl": return_url,
                "cancelUrl": cancel_url, "termsUrl": terms_url, "charge": true
            }
        });
        let resp = self
            .http
            .post(self.url("v1/payments"))
            .header("Authorization", self.secret_key.expose_secret())
            .json(&body)
            .send()
            .await
            .map_err(|e| NexiError::Unreachable(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(NexiError::Http(resp.status().as_u16()));
        }
        let text = resp
            .text()
            .await
            .map_err(|e| NexiError::Unreachable(e.to_string()))?;
        let created: CreatedBody = serde_json::from_str(&text)
            .map_err(|_| NexiError::Garbage(text.chars().take(200).collect()))?;
        Ok(Created {
            payment_id: created.payment_id,
            hosted_page: created.hosted_payment_page_url,
        })
    }

    pub async fn retrieve(&self, payment_id: &str) -> Result<NexiPayment, NexiError> {
        let resp = self
            .http
            .get(self.url(&format!("v1/payments/{payment_id}")))
            .header("Authorization", self.secret_key.expose_secret())
            .send()
            .await
            .map_err(|e| NexiError::Unreachable(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(NexiError::Http(resp.status().as_u16()));
        }
        let text = resp
            .text()
            .await
            .map_err(|e| NexiError::Unreachable(e.to_string()))?;
        let body: RetrieveBody = serde_json::from_str(&text)
            .map_err(|_| NexiError::Garbage(text.chars().take(200).collect()))?;
        if body.payment.payment_id != payment_id {
            return Err(NexiError::Garbage(format!(
                "answer for another payment: {}",
                body.payment.payment_id
            )));
        }
        Ok(NexiPayment {
            payment_id: body.payment.payment_id,
            amount: body.payment.order_details.amount,
            charged: body.payment.summary.charged_amount.unwrap_or(0),
        })
    }
}
