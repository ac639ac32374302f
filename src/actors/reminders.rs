//! The housekeeping round, every ten minutes. The expiry reminder: a set number of days before
//! a paid permit ends, one notification with a renewal link, by e-mail and/or SMS as the user
//! chose; the reminder the day before a pause ends (issue #39). And the retention schedule's purge (`db::retention`). A compare-and-set on `reminder_sent_at` sends it once, whatever the instances.

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
                let pause_base = base.clone();
                match db::run(&pool, move |c| {
                    anyhow::Ok(send_due(c, &base, days)? + send_pause_reminders(c, &pause_base)?)
                })
                .await
                {
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
        .filter(permits::state.eq(crate::domain::permit::State::Paid))
        // The reminder links "Förnya", which a day card does not have.
        .filter(permits::kind.ne(crate::domain::permit_actions::Kind::Day))
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

/// The reminder the day before a pause ends (issue #39): for each running pause whose last
/// day is tomorrow (or today, for a round that missed yesterday), one "permit_changed"
/// notification to the owner, once (a compare-and-set on `reminder_sent_at`).
pub fn send_pause_reminders(c: &mut db::DbConnection, base_url: &str) -> anyhow::Result<usize> {
    use crate::db::schema::permit_pauses;
    let today = today(chrono::Utc::now());
    let tomorrow = today + chrono::Duration::days(1);
    let due: Vec<(i64, PermitId, chrono::NaiveDate)> = permit_pauses::table
        .inner_join(permits::table)
        .filter(permit_pauses::ended_at.is_null())
        .filter(permit_pauses::reminder_sent_at.is_null())
        .filter(permit_pauses::to_date.ge(today))
        .filter(permit_pauses::to_date.le(tomorrow))
        .filter(permit_pauses::from_date.le(permit_pauses::to_date))
        .filter(permits::state.eq(crate::domain::permit::State::Paid))
        .select((
            permit_pauses::id,
            permit_pauses::permit_id,
            permit_pauses::to_date,
        ))
        .load(c)?;
    let mut sent = 0;
    for (pause, permit, last_day) in due {
        let queued = crate::db::write_tx(c, |c| -> anyhow::Result<bool> {
            let now = clock::now();
            let n = diesel::update(permit_pauses::table.find(pause))
                .filter(permit_pauses::reminder_sent_at.is_null())
                .set(permit_pauses::reminder_sent_at.eq(now))
                .execute(c)?;
            if n != 1 {
                return Ok(false);
            }
            let Some(p) = crate::db::permits::by_id(c, permit)? else {
                return Ok(false);
            };
            crate::services::permits::tell_owner(
                c,
                &p,
                "permit_changed",
                base_url,
                |lang, name, link| {
                    let change = messages::Change::PauseEndsTomorrow(last_day);
                    messages::permit_change(lang, name, &p.regnr, change, link)
                },
            )?;
            Ok(true)
        })?;
        if queued {
            sent += 1;
        }
    }
    Ok(sent)
}
