//! The permit actors. Every change to a permit (registration number, temporary number, state
//! changes from payment or operator) is a message to the permit's actor, so the changes to one
//! permit are applied one at a time; the rules and the transaction are in
//! `services::permits`.

use crate::domain::PermitId;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;

use crate::db::{DbError, Pool, permits as db_permits};
pub use crate::services::permits::{
    ChangePermit, LATE_CHARGE, PermitChange, PermitConfig, PermitError, RuleError, apply,
};

/// How long an idle permit actor stays before it stops (it starts again on demand).
const IDLE_STOP: Duration = Duration::from_secs(120);

pub struct PermitActor {
    pool: Pool,
    cfg: Arc<PermitConfig>,
    last_used: Instant,
}

impl Actor for PermitActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(IDLE_STOP / 2, |act, ctx| {
            if act.last_used.elapsed() > IDLE_STOP {
                ctx.stop();
            }
        });
    }
}

impl Handler<ChangePermit> for PermitActor {
    type Result = AtomicResponse<Self, Result<db_permits::PermitRow, PermitError>>;

    fn handle(&mut self, msg: ChangePermit, _: &mut Self::Context) -> Self::Result {
        self.last_used = Instant::now();
        let pool = self.pool.clone();
        let cfg = self.cfg.clone();
        // Atomic: the next message for this permit waits until this change is written.
        AtomicResponse::new(Box::pin(
            async move {
                actix_web::web::block(move || {
                    let mut conn = pool.get().map_err(|e| DbError::Pool(e.to_string()))?;
                    apply(&mut conn, &cfg, &msg)
                })
                .await
                .map_err(|_| DbError::Task)?
            }
            .into_actor(self),
        ))
    }
}

/// Finds (or starts) the actor of a permit and hands it the change.
pub struct PermitRegistry {
    pool: Pool,
    cfg: Arc<PermitConfig>,
    actors: HashMap<PermitId, Addr<PermitActor>>,
}

impl PermitRegistry {
    pub fn new(pool: Pool, cfg: PermitConfig) -> Self {
        PermitRegistry {
            pool,
            cfg: Arc::new(cfg),
            actors: HashMap::new(),
        }
    }
}

impl Actor for PermitRegistry {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(IDLE_STOP, |act, _| act.actors.retain(|_, a| a.connected()));
    }
}

impl Handler<ChangePermit> for PermitRegistry {
    type Result = ResponseFuture<Result<db_permits::PermitRow, PermitError>>;

    fn handle(&mut self, msg: ChangePermit, _: &mut Self::Context) -> Self::Result {
        let start = || PermitActor {
            pool: self.pool.clone(),
            cfg: self.cfg.clone(),
            last_used: Instant::now(),
        };
        let addr = self
            .actors
            .entry(msg.permit_id)
            .and_modify(|a| {
                if !a.connected() {
                    *a = start().start();
                }
            })
            .or_insert_with(|| start().start())
            .clone();
        Box::pin(async move { addr.send(msg).await? })
    }
}
