//! The payment poller: asks the provider about every pending payment until it is final
//! (paid, declined, error, cancelled, timed out), with backoff. A callback or the return
//! from the card page only makes it ask sooner; it never trusts what they say. After a
//! restart every pending payment is picked up again; a lease on the row makes one instance
//! poll each payment. Each outcome goes through the permit's actor.

use crate::domain::payment::PaymentStatus;
use std::time::Duration;

use actix::prelude::*;

use super::permits::{ChangePermit, PermitChange, PermitRegistry};
use super::rounds::{self, RoundJob, Rounds};
use crate::clock;
use crate::db::{self, Pool, payments as db_payments};
use crate::notify::{Mailbox, Wake};
use crate::payments::nexi::NexiClient;
use crate::payments::swish::{SwishClient, SwishError, SwishStatus};

/// A payment that the provider has not finished after this long is given up as timed out.
const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::minutes(10);
/// A payment the provider does not know after this long was never created there.
const UNKNOWN_AFTER: chrono::Duration = chrono::Duration::seconds(60);

/// Poll now: something (a callback, a return URL, a new payment) says there is news.
#[derive(Message)]
#[rtype(result = "()")]
pub struct PollNow;

pub struct PaymentPoller {
    job: PollJob,
    rounds: Rounds,
}

#[derive(Clone)]
struct PollJob {
    pool: Pool,
    swish: SwishClient,
    nexi: NexiClient,
    permits: Addr<PermitRegistry>,
    mailbox: Addr<Mailbox>,
}

impl PaymentPoller {
    pub fn new(
        pool: Pool,
        swish: SwishClient,
        nexi: NexiClient,
        permits: Addr<PermitRegistry>,
        mailbox: Addr<Mailbox>,
    ) -> Self {
        PaymentPoller {
            job: PollJob {
                pool,
                swish,
                nexi,
                permits,
                mailbox,
            },
            rounds: Rounds::default(),
        }
    }
}

impl RoundJob for PaymentPoller {
    const NAME: &'static str = "payment poll";

    fn rounds(&mut self) -> &mut Rounds {
        &mut self.rounds
    }

    fn round(&self) -> impl std::future::Future<Output = anyhow::Result<()>> + 'static {
        let job = self.job.clone();
        async move { job.poll_due().await }
    }
}

impl Actor for PaymentPoller {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        rounds::start(self, ctx, Duration::from_millis(500));
    }
}

/// Stops polling (shutdown); what is pending stays in the database for the next start.
#[derive(Message)]
#[rtype(result = "()")]
pub struct StopPolling;

impl Handler<StopPolling> for PaymentPoller {
    type Result = ();

    fn handle(&mut self, _: StopPolling, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

impl Handler<PollNow> for PaymentPoller {
    type Result = ();

    fn handle(&mut self, _: PollNow, ctx: &mut Self::Context) {
        rounds::kick(self, ctx);
    }
}

/// Seconds to the next poll: soon at first, then less often.
fn backoff(polls: i32) -> i64 {
    i64::from((1 + polls / 3).min(10))
}

enum Verdict {
    Wait,
    Paid,
    Failed(PaymentStatus, Option<String>),
}

impl PollJob {
    async fn poll_due(&self) -> anyhow::Result<()> {
        loop {
            let now = clock::now();
            let due = db::query(&self.pool, move |c| db_payments::due(c, now, 100)).await?;
            let full = due.len() == 100;
            for payment in due {
                let id = payment.id;
                let leased = db::query(&self.pool, move |c| {
                    db_payments::lease(c, id, clock::now(), chrono::Duration::seconds(60))
                })
                .await?;
                if leased {
                    self.poll_one(payment).await?;
                }
            }
            if !full {
                return Ok(());
            }
        }
    }

    async fn poll_one(&self, payment: db_payments::PaymentRow) -> anyhow::Result<()> {
        let age = clock::now() - payment.created_at;
        let verdict = match payment.method.as_str() {
            "swish" => match self.swish.retrieve(&payment.provider_ref).await {
                Ok(pr) => match pr.status {
                    SwishStatus::Created if age > GIVE_UP_AFTER => {
                        Verdict::Failed(PaymentStatus::Timeout, Some("TM01".into()))
                    }
                    SwishStatus::Created => Verdict::Wait,
                    SwishStatus::Paid => Verdict::Paid,
                    SwishStatus::Declined => Verdict::Failed(PaymentStatus::Declined, None),
                    SwishStatus::Error if pr.error_code.as_deref() == Some("TM01") => {
                        Verdict::Failed(PaymentStatus::Timeout, Some("TM01".into()))
                    }
                    SwishStatus::Error => Verdict::Failed(PaymentStatus::Error, pr.error_code),
                    SwishStatus::Cancelled => Verdict::Failed(PaymentStatus::Cancelled, None),
                },
                Err(SwishError::Http(404)) if age > UNKNOWN_AFTER => {
                    Verdict::Failed(PaymentStatus::Error, Some("NOT_CREATED".into()))
                }
                Err(e) if age > GIVE_UP_AFTER => {
                    tracing::warn!(payment = %payment.id, error = %e, "giving up on payment");
                    Verdict::Failed(PaymentStatus::Error, Some("PROVIDER_DOWN".into()))
                }
                Err(e) => {
                    tracing::info!(payment = %payment.id, error = %e, "payment provider not answering; will retry");
                    Verdict::Wait
                }
            },
            // A card payment is open while the buyer is on the hosted page; only the provider
            // says how it ends. One open too long is ended at the provider first, and only
            // its answer decides; while the provider cannot be asked, it stays pending (a
            // charge could still come, and must end in a paid permit or a refund).
            "card" => match self.nexi.retrieve(&payment.provider_ref).await {
                Ok(p) if p.is_paid() && p.amount == payment.amount_ore => Verdict::Paid,
                Ok(p) if p.charged > 0 => {
                    tracing::warn!(
                        payment = %payment.id,
                        charged = p.charged,
                        amount = p.amount,
                        "card payment charged with another amount; left for the parking office"
                    );
                    Verdict::Wait
                }
                Ok(p) if p.terminated => Verdict::Failed(PaymentStatus::Cancelled, None),
                Ok(_) if age > GIVE_UP_AFTER => {
                    match self.nexi.terminate(&payment.provider_ref).await {
                        Ok(()) => Verdict::Failed(PaymentStatus::Timeout, None),
                        Err(e) => {
                            // Refused: charged meanwhile (the next poll sees it); or not reached.
                            tracing::info!(payment = %payment.id, error = %e, "could not end the card checkout; will ask again");
                            Verdict::Wait
                        }
                    }
                }
                Ok(_) => Verdict::Wait,
                Err(e) => {
                    tracing::info!(payment = %payment.id, error = %e, "card provider not answering; will retry");
                    Verdict::Wait
                }
            },
            other => {
                tracing::warn!(
                    payment = %payment.id,
                    method = other,
                    "no provider for method"
                );
                Verdict::Wait
            }
        };
        let (paid, failure) = match verdict {
            Verdict::Wait => {
                let at = clock::now() + chrono::Duration::seconds(backoff(payment.polls));
                let id = payment.id;
                db::query(&self.pool, move |c| db_payments::reschedule(c, id, at)).await?;
                return Ok(());
            }
            Verdict::Paid => (true, None),
            Verdict::Failed(status, code) => (false, Some((status, code))),
        };
        let change = ChangePermit {
            permit_id: payment.permit_id,
            owner: None,
            by_user: None,
            change: PermitChange::PaymentOutcome {
                payment_id: payment.id,
                paid,
                failure,
            },
        };
        match self.permits.send(change).await {
            Ok(Ok(_)) => {
                tracing::info!(payment = %payment.id, paid, "payment final");
                self.mailbox.do_send(Wake);
                if paid {
                    crate::payments::refund::send_pending(
                        &self.pool,
                        &self.swish,
                        &self.nexi,
                        payment.id,
                    )
                    .await?;
                }
            }
            Ok(Err(e)) => {
                tracing::warn!(payment = %payment.id, error = %e, "payment outcome not recorded; will retry");
                let id = payment.id;
                let at = clock::now() + chrono::Duration::seconds(5);
                db::query(&self.pool, move |c| db_payments::reschedule(c, id, at)).await?;
            }
            Err(e) => anyhow::bail!("permit registry: {e}"),
        }
        Ok(())
    }
}
