//! The mailbox actor: delivers stored notifications, retries with backoff while a channel is
//! down, and after a restart picks up whatever was not delivered. The outbox rows are the
//! truth; each row is leased before sending so two instances never send the same one.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use lettre::AsyncTransport;
use lettre::message::{Mailbox as Address, MultiPart};

use super::smtp::SmtpTransport;
use crate::clock;
use crate::db::{self, Pool, notifications as outbox};

/// Tells the mailbox that something new is waiting.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Wake;

pub struct Mailbox {
    pool: Pool,
    smtp: Option<Arc<SmtpTransport>>,
    from: Address,
    retry_base: Duration,
    max_attempts: i32,
    running: bool,
    again: bool,
}

impl Mailbox {
    pub fn new(
        pool: Pool,
        smtp: Option<SmtpTransport>,
        from: Address,
        retry_base: Duration,
    ) -> Self {
        Mailbox {
            pool,
            smtp: smtp.map(Arc::new),
            from,
            retry_base,
            max_attempts: 10,
            running: false,
            again: false,
        }
    }

    fn kick(&mut self, ctx: &mut Context<Self>) {
        if self.running {
            self.again = true;
            return;
        }
        self.running = true;
        let job = Delivery {
            pool: self.pool.clone(),
            smtp: self.smtp.clone(),
            from: self.from.clone(),
            retry_base: self.retry_base,
            max_attempts: self.max_attempts,
        };
        ctx.spawn(
            async move {
                if let Err(e) = job.deliver_due().await {
                    tracing::warn!(error = %format!("{e:#}"), "notification delivery round failed");
                }
            }
            .into_actor(self)
            .map(|_, act, ctx| {
                act.running = false;
                if act.again {
                    act.again = false;
                    act.kick(ctx);
                }
            }),
        );
    }
}

impl Actor for Mailbox {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // Undelivered rows from before a restart, and retries whose time has come.
        self.kick(ctx);
        ctx.run_interval(Duration::from_secs(1), |act, ctx| act.kick(ctx));
    }
}

impl Handler<Wake> for Mailbox {
    type Result = ();

    fn handle(&mut self, _: Wake, ctx: &mut Self::Context) {
        self.kick(ctx);
    }
}

struct Delivery {
    pool: Pool,
    smtp: Option<Arc<SmtpTransport>>,
    from: Address,
    retry_base: Duration,
    max_attempts: i32,
}

const BATCH: i64 = 50;

impl Delivery {
    async fn deliver_due(&self) -> anyhow::Result<()> {
        loop {
            let now = clock::now();
            let rows = db::run(&self.pool, move |c| Ok(outbox::due(c, now, BATCH)?)).await?;
            let full = rows.len() as i64 == BATCH;
            for row in rows {
                let id = row.id;
                let leased = db::run(&self.pool, move |c| {
                    Ok(outbox::lease(
                        c,
                        id,
                        clock::now(),
                        chrono::Duration::seconds(120),
                    )?)
                })
                .await?;
                if !leased {
                    continue;
                }
                let outcome = self.send(&row).await;
                let attempts = row.attempts + 1;
                let (retry_base, max_attempts) = (self.retry_base, self.max_attempts);
                db::run(&self.pool, move |c| {
                    let now = clock::now();
                    match outcome {
                        Ok(transport) => {
                            tracing::info!(notification = id, transport, "notification delivered");
                            outbox::mark_sent(c, id, transport, now)?
                        }
                        Err(error) => {
                            let retry_at = (attempts < max_attempts).then(|| {
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
    async fn send(&self, row: &outbox::NotificationRow) -> Result<&'static str, String> {
        match (row.channel.as_str(), &self.smtp) {
            ("email", Some(smtp)) => {
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
            // No SMTP configured (or an SMS before the gateway exists): the local mailbox page.
            _ => Ok("mailbox"),
        }
    }
}
