//! The second factor's rows: an account's TOTP secret and last accepted step, its recovery
//! codes (hashes), and the login challenges between the password and the code.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{login_challenges, recovery_codes, user_totp};
use crate::domain::UserId;
use crate::domain::token::hash_token;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = user_totp)]
pub struct TotpRow {
    pub user_id: UserId,
    pub secret: String,
    pub enabled_at: Option<NaiveDateTime>,
    pub last_step: Option<i64>,
}

pub fn totp_of(c: &mut DbConnection, user: UserId) -> QueryResult<Option<TotpRow>> {
    user_totp::table
        .find(user)
        .select(TotpRow::as_select())
        .first(c)
        .optional()
}

/// Whether the account has the second factor turned on.
pub fn enabled(c: &mut DbConnection, user: UserId) -> QueryResult<bool> {
    Ok(totp_of(c, user)?.is_some_and(|t| t.enabled_at.is_some()))
}

/// The secret being set up for `user`: the one there is (so a reload shows the same), else
/// `fresh`. `None` when the second factor is on already.
pub fn pending_secret(
    c: &mut DbConnection,
    user: UserId,
    fresh: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    super::write_tx(c, |c| match totp_of(c, user)? {
        Some(t) if t.enabled_at.is_some() => Ok(None),
        Some(t) => Ok(Some(t.secret)),
        None => {
            diesel::insert_into(user_totp::table)
                .values((
                    user_totp::user_id.eq(user),
                    user_totp::secret.eq(fresh),
                    user_totp::created_at.eq(now),
                ))
                .execute(c)?;
            Ok(Some(fresh.to_string()))
        }
    })
}

/// Turns the pending secret on with the step its first code matched, and stores the recovery
/// codes' hashes (replacing any earlier ones); `false` if it was on already (a second tab).
pub fn enable(
    c: &mut DbConnection,
    user: UserId,
    step: i64,
    recovery_hashes: &[String],
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        user_totp::table
            .find(user)
            .filter(user_totp::enabled_at.is_null()),
    )
    .set((user_totp::enabled_at.eq(now), user_totp::last_step.eq(step)))
    .execute(c)?;
    if n == 1 {
        diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user)))
            .execute(c)?;
        for h in recovery_hashes {
            diesel::insert_into(recovery_codes::table)
                .values((
                    recovery_codes::user_id.eq(user),
                    recovery_codes::code_hash.eq(h),
                ))
                .execute(c)?;
        }
    }
    Ok(n == 1)
}

/// Takes a step for a login: only when it is later than the last one taken (in one statement,
/// so two logins with the same code at once get it once).
pub fn take_step(c: &mut DbConnection, user: UserId, step: i64) -> QueryResult<bool> {
    diesel::update(
        user_totp::table
            .find(user)
            .filter(user_totp::enabled_at.is_not_null())
            .filter(
                user_totp::last_step
                    .is_null()
                    .or(user_totp::last_step.lt(step)),
            ),
    )
    .set(user_totp::last_step.eq(step))
    .execute(c)
    .map(|n| n == 1)
}

/// Uses a recovery code (by its hash) once.
pub fn use_recovery_code(
    c: &mut DbConnection,
    user: UserId,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user))
            .filter(recovery_codes::code_hash.eq(hash))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(now))
    .execute(c)
    .map(|n| n == 1)
}

/// Recovery codes not used yet.
pub fn recovery_left(c: &mut DbConnection, user: UserId) -> QueryResult<i64> {
    recovery_codes::table
        .filter(recovery_codes::user_id.eq(user))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(c)
}

/// Removes the second factor of an account (an admin's reset, erasure): its secret, its
/// recovery codes and its open challenges. Whether there was one.
pub fn remove(c: &mut DbConnection, user: UserId) -> QueryResult<bool> {
    let n = diesel::delete(user_totp::table.find(user)).execute(c)?;
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user))).execute(c)?;
    diesel::delete(login_challenges::table.filter(login_challenges::user_id.eq(user)))
        .execute(c)?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = login_challenges)]
pub struct ChallengeRow {
    pub id_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub next_path: String,
    pub failures: i32,
    pub created_at: NaiveDateTime,
}

pub fn create_challenge(
    c: &mut DbConnection,
    token: &str,
    user: UserId,
    csrf_token: &str,
    next_path: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    // One open challenge per account: a new password login replaces the old one.
    diesel::delete(login_challenges::table.filter(login_challenges::user_id.eq(user)))
        .execute(c)?;
    diesel::insert_into(login_challenges::table)
        .values((
            login_challenges::id_hash.eq(hash_token(token)),
            login_challenges::user_id.eq(user),
            login_challenges::csrf_token.eq(csrf_token),
            login_challenges::next_path.eq(next_path),
            login_challenges::created_at.eq(now),
        ))
        .execute(c)
        .map(drop)
}

/// The challenge of a cookie's token, if it is still open (younger than `since`).
pub fn challenge(
    c: &mut DbConnection,
    token: &str,
    since: NaiveDateTime,
) -> QueryResult<Option<ChallengeRow>> {
    login_challenges::table
        .find(hash_token(token))
        .filter(login_challenges::created_at.gt(since))
        .select(ChallengeRow::as_select())
        .first(c)
        .optional()
}

/// Counts a wrong code; returns the failures so far.
pub fn challenge_failed(c: &mut DbConnection, id_hash: &str) -> QueryResult<i32> {
    diesel::update(login_challenges::table.find(id_hash))
        .set(login_challenges::failures.eq(login_challenges::failures + 1))
        .execute(c)?;
    login_challenges::table
        .find(id_hash)
        .select(login_challenges::failures)
        .first(c)
        .optional()
        .map(|f| f.unwrap_or(i32::MAX))
}

pub fn end_challenge(c: &mut DbConnection, id_hash: &str) -> QueryResult<bool> {
    diesel::delete(login_challenges::table.find(id_hash))
        .execute(c)
        .map(|n| n == 1)
}

/// Challenges older than `before` (the retention round).
pub fn purge_challenges(c: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(login_challenges::table.filter(login_challenges::created_at.lt(before)))
        .execute(c)
}
