//! The Nexi Checkout client (hosted payment page): create a payment with its order items in
//! öre, send the buyer to the hosted page, and read the payment back. A payment is paid when
//! its charged amount equals its amount; nothing the browser or a webhook says is believed.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
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
    /// Nexi refused the request (400), e.g. a refund above what is left of the charge.
    #[error("refused by Nexi: {0}")]
    Refused(String),
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

/// One order item as Nexi wants it, amounts in öre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderItem {
    pub reference: String,
    pub name: String,
    pub quantity: i64,
    pub unit: String,
    pub unit_price: i64,
    pub tax_rate: i32,
    pub tax_amount: i64,
    pub gross_total_amount: i64,
    pub net_total_amount: i64,
}

impl OrderItem {
    /// One of something that costs `total` including VAT at `vat_basis_points`.
    pub fn single(reference: &str, name: &str, total: Money, vat_basis_points: i32) -> OrderItem {
        let vat = total.vat_included(i64::from(vat_basis_points));
        let net = total.ore() - vat.ore();
        OrderItem {
            reference: reference.to_string(),
            name: name.to_string(),
            quantity: 1,
            unit: "st".to_string(),
            unit_price: net,
            tax_rate: vat_basis_points,
            tax_amount: vat.ore(),
            gross_total_amount: total.ore(),
            net_total_amount: net,
        }
    }
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
    /// What has been refunded of the charges so far.
    pub refunded: i64,
    /// The charges: what a refund refers to.
    pub charges: Vec<Charge>,
    /// The checkout was ended (terminated by us, or given up) before anything was charged:
    /// it can no longer be paid.
    pub terminated: bool,
}

/// One charge of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Charge {
    pub charge_id: String,
    pub amount: i64,
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
    #[serde(default)]
    charges: Option<Vec<Charge>>,
    /// When the checkout was terminated (absent while it is open or once it is paid).
    #[serde(default)]
    terminated: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Summary {
    charged_amount: Option<i64>,
    refunded_amount: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefundedBody {
    refund_id: String,
}

/// Nexi's 400 answer: `{"errors": {"field": ["message", …]}}`, sometimes `{"message": …}`.
fn refusal(text: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    let from_errors = v.get("errors").and_then(|e| e.as_object()).map(|e| {
        e.iter()
            .flat_map(|(field, msgs)| {
                msgs.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m.as_str())
                    .map(move |m| format!("{field}: {m}"))
            })
            .collect::<Vec<_>>()
            .join("; ")
    });
    from_errors
        .filter(|m| !m.is_empty())
        .or_else(|| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| text.chars().take(200).collect())
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

    /// The built-in card simulator mounted in this server under `/sim/card/`; its secret key is
    /// the simulator key `sim_key` (the simulator answers nobody else).
    /// The simulator's API at `own` (the address bound); its hosted page names `PUBLIC_URL`.
    pub fn simulator(own: &Url, timeout: Duration, sim_key: &str) -> NexiClient {
        NexiClient {
            http: reqwest::Client::builder()
                .timeout(timeout)
                // The simulator is served by this portal, whose server closes a connection
                // idle for 5 s: let go of idle ones well before, so that a request never
                // goes out on a connection being closed under it.
                .pool_idle_timeout(Duration::from_secs(2))
                .build()
                .expect("HTTP client"),
            base: own.join("/sim/card/").expect("a valid base URL"),
            secret_key: SecretString::from(sim_key.to_string()),
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
        let body = json!({
            "order": {
                "items": [OrderItem::single(reference, item, total, vat_basis_points)],
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
            .json(&body);
        let created: CreatedBody = json_answer(resp).await?;
        Ok(Created {
            payment_id: created.payment_id,
            hosted_page: created.hosted_payment_page_url,
        })
    }

    pub async fn retrieve(&self, payment_id: &str) -> Result<NexiPayment, NexiError> {
        let resp = self
            .http
            .get(self.url(&format!("v1/payments/{payment_id}")))
            .header("Authorization", self.secret_key.expose_secret());
        let body: RetrieveBody = json_answer(resp).await?;
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
            refunded: body.payment.summary.refunded_amount.unwrap_or(0),
            charges: body.payment.charges.unwrap_or_default(),
            terminated: body.payment.terminated.is_some(),
        })
    }

    /// Ends a checkout that is still open (`PUT /v1/payments/{id}/terminate`), so the hosted
    /// page can no longer charge. Nexi refuses (400) once the payment is completed: then it is
    /// charged, and reading it back says so.
    pub async fn terminate(&self, payment_id: &str) -> Result<(), NexiError> {
        let resp = self
            .http
            .put(self.url(&format!("v1/payments/{payment_id}/terminate")))
            .header("Authorization", self.secret_key.expose_secret())
            .send()
            .await
            .map_err(|e| NexiError::Unreachable(e.to_string()))?;
        match resp.status().as_u16() {
            200 | 204 => Ok(()),
            400 => {
                let text = resp.text().await.unwrap_or_default();
                Err(NexiError::Refused(refusal(&text)))
            }
            other => Err(NexiError::Http(other)),
        }
    }

    /// Refunds (part of) a charge; the items say what is refunded and add up to `amount_ore`.
    /// The same `idempotency_key` again is the same refund (Nexi answers the first one's id).
    /// Answers Nexi's refund id.
    pub async fn refund(
        &self,
        charge_id: &str,
        amount_ore: i64,
        items: &[OrderItem],
        idempotency_key: &str,
    ) -> Result<String, NexiError> {
        let resp = self
            .http
            .post(self.url(&format!("v1/charges/{charge_id}/refunds")))
            .header("Authorization", self.secret_key.expose_secret())
            .header("Idempotency-Key", idempotency_key)
            .json(&json!({ "amount": amount_ore, "orderItems": items }))
            .send()
            .await
            .map_err(|e| NexiError::Unreachable(e.to_string()))?;
        let status = resp.status().as_u16();
        let text = resp
            .text()
            .await
            .map_err(|e| NexiError::Unreachable(e.to_string()))?;
        match status {
            200 | 201 => {
                let body: RefundedBody = serde_json::from_str(&text)
                    .map_err(|_| NexiError::Garbage(text.chars().take(200).collect()))?;
                Ok(body.refund_id)
            }
            400 => Err(NexiError::Refused(refusal(&text))),
            other => Err(NexiError::Http(other)),
        }
    }
}

/// Sends a request and reads a success answer's JSON: unreachable, an HTTP error status, or
/// a body that is not the expected JSON each say so.
async fn json_answer<T: serde::de::DeserializeOwned>(
    req: reqwest::RequestBuilder,
) -> Result<T, NexiError> {
    let resp = req
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
    serde_json::from_str(&text).map_err(|_| NexiError::Garbage(text.chars().take(200).collect()))
}
