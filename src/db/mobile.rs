//! A mobile number confirmed by its owner with a code sent to it (issue #34, 8): the SMS
//! channel goes only to such a number.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{mobile_confirmations, notifications};
use crate::domain::UserId;
use crate::domain::token::{constant_time_eq, hash_token};

/// How long a code works.
pub const CODE_MINUTES: i64 = 15;
/// Wrong codes before a new one must be sent.
pub const CODE_FAILURES: i32 = 5;
/// SMS of any kind one account gets per hour at most (more go by e-mail only).
pub const SMS_PER_HOUR: i64 = 5;

fn code_hash(user: UserId, code: &str) -> String {
    hash_token(&format!("sms-code:{user}:{code}"))
}

/// Whether `mobile` is the number `user` confirmed.
pub fn confirmed(c: &mut DbConnection, user: UserId, mobile: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        mobile_confirmations::table
            .find(user)
            .filter(mobile_confirmations::mobile.eq(mobile))
            .filter(mobile_confirmations::confirmed_at.is_not_null()),
    ))
    .get_result(c)
}

/// A new code for `mobile` (replacing any earlier one, confirmed or not, for another number).
pub fn new_code(
    c: &mut DbConnection,
    user: UserId,
    mobile: &str,
    code: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(mobile_confirmations::table.find(user)).execute(c)?;
    diesel::insert_into(mobile_confirmations::table)
        .values((
            mobile_confirmations::user_id.eq(user),
            mobile_confirmations::mobile.eq(mobile),
            mobile_confirmations::code_hash.eq(code_hash(user, code)),
            mobile_confirmations::sent_at.eq(now),
        ))
        .execute(c)
        .map(drop)
}

/// What a typed code did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    Confirmed,
    Wrong,
    /// No code out for this number, too old, or too many wrong: send a new one.
    NoCode,
}

pub fn confirm(
    c: &mut DbConnection,
    user: UserId,
    mobile: &str,
    typed: &str,
    now: NaiveDateTime,
) -> QueryResult<Confirm> {
    super::write_tx(c, |c| {
        let row: Option<(String, NaiveDateTime, i32)> = mobile_confirmations::table
            .find(user)
            .filter(mobile_confirmations::mobile.eq(mobile))
            .filter(mobile_confirmations::confirmed_at.is_null())
            .select((
                mobile_confirmations::code_hash,
                mobile_confirmations::sent_at,
                mobile_confirmations::failures,
            ))
            .first(c)
            .optional()?;
        let Some((hash, sent_at, failures)) = row else {
            return Ok(Confirm::NoCode);
        };
        if failures >= CODE_FAILURES || now - sent_at > Duration::minutes(CODE_MINUTES) {
            return Ok(Confirm::NoCode);
        }
        let typed: String = typed.chars().filter(char::is_ascii_digit).take(6).collect();
        if constant_time_eq(code_hash(user, &typed).as_bytes(), hash.as_bytes()) {
            diesel::update(mobile_confirmations::table.find(user))
                .set(mobile_confirmations::confirmed_at.eq(now))
                .execute(c)?;
            Ok(Confirm::Confirmed)
        } else {
            diesel::update(mobile_confirmations::table.find(user))
                .set(mobile_confirmations::failures.eq(mobile_confirmations::failures + 1))
                .execute(c)?;
            Ok(Confirm::Wrong)
        }
    })
}

/// SMS queued for `user` within the last hour.
pub fn sms_last_hour(c: &mut DbConnection, user: UserId, now: NaiveDateTime) -> QueryResult<i64> {
    notifications::table
        .filter(notifications::user_id.eq(user))
        .filter(notifications::channel.eq(crate::domain::status::SMS))
        .filter(notifications::created_at.gt(now - Duration::hours(1)))
        .count()
        .get_result(c)
}
