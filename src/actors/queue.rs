//! The queue keeper: what happens to capacity and queues with time. In rounds (every 30 s,
//! and at once when woken by something that frees a place): unpaid permits whose hold has
//! lapsed are cancelled through their permit's actor (one that is being paid is left to its
//! payment), then `services::queue::round` lapses offers, sends reminders and makes the
//! offers due under each car park and type's lease, so one instance works on each at a time
//! and the compare-and-set on every status makes each step happen once.

use std::time::Duration;

use actix::prelude::*;

use super::permits::{ChangePermit, PermitChange, PermitRegistry};
use super::rounds::{self, RoundJob, Rounds};
use crate::clock;
use crate::db::{self, Pool, payments as db_payments, queue as db_queue};
use crate::domain::payment::PaymentStatus;
use crate::domain::permit::{Event, today};
use crate::i18n::{Lang, messages};
use crate::notify::{self, Mailbox, Wake};
use crate::services::queue::{QueueConfig, round};

/// Something freed a place (a cancellation, a decline, a raised capacity): run a round now.
#[derive(Message)]
#[rtype(result = "()")]
pub struct QueueNow;

pub struct QueueKeeper {
    job: KeeperJob,
    rounds: Rounds,
}

#[derive(Clone)]
struct KeeperJob {
    pool: Pool,
    cfg: QueueConfig,
    permits: Addr<PermitRegistry>,
    mailbox: Addr<Mailbox>,
}

/// How long after its hold lapses an unpaid permit waits for a payment begun in time.
pub const HOLD_PAYMENT_GRACE_MINUTES: i64 = 15;

impl QueueKeeper {
    pub fn new(
        pool: Pool,
        cfg: QueueConfig,
        permits: Addr<PermitRegistry>,
        mailbox: Addr<Mailbox>,
    ) -> Self {
        QueueKeeper {
            job: KeeperJob {
                pool,
                cfg,
                permits,
                mailbox,
            },
            rounds: Rounds::default(),
        }
    }
}

impl KeeperJob {
    async fn run(&self) -> anyhow::Result<()> {
        let now = clock::now();
        let lapsed = db::query(&self.pool, move |c| {
            let mut due = Vec::new();
            for (id, until) in db_queue::lapsed_holds(c, now)? {
                // A payment begun while the place was held may finish, for a short grace;
                // one begun later, or one that keeps going, does not stretch the hold
                // (issue #34, 6). A charge that comes after the cancellation is refunded.
                let paying = db_payments::latest_for_permit(c, id)?.is_some_and(|p| {
                    p.status == PaymentStatus::Pending
                        && p.created_at <= until
                        && now < until + chrono::Duration::minutes(HOLD_PAYMENT_GRACE_MINUTES)
                });
                if !paying {
                    due.push(id);
                }
            }
            Ok(due)
        })
        .await?;
        let mut told = 0;
        for id in lapsed {
            let change = ChangePermit {
                permit_id: id,
                owner: None,
                by_user: None,
                change: PermitChange::Transition {
                    event: Event::Cancel,
                    detail: "payment hold lapsed".into(),
                },
            };
            match self.permits.send(change).await {
                Ok(Ok(p)) => {
                    let link = format!("{}/permits/{}", self.cfg.base_url, p.id);
                    db::query(&self.pool, move |c| {
                        if let Some(u) = crate::db::accounts::user_by_id(c, p.user_id)? {
                            let lang = Lang::parse(&u.language).unwrap_or_default();
                            let m = messages::hold_lapsed(lang, &u.name, &p.regnr, &link);
                            notify::queue(c, &u, "hold_lapsed", m, clock::now())?;
                        }
                        Ok(())
                    })
                    .await?;
                    told += 1;
                }
                // Paid or changed meanwhile: nothing to let go.
                Ok(Err(e)) => tracing::info!(permit = %id, error = %e, "hold not lapsed"),
                Err(e) => tracing::warn!(permit = %id, error = %e, "permit actor gone"),
            }
        }
        let cfg = self.cfg.clone();
        let report = db::query(&self.pool, move |c| {
            round(c, &cfg, now, today(chrono::Utc::now()))
        })
        .await?;
        if told + report.offered + report.reminded > 0 {
            tracing::info!(
                holds_lapsed = told,
                offers = report.offered,
                reminders = report.reminded,
                offers_lapsed = report.lapsed,
                "queue round"
            );
            self.mailbox.do_send(Wake);
        }
        Ok(())
    }
}

impl RoundJob for QueueKeeper {
    const NAME: &'static str = "queue";

    fn rounds(&mut self) -> &mut Rounds {
        &mut self.rounds
    }

    fn round(&self) -> impl std::future::Future<Output = anyhow::Result<()>> + 'static {
        let job = self.job.clone();
        async move { job.run().await }
    }
}

impl Actor for QueueKeeper {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        rounds::start(self, ctx, Duration::from_secs(30));
    }
}

impl Handler<QueueNow> for QueueKeeper {
    type Result = ();

    fn handle(&mut self, _: QueueNow, ctx: &mut Self::Context) {
        rounds::kick(self, ctx);
    }
}
