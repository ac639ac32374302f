//! The housekeeping round, every ten minutes. The expiry reminder: a set number of days before
//! a paid permit ends, one notification with a renewal link, by e-mail and/or SMS as the user
//! chose. And the retention schedule's purge (`db::retention`). A compare-and-set on `reminder_sent_at` sends it once, whatever the instances.

use crate::domain::{PermitId, UserId};
use std::time::Duration;

use actix::prelude::*;
use diesel::prelude::*;

use crate::clock;
use crate::db::schema::{permits, users};
use crate::db::{self, Pool};
use crate::domain::permit::today;
use crate::i18n::Lang;
use crate::i18n::messages;
use crate::notify::{self, Mailbox, Wake};

pub struct Reminders {
    pub pool: Pool,
    pub base_url: String,
    pub days_before: i64,
    pub mailbox: Addr<Mailbox>,
}

impl Reminders {
    fn tick(&self, ctx: &mut Context<Self>) {
        let pool = self.pool.clone();
        let base = self.base_url.clone();
        let days = self.days_before;
        let mailbox = self.mailbox.clone();
        ctx.spawn(
            async move {
                match db::run(&pool, move |c| send_due(c, &base, days)).await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(reminders = n, "expiry reminders queued");
                        mailbox.do_send(Wake);
                    }
                    Err(e) => tracing::warn!(error = %format!("{e:#}"), "expiry reminders failed"),
                }
                // The retention schedule: what is kept only for a while goes.
                match db::query(&pool, |c| db::retention::purge(c, clock::now())).await {
                    Ok(p) if p.total() > 0 => tracing::info!(?p, "retention purge"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "retention purge failed"),
                }
            }
            .into_actor(self),
        );
    }
}

impl Actor for Reminders {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.tick(ctx);
        ctx.run_interval(Duration::from_secs(600), |act, ctx| act.tick(ctx));
    }
}

/// Permit id, number, end, type name, owner.
type DueRow = (PermitId, String, chrono::NaiveDate, String, UserId);

/// Queues the reminders that are due; returns how many.
pub fn send_due(
    c: &mut db::DbConnection,
    base_url: &str,
    days_before: i64,
) -> anyhow::Result<usize> {
    let today = today(chrono::Utc::now());
    let horizon = today + chrono::Duration::days(days_before);
    let due: Vec<DueRow> = permits::table
        .inner_join(users::table)
        .filter(permits::state.eq("paid"))
        // The reminder links "Förnya", which a day card does not have.
        .filter(permits::kind.ne(crate::domain::permit_actions::Kind::Day.as_str()))
        .filter(permits::reminder_sent_at.is_null())
        .filter(permits::end_date.ge(today))
        .filter(permits::end_date.le(horizon))
        .filter(users::deleted_at.is_null())
        .select((
            permits::id,
            permits::regnr,
            permits::end_date,
            permits::type_name_sv,
            permits::user_id,
        ))
        .load(c)?;
    let mut sent = 0;
    for (id, regnr, end, type_name, user_id) in due {
        let queued = crate::db::write_tx(c, |c| -> anyhow::Result<bool> {
            let now = clock::now();
            let n = diesel::update(permits::table.find(id))
                .filter(permits::reminder_sent_at.is_null())
                .set(permits::reminder_sent_at.eq(now))
                .execute(c)?;
            if n != 1 {
                return Ok(false);
            }
            let Some(user) = crate::db::accounts::user_by_id(c, user_id)? else {
                return Ok(false);
            };
            let lang = Lang::parse(&user.language).unwrap_or_default();
            let link = format!("{base_url}/permits/{id}/renew");
            let message =
                messages::permit_expiring(lang, &user.name, &type_name, &regnr, end, &link);
            let rows = notify::queue(c, &user, "permit_expiring", message, now)?;
            Ok(rows > 0)
        })?;
        if queued {
            sent += 1;
        }
    }
    Ok(sent)
}
