//! The expiry reminder: a set number of days before a paid permit ends, one e-mail with a
//! renewal link. A compare-and-set on `reminder_sent_at` sends it once, whatever the instances.

use std::time::Duration;

use actix::prelude::*;
use diesel::prelude::*;

use crate::clock;
use crate::db::schema::{permits, users};
use crate::db::{self, Pool};
use crate::domain::permit::today;
use crate::notify::{self, Mailbox, Wake, messages};
use crate::web::i18n::Lang;

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

/// Permit id, number, end, type name; e-mail, name, language, e-mail wanted.
type DueRow = (
    i64,
    String,
    chrono::NaiveDate,
    String,
    String,
    String,
    String,
    bool,
);

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
        .filter(permits::reminder_sent_at.is_null())
        .filter(permits::end_date.ge(today))
        .filter(permits::end_date.le(horizon))
        .filter(users::deleted_at.is_null())
        .select((
            permits::id,
            permits::regnr,
            permits::end_date,
            permits::type_name_sv,
            users::email,
            users::name,
            users::language,
            users::notify_email,
        ))
        .load(c)?;
    let mut sent = 0;
    for (id, regnr, end, type_name, email, name, language, notify_email) in due {
        let queued = crate::db::write_tx(c, |c| -> anyhow::Result<bool> {
            let now = clock::now();
            let n = diesel::update(permits::table.find(id))
                .filter(permits::reminder_sent_at.is_null())
                .set(permits::reminder_sent_at.eq(now))
                .execute(c)?;
            if n != 1 || !notify_email {
                return Ok(false);
            }
            let lang = Lang::parse(&language).unwrap_or_default();
            let link = format!("{base_url}/permits/{id}/renew");
            let user_id: i64 = permits::table.find(id).select(permits::user_id).first(c)?;
            notify::queue_email(
                c,
                Some(user_id),
                &email,
                "permit_expiring",
                messages::permit_expiring(lang, &name, &type_name, &regnr, end, &link),
                now,
            )?;
            Ok(true)
        })?;
        if queued {
            sent += 1;
        }
    }
    Ok(sent)
}
