//! Users, their login sessions, single-use account links and login attempts.

use crate::domain::UserId;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{account_tokens, login_attempts, sessions, users};
use crate::domain::token::hash_token;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
/// An account as the portal shows and uses it. Its password hash is not here: only logging
/// in and checking the current password read it ([`user_with_password_by_email`],
/// [`password_hash_of`]), so it does not travel with every request's user, into the office's
/// customer pages, or into a `Debug` print.
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub mobile: String,
    pub is_employee: bool,
    #[diesel(deserialize_as = String)]
    pub role: crate::domain::role::Role,
    pub language: String,
    pub notify_email: bool,
    pub notify_sms: bool,
    pub preferred_payment: Option<String>,
    pub swish_number: Option<String>,
    pub confirmed_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = crate::db::stamp::Stamp)]
    pub created_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    /// A "Kontrollant": staff (an operator) who may use Kontroll and nothing else.
    pub check_only: bool,
}

impl UserRow {
    /// May use the whole operator portal (not only Kontroll).
    /// (The flag makes only an operator an attendant: an admin is always the office.)
    pub fn is_office(&self) -> bool {
        match self.role {
            crate::domain::role::Role::Admin => true,
            crate::domain::role::Role::Operator => !self.check_only,
            crate::domain::role::Role::Customer => false,
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub name: &'a str,
    pub mobile: &'a str,
    pub is_employee: bool,
    pub role: crate::domain::role::Role,
    pub language: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn user_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .filter(users::deleted_at.is_null())
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// A live account with its password hash, to log in.
pub fn user_with_password_by_email(
    conn: &mut DbConnection,
    email: &str,
) -> QueryResult<Option<(UserRow, String)>> {
    users::table
        .filter(users::email.eq(email))
        .filter(users::deleted_at.is_null())
        .select((UserRow::as_select(), users::password_hash))
        .first(conn)
        .optional()
}

/// A live account's password hash, to check the current password.
pub fn password_hash_of(conn: &mut DbConnection, id: UserId) -> QueryResult<Option<String>> {
    users::table
        .find(id)
        .filter(users::deleted_at.is_null())
        .select(users::password_hash)
        .first(conn)
        .optional()
}

pub fn user_by_id(conn: &mut DbConnection, id: UserId) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .filter(users::deleted_at.is_null())
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts and reads the row back by its unique e-mail (no RETURNING needed on either backend).
pub fn insert_user(conn: &mut DbConnection, new: &NewUser) -> QueryResult<UserRow> {
    diesel::insert_into(users::table)
        .values(new)
        .execute(conn)?;
    users::table
        .filter(users::email.eq(new.email))
        .select(UserRow::as_select())
        .first(conn)
}

// ---- single-use links ----

crate::code_enum! {
    /// What a single-use link is for (the `account_tokens.purpose` column).
    pub enum TokenPurpose("token purpose") {
        Confirm = "confirm",
        Reset = "reset",
        EmailChange = "email_change",
        Invite = "invite",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = account_tokens)]
pub struct AccountTokenRow {
    pub token_hash: String,
    pub user_id: UserId,
    pub purpose: String,
    pub new_email: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub reg_password_hash: Option<String>,
    pub reg_name: Option<String>,
    pub reg_mobile: Option<String>,
    pub reg_language: Option<String>,
}

/// What one registration gave (the password already hashed). It travels with the
/// confirmation link sent for it, and confirming that link applies it: a link confirms the
/// registration it was sent for, never an earlier one by someone else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub password_hash: String,
    pub name: String,
    pub mobile: String,
    pub language: String,
}

impl AccountTokenRow {
    /// The registration this link was sent for (links from before the column, and other
    /// kinds of link, have none).
    pub fn registration(&self) -> Option<Registration> {
        Some(Registration {
            password_hash: self.reg_password_hash.clone()?,
            name: self.reg_name.clone()?,
            mobile: self.reg_mobile.clone()?,
            language: self.reg_language.clone()?,
        })
    }
}

/// Binds a registration to a link just inserted with [`insert_token`].
pub fn bind_registration(
    conn: &mut DbConnection,
    token: &str,
    reg: &Registration,
) -> QueryResult<()> {
    diesel::update(account_tokens::table.find(hash_token(token)))
        .set((
            account_tokens::reg_password_hash.eq(&reg.password_hash),
            account_tokens::reg_name.eq(&reg.name),
            account_tokens::reg_mobile.eq(&reg.mobile),
            account_tokens::reg_language.eq(&reg.language),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The newest registration for a user's address that is still waiting for its link (what a
/// new confirmation link carries when one is asked for again).
pub fn newest_registration(
    conn: &mut DbConnection,
    user_id: UserId,
) -> QueryResult<Option<Registration>> {
    Ok(account_tokens::table
        .filter(account_tokens::user_id.eq(user_id))
        .filter(account_tokens::purpose.eq(TokenPurpose::Confirm))
        .filter(account_tokens::reg_password_hash.is_not_null())
        .order(account_tokens::created_at.desc())
        .select(AccountTokenRow::as_select())
        .first(conn)
        .optional()?
        .and_then(|row| row.registration()))
}

/// Confirms an account with what its registration gave; only an account not yet confirmed
/// (a confirmed account's password is never set by a link). True when it was confirmed now.
pub fn confirm_registration(
    conn: &mut DbConnection,
    user_id: UserId,
    reg: Option<&Registration>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = users::table
        .find(user_id)
        .filter(users::confirmed_at.is_null())
        .filter(users::deleted_at.is_null());
    let updated = match reg {
        Some(reg) => diesel::update(target)
            .set((
                users::password_hash.eq(&reg.password_hash),
                users::name.eq(&reg.name),
                users::mobile.eq(&reg.mobile),
                users::language.eq(&reg.language),
                users::confirmed_at.eq(now),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set(users::confirmed_at.eq(now))
            .execute(conn)?,
    };
    Ok(updated == 1)
}

/// Stores the hash of a new link token.
pub fn insert_token(
    conn: &mut DbConnection,
    token: &str,
    user_id: UserId,
    purpose: TokenPurpose,
    new_email: Option<&str>,
    now: NaiveDateTime,
    valid_for: Duration,
) -> QueryResult<()> {
    diesel::insert_into(account_tokens::table)
        .values((
            account_tokens::token_hash.eq(hash_token(token)),
            account_tokens::user_id.eq(user_id),
            account_tokens::purpose.eq(purpose),
            account_tokens::new_email.eq(new_email),
            account_tokens::created_at.eq(now),
            account_tokens::expires_at.eq(now + valid_for),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, PartialEq, Eq)]
pub enum TokenCheck {
    Valid(AccountTokenRow),
    Used(AccountTokenRow),
    Expired,
    Unknown,
}

/// Looks a token up without using it (to show the reset form, say).
pub fn peek_token(
    conn: &mut DbConnection,
    token: &str,
    purpose: TokenPurpose,
    now: NaiveDateTime,
) -> QueryResult<TokenCheck> {
    let row = account_tokens::table
        .find(hash_token(token))
        .filter(account_tokens::purpose.eq(purpose))
        .select(AccountTokenRow::as_select())
        .first(conn)
        .optional()?;
    Ok(match row {
        None => TokenCheck::Unknown,
        Some(r) if r.used_at.is_some() => TokenCheck::Used(r),
        Some(r) if r.expires_at <= now => TokenCheck::Expired,
        Some(r) => TokenCheck::Valid(r),
    })
}

/// Uses a token: marks it used with a compare-and-set, so of two requests at once only one
/// gets `Valid`. Call inside the transaction that does what the link is for.
pub fn use_token(
    conn: &mut DbConnection,
    token: &str,
    purpose: TokenPurpose,
    now: NaiveDateTime,
) -> QueryResult<TokenCheck> {
    let check = peek_token(conn, token, purpose, now)?;
    if let TokenCheck::Valid(row) = &check {
        let updated = diesel::update(account_tokens::table.find(&row.token_hash))
            .filter(account_tokens::used_at.is_null())
            .set(account_tokens::used_at.eq(now))
            .execute(conn)?;
        if updated != 1 {
            return Ok(TokenCheck::Used(row.clone()));
        }
    }
    Ok(check)
}

/// Makes a user's earlier unused links of one kind useless (a new link replaces them).
pub fn expire_tokens(
    conn: &mut DbConnection,
    user_id: UserId,
    purpose: TokenPurpose,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        account_tokens::table
            .filter(account_tokens::user_id.eq(user_id))
            .filter(account_tokens::purpose.eq(purpose))
            .filter(account_tokens::used_at.is_null())
            .filter(account_tokens::expires_at.gt(now)),
    )
    .set(account_tokens::expires_at.eq(now))
    .execute(conn)
}

// ---- login sessions ----

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    #[diesel(deserialize_as = crate::db::stamp::Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::stamp::Stamp)]
    pub last_seen_at: NaiveDateTime,
    /// Opened with the second factor (the operator portal takes only such sessions).
    pub second_factor: bool,
}

pub fn insert_session(
    conn: &mut DbConnection,
    session_token: &str,
    user_id: UserId,
    csrf_token: &str,
    second_factor: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_hash.eq(hash_token(session_token)),
            sessions::user_id.eq(user_id),
            sessions::csrf_token.eq(csrf_token),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::second_factor.eq(second_factor),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The session of a token and its user; with `unread`, also the user's unread replies from
/// the office (the top bar's count, [`super::cases::UnreadOfUser`]) in the same
/// statement, else 0.
pub fn session_with_user(
    conn: &mut DbConnection,
    session_token: &str,
    unread: bool,
) -> QueryResult<Option<(SessionRow, UserRow, i64)>> {
    let id_hash = hash_token(session_token);
    crate::db::on_backend!(conn, |conn| {
        let of_token = sessions::table
            .inner_join(users::table)
            .filter(sessions::id_hash.eq(&id_hash))
            .filter(users::deleted_at.is_null());
        if unread {
            of_token
                .select((
                    SessionRow::as_select(),
                    UserRow::as_select(),
                    super::cases::UnreadOfUser,
                ))
                .first(conn)
                .optional()
        } else {
            of_token
                .select((SessionRow::as_select(), UserRow::as_select()))
                .first(conn)
                .optional()
                .map(|found| found.map(|(session, user)| (session, user, 0)))
        }
    })
}

pub fn touch_session(
    conn: &mut DbConnection,
    id_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(sessions::table.find(id_hash))
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)
        .map(|_| ())
}

pub fn delete_session(conn: &mut DbConnection, id_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(id_hash)).execute(conn)
}

/// Keeps a user's `max` newest sessions and ends the rest (inside the login's transaction).
pub fn cap_sessions(conn: &mut DbConnection, user_id: UserId, max: i64) -> QueryResult<usize> {
    let keep: Vec<String> = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .order((sessions::created_at.desc(), sessions::id_hash.desc()))
        .limit(max)
        .select(sessions::id_hash)
        .load(conn)?;
    diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::id_hash.ne_all(keep)),
    )
    .execute(conn)
}

/// Ends every session of a user, except `keep` (the one making the change) if given.
pub fn delete_user_sessions(
    conn: &mut DbConnection,
    user_id: UserId,
    keep: Option<&str>,
) -> QueryResult<usize> {
    let q = sessions::table.filter(sessions::user_id.eq(user_id));
    match keep {
        Some(k) => diesel::delete(q.filter(sessions::id_hash.ne(k))).execute(conn),
        None => diesel::delete(q).execute(conn),
    }
}

// ---- login attempts ----

pub fn record_login_attempt(
    conn: &mut DbConnection,
    email: &str,
    ip: &str,
    success: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::email.eq(email),
            login_attempts::ip.eq(ip),
            login_attempts::success.eq(success),
            login_attempts::at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Whether `email` logged in (password right) from the client `addr` since `since`: a known
/// address, which the per-address and per-account login limits leave alone.
pub fn logged_in_from(
    conn: &mut DbConnection,
    email: &str,
    addr: &str,
    since: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        login_attempts::table
            .filter(login_attempts::email.eq(email))
            .filter(login_attempts::ip.eq(addr))
            .filter(login_attempts::success.eq(true))
            .filter(login_attempts::at.gt(since)),
    ))
    .get_result(conn)
}

// ---- e-mail address changes ----

use super::schema::email_undo_tokens;

/// Whether any account row holds this address: a live account, an unconfirmed one, or a
/// deleted account's placeholder (`users.email` is unique over all of them).
pub fn email_in_use(conn: &mut DbConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = email_undo_tokens)]
pub struct EmailUndoRow {
    pub token_hash: String,
    pub user_id: UserId,
    pub old_email: String,
    pub new_email: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

/// Stores the hash of the undo link sent to the old address when a change is asked for.
pub fn insert_email_undo(
    conn: &mut DbConnection,
    token: &str,
    user_id: UserId,
    old_email: &str,
    new_email: &str,
    now: NaiveDateTime,
    valid_for: Duration,
) -> QueryResult<()> {
    diesel::insert_into(email_undo_tokens::table)
        .values((
            email_undo_tokens::token_hash.eq(hash_token(token)),
            email_undo_tokens::user_id.eq(user_id),
            email_undo_tokens::old_email.eq(old_email),
            email_undo_tokens::new_email.eq(new_email),
            email_undo_tokens::created_at.eq(now),
            email_undo_tokens::expires_at.eq(now + valid_for),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, PartialEq, Eq)]
pub enum UndoCheck {
    Valid(EmailUndoRow),
    Used,
    Expired,
    Unknown,
}

/// Looks an undo link up without using it (to show its page).
pub fn peek_email_undo(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> QueryResult<UndoCheck> {
    let row = email_undo_tokens::table
        .find(hash_token(token))
        .select(EmailUndoRow::as_select())
        .first(conn)
        .optional()?;
    Ok(match row {
        None => UndoCheck::Unknown,
        Some(r) if r.used_at.is_some() => UndoCheck::Used,
        Some(r) if r.expires_at <= now => UndoCheck::Expired,
        Some(r) => UndoCheck::Valid(r),
    })
}

/// Uses an undo link with a compare-and-set (of two clicks at once only one gets `Valid`).
/// Call inside the transaction that undoes the change.
pub fn use_email_undo(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> QueryResult<UndoCheck> {
    let check = peek_email_undo(conn, token, now)?;
    if let UndoCheck::Valid(row) = &check {
        let updated = diesel::update(email_undo_tokens::table.find(&row.token_hash))
            .filter(email_undo_tokens::used_at.is_null())
            .set(email_undo_tokens::used_at.eq(now))
            .execute(conn)?;
        if updated != 1 {
            return Ok(UndoCheck::Used);
        }
    }
    Ok(check)
}

/// Forgets a user's undo links (they hold old addresses): on account deletion.
pub fn delete_email_undos(conn: &mut DbConnection, user_id: UserId) -> QueryResult<usize> {
    diesel::delete(email_undo_tokens::table.filter(email_undo_tokens::user_id.eq(user_id)))
        .execute(conn)
}
