//! The mailbox actor: delivers stored notifications, retries with backoff while a channel is
//! down, and after a restart picks up whatever was not delivered. The outbox rows are the
//! truth; each row is leased before sending so two instances never send the same one.
//!
//! Each row is one channel: `email` goes over SMTP, `sms` through the 46elks API, and either
//! goes to the local mailbox page (`/dev/mailbox`) when its channel is simulated (demo mode;
//! an e-mail there is also logged as one line with its link). Outside demo mode a channel that
//! is not configured delivers nothing: its rows end as `failed` at once. A row
//! keeps its own attempts, so a channel that is down does not hold back the other one; after
//! `max_attempts` failed attempts the row ends as `failed`.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use lettre::AsyncTransport;
use lettre::message::{Mailbox as Address, MultiPart};

use super::sms::SmsClient;
use super::smtp::SmtpTransport;
use crate::actors::rounds::{self, RoundJob, Rounds};
use crate::clock;
use crate::db::{self, Pool, notifications as outbox};

/// Tells the mailbox that something new is waiting.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Wake;

/// Where each channel goes; `None` is the local mailbox page when that channel is simulated
/// (`local_email`, `local_sms`: demo mode), and nowhere otherwise.
pub struct Channels {
    pub smtp: Option<SmtpTransport>,
    pub from: Address,
    pub sms: Option<SmsClient>,
    pub local_email: bool,
    pub local_sms: bool,
}

pub struct Mailbox {
    job: Delivery,
    rounds: Rounds,
}

impl Mailbox {
    /// `retry_base` is the first wait after a failed attempt (doubling each time, at most 15
    /// minutes); after `max_attempts` attempts a row is `failed`.
    pub fn new(pool: Pool, channels: Channels, retry_base: Duration, max_attempts: i32) -> Self {
        Mailbox {
            job: Delivery {
                pool,
                smtp: channels.smtp.map(Arc::new),
                sms: channels.sms,
                from: channels.from,
                local_email: channels.local_email,
                local_sms: channels.local_sms,
                retry_base,
                max_attempts: max_attempts.max(1),
            },
            rounds: Rounds::default(),
        }
    }
}

impl RoundJob for Mailbox {
    const NAME: &'static str = "notification delivery";

    fn rounds(&mut self) -> &mut Rounds {
        &mut self.rounds
    }

    fn round(&self) -> impl std::future::Future<Output = anyhow::Result<()>> + 'static {
        let job = self.job.clone();
        async move { job.deliver_due().await }
    }
}

impl Actor for Mailbox {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // Undelivered rows from before a restart, and retries whose time has come.
        rounds::start(self, ctx, Duration::from_secs(1));
    }
}

impl Handler<Wake> for Mailbox {
    type Result = ();

    fn handle(&mut self, _: Wake, ctx: &mut Self::Context) {
        rounds::kick(self, ctx);
    }
}

/// What a delivery round needs; each round works on its own copy.
#[derive(Clone)]
struct Delivery {
    pool: Pool,
    smtp: Option<Arc<SmtpTransport>>,
    sms: Option<SmsClient>,
    from: Address,
    local_email: bool,
    local_sms: bool,
    retry_base: Duration,
    max_attempts: i32,
}

/// Why a notification was not delivered; a channel that does not exist is not retried.
enum Failure {
    Retry(String),
    Never(String),
}

impl From<String> for Failure {
    fn from(e: String) -> Self {
        Failure::Retry(e)
    }
}

/// The first link in a text (what a demo e-mail's log line shows).
fn first_link(text: &str) -> &str {
    text.split_whitespace()
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))
        .unwrap_or("")
}

const BATCH: i64 = 50;

impl Delivery {
    async fn deliver_due(&self) -> anyhow::Result<()> {
        loop {
            let now = clock::now();
            let rows = db::query(&self.pool, move |c| outbox::due(c, now, BATCH)).await?;
            let full = rows.len() as i64 == BATCH;
            for row in rows {
                let id = row.id;
                let leased = db::query(&self.pool, move |c| {
                    outbox::lease(c, id, clock::now(), chrono::Duration::seconds(120))
                })
                .await?;
                if !leased {
                    continue;
                }
                let outcome = self.send(&row).await;
                let attempts = row.attempts + 1;
                let (retry_base, max_attempts) = (self.retry_base, self.max_attempts);
                db::query(&self.pool, move |c| {
                    let now = clock::now();
                    match outcome {
                        Ok(transport) => {
                            tracing::info!(notification = id, transport, "notification delivered");
                            outbox::mark_sent(c, id, transport, now)?
                        }
                        Err(failure) => {
                            let (error, retry) = match failure {
                                Failure::Retry(e) => (e, true),
                                Failure::Never(e) => (e, false),
                            };
                            let retry_at = (retry && attempts < max_attempts).then(|| {
                                let factor = 2u32.saturating_pow((attempts - 1).clamp(0, 16) as u32);
                                let wait = (retry_base * factor).min(Duration::from_secs(900));
                                now + chrono::Duration::from_std(wait).unwrap_or_default()
                            });
                            tracing::warn!(notification = id, attempts, error = %error, retry = retry_at.is_some(), "notification not delivered");
                            outbox::mark_attempt_failed(c, id, &error, retry_at, now)?
                        }
                    }
                    Ok(())
                })
                .await?;
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// Sends one notification; returns the transport it went through.
    async fn send(&self, row: &outbox::NotificationRow) -> Result<&'static str, Failure> {
        match row.channel.as_str() {
            super::EMAIL => match &self.smtp {
                Some(smtp) => Ok(self.send_email(smtp, row).await?),
                None if self.local_email => {
                    tracing::info!(
                        notification = row.id,
                        to = %row.recipient,
                        subject = %row.subject,
                        link = %first_link(&row.body_text),
                        "demo e-mail (see /dev/mailbox)"
                    );
                    Ok("mailbox")
                }
                None => Err(Failure::Never("no SMTP server (SMTP_URL)".into())),
            },
            super::SMS => match &self.sms {
                Some(sms) => {
                    let receipt = sms
                        .send(&row.recipient, &row.body_text)
                        .await
                        .map_err(|e| Failure::Retry(e.to_string()))?;
                    tracing::info!(notification = row.id, sms_id = %receipt.id, status = %receipt.status, parts = ?receipt.parts, "SMS accepted by 46elks");
                    Ok("46elks")
                }
                None if self.local_sms => Ok("mailbox"),
                None => Err(Failure::Never("no SMS gateway (SMS_46ELKS_URL)".into())),
            },
            other => Err(Failure::Retry(format!("unknown channel {other}"))),
        }
    }

    async fn send_email(
        &self,
        smtp: &SmtpTransport,
        row: &outbox::NotificationRow,
    ) -> Result<&'static str, String> {
        let to: Address = row
            .recipient
            .parse()
            .map_err(|e| format!("bad recipient: {e}"))?;
        let html = row
            .body_html
            .clone()
            .unwrap_or_else(|| row.body_text.clone());
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(row.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                row.body_text.clone(),
                html,
            ))
            .map_err(|e| format!("cannot build e-mail: {e}"))?;
        smtp.send(message).await.map_err(|e| format!("SMTP: {e}"))?;
        Ok("smtp")
    }
}
