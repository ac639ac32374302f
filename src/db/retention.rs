//! The retention schedule (issue #34, 7; docs/security.md says why): what is kept only for a
//! while is purged by the housekeeping round, in one statement a kind.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{account_tokens, email_undo_tokens, login_attempts, notifications, sessions};

/// Login history (each try: time, client, success): the login limits' "known address" needs it.
pub const LOGIN_ATTEMPTS_DAYS: i64 = 90;
/// Links (confirmation, reset, invitation, e-mail change and its undo) after they expired.
pub const LINKS_DAYS_AFTER_EXPIRY: i64 = 7;
/// Notifications once delivered or given up (their text and recipient).
pub const NOTIFICATIONS_DAYS: i64 = 90;
/// Logins waiting for their second factor (they are of use for five minutes).
pub const CHALLENGE_HOURS: i64 = 1;

/// What one purge deleted, kind by kind.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub login_attempts: usize,
    pub links: usize,
    pub notifications: usize,
    pub challenges: usize,
    pub sessions: usize,
    pub rate_limits: usize,
}

impl Purged {
    pub fn total(&self) -> usize {
        self.login_attempts
            + self.links
            + self.notifications
            + self.challenges
            + self.sessions
            + self.rate_limits
    }
}

pub fn purge(c: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Purged> {
    use crate::domain::token::{ABSOLUTE_TIMEOUT, IDLE_TIMEOUT};
    let links_before = now - Duration::days(LINKS_DAYS_AFTER_EXPIRY);
    let links =
        diesel::delete(account_tokens::table.filter(account_tokens::expires_at.lt(links_before)))
            .execute(c)?
            + diesel::delete(
                email_undo_tokens::table.filter(email_undo_tokens::expires_at.lt(links_before)),
            )
            .execute(c)?;
    Ok(Purged {
        login_attempts: diesel::delete(
            login_attempts::table
                .filter(login_attempts::at.lt(now - Duration::days(LOGIN_ATTEMPTS_DAYS))),
        )
        .execute(c)?,
        links,
        notifications: diesel::delete(
            notifications::table
                .filter(notifications::status.ne("pending"))
                .filter(notifications::created_at.lt(now - Duration::days(NOTIFICATIONS_DAYS))),
        )
        .execute(c)?,
        challenges: super::mfa::purge_challenges(c, now - Duration::hours(CHALLENGE_HOURS))?,
        sessions: diesel::delete(
            sessions::table.filter(
                sessions::last_seen_at
                    .lt(now - IDLE_TIMEOUT)
                    .or(sessions::created_at.lt(now - ABSOLUTE_TIMEOUT)),
            ),
        )
        .execute(c)?,
        rate_limits: super::limits::cleanup(c, now)?,
    })
}
