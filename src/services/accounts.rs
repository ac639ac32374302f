//! The rules of an account before login: registering, confirming by the link in the e-mail,
//! asking for a link again or for a reset, and setting a new password with a reset link.
//! Each function is one transaction; what the e-mails say is in `i18n::messages`, and they
//! go out from the outbox after the commit.

use chrono::{Duration, NaiveDateTime};
use diesel::QueryResult;

use crate::db::limits::{self, Limit};
use crate::db::{self, DbConnection, accounts, accounts::TokenCheck, accounts::TokenPurpose};
use crate::domain::Email;
use crate::domain::token::new_token;
use crate::i18n::{Lang, messages};
use crate::notify;

pub const CONFIRM_VALID: Duration = Duration::hours(24);
pub const RESET_VALID: Duration = Duration::hours(1);
/// E-mails about the account (confirm, reset, "already registered") per address and hour;
/// beyond it requests get the same answer and no e-mail.
pub const MAILS_PER_ADDRESS_PER_HOUR: i64 = 3;

/// A single-use link sent by e-mail: what it is for, how long it works, where it leads.
pub struct LinkMail {
    pub purpose: TokenPurpose,
    pub valid: Duration,
    pub path: &'static str,
    pub kind: &'static str,
    pub message: fn(Lang, &str, &str) -> messages::Message,
}

pub const CONFIRM_LINK: LinkMail = LinkMail {
    purpose: TokenPurpose::Confirm,
    valid: CONFIRM_VALID,
    path: "/confirm",
    kind: "confirm_account",
    message: messages::confirm_account,
};

pub const RESET_LINK: LinkMail = LinkMail {
    purpose: TokenPurpose::Reset,
    valid: RESET_VALID,
    path: "/reset-password",
    kind: "password_reset",
    message: messages::password_reset,
};

/// Reserves one account e-mail to `email` in this hour's count (inside the caller's
/// transaction); false when the address has had its share.
fn mail_allowed(c: &mut DbConnection, email: &str, now: NaiveDateTime) -> QueryResult<bool> {
    limits::hit(
        c,
        &format!("mail:{email}"),
        Duration::hours(1),
        MAILS_PER_ADDRESS_PER_HOUR,
        now,
    )
    .map(|l| l.is_allowed())
}

/// Counts one valid registration from a client address (its own transaction), at most
/// `per_hour` (`Settings::registrations_per_client_hour`).
pub fn registration_from(
    c: &mut DbConnection,
    client: &str,
    per_hour: i64,
    now: NaiveDateTime,
) -> QueryResult<Limit> {
    limits::hit(
        c,
        &format!("register:ip:{client}"),
        Duration::hours(1),
        per_hour,
        now,
    )
}

/// One registration, its password already hashed.
pub struct Signup<'a> {
    pub email: &'a Email,
    pub registration: &'a accounts::Registration,
    pub is_employee: bool,
    /// The language of the page it was made on.
    pub lang: Lang,
}

/// Registers, in one transaction: a new address gets its account and a confirmation link
/// bound to this registration; an address not yet confirmed gets a link of its own (the
/// earlier ones stay: whichever is used confirms the registration it was sent for); a
/// confirmed address's owner gets a note that someone tried. The caller answers the same
/// way in all three cases. `base_url`: the portal's public URL, for the links.
pub fn register(
    conn: &mut DbConnection,
    s: &Signup,
    base_url: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    db::write_tx(conn, |c| {
        if !mail_allowed(c, s.email.as_str(), now)? {
            return Ok(());
        }
        match accounts::user_by_email(c, s.email.as_str())? {
            Some(existing) if existing.confirmed_at.is_some() => {
                let lang = Lang::parse(&existing.language).unwrap_or(s.lang);
                let message = messages::already_registered(
                    lang,
                    &existing.name,
                    &format!("{base_url}/login"),
                    &format!("{base_url}/forgot-password"),
                );
                notify::queue_email(
                    c,
                    Some(existing.id),
                    &existing.email,
                    "already_registered",
                    message,
                    now,
                )
            }
            Some(existing) => issue_confirm_link(c, &existing, s.registration, base_url, now),
            None => {
                let reg = s.registration;
                let user = accounts::insert_user(
                    c,
                    &accounts::NewUser {
                        email: s.email.as_str(),
                        password_hash: &reg.password_hash,
                        name: &reg.name,
                        mobile: &reg.mobile,
                        is_employee: s.is_employee,
                        role: crate::domain::role::Role::Customer,
                        language: &reg.language,
                        created_at: now,
                    },
                )?;
                issue_confirm_link(c, &user, reg, base_url, now)
            }
        }
    })
}

/// A confirmation link bound to one registration, and its e-mail (in the registration's
/// language, greeting the name it gave), inside the caller's transaction. Earlier links
/// are left alone.
fn issue_confirm_link(
    c: &mut DbConnection,
    user: &accounts::UserRow,
    reg: &accounts::Registration,
    base_url: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let token = new_token();
    let url = format!("{base_url}{}?token={token}", CONFIRM_LINK.path);
    let lang = Lang::parse(&reg.language).unwrap_or(Lang::Sv);
    accounts::insert_token(
        c,
        &token,
        user.id,
        TokenPurpose::Confirm,
        None,
        now,
        CONFIRM_VALID,
    )?;
    accounts::bind_registration(c, &token, reg)?;
    notify::queue_email(
        c,
        Some(user.id),
        &user.email,
        CONFIRM_LINK.kind,
        (CONFIRM_LINK.message)(lang, &reg.name, &url),
        now,
    )
}

/// Replaces the user's earlier links of this kind with a new one and queues the e-mail,
/// inside the caller's transaction.
fn issue_link(
    c: &mut DbConnection,
    user: &accounts::UserRow,
    link: &LinkMail,
    base_url: &str,
    lang: Lang,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let token = new_token();
    let url = format!("{base_url}{}?token={token}", link.path);
    let lang = Lang::parse(&user.language).unwrap_or(lang);
    accounts::expire_tokens(c, user.id, link.purpose, now)?;
    accounts::insert_token(c, &token, user.id, link.purpose, None, now, link.valid)?;
    notify::queue_email(
        c,
        Some(user.id),
        &user.email,
        link.kind,
        (link.message)(lang, &user.name, &url),
        now,
    )
}

/// What using a confirmation link did.
#[derive(Debug)]
pub struct Confirmed {
    pub check: TokenCheck,
    /// The account was confirmed before (by this link or another way).
    pub already: bool,
}

/// Uses a confirmation link: the registration it was sent for is the one confirmed (its
/// password, name, mobile and language; only an account not yet confirmed), and the other
/// registrations' links stop working.
pub fn confirm(conn: &mut DbConnection, token: &str, now: NaiveDateTime) -> QueryResult<Confirmed> {
    db::write_tx(conn, |c| {
        let check = accounts::use_token(c, token, TokenPurpose::Confirm, now)?;
        let already = match &check {
            TokenCheck::Valid(row) => {
                let reg = row.registration();
                let confirmed_now =
                    accounts::confirm_registration(c, row.user_id, reg.as_ref(), now)?;
                accounts::expire_tokens(c, row.user_id, TokenPurpose::Confirm, now)?;
                !confirmed_now
            }
            TokenCheck::Used(row) => {
                accounts::user_by_id(c, row.user_id)?.is_some_and(|u| u.confirmed_at.is_some())
            }
            _ => false,
        };
        Ok(Confirmed { check, already })
    })
}

/// A client address and how many requests it may make an hour.
#[derive(Clone, Copy)]
pub struct PerClient<'a> {
    pub address: &'a str,
    pub per_hour: i64,
}

/// Asks for a link by e-mail (a reset, or a new confirmation link), in one transaction:
/// counted per client address (over the limit nothing is done); then, if the address has an
/// account (an unconfirmed one, for a confirmation link) and has not had its e-mails this
/// hour, a link is written and its e-mail queued. A new confirmation link carries the newest
/// registration's details. Answers the client's limit and whether an e-mail was queued; the
/// caller answers the same either way.
pub fn request_link(
    conn: &mut DbConnection,
    client: PerClient,
    email: &Email,
    lang: Lang,
    link: &LinkMail,
    base_url: &str,
    now: NaiveDateTime,
) -> QueryResult<(Limit, bool)> {
    db::write_tx(conn, |c| {
        let limit = limits::hit(
            c,
            &format!("links:ip:{}", client.address),
            Duration::hours(1),
            client.per_hour,
            now,
        )?;
        if !limit.is_allowed() {
            return Ok((limit, false));
        }
        let Some(user) = accounts::user_by_email(c, email.as_str())? else {
            return Ok((limit, false));
        };
        if link.purpose == TokenPurpose::Confirm && user.confirmed_at.is_some() {
            return Ok((limit, false));
        }
        if !mail_allowed(c, &user.email, now)? {
            return Ok((limit, false));
        }
        match (link.purpose, accounts::newest_registration(c, user.id)?) {
            (TokenPurpose::Confirm, Some(reg)) => {
                issue_confirm_link(c, &user, &reg, base_url, now)?
            }
            _ => issue_link(c, &user, link, base_url, lang, now)?,
        }
        Ok((limit, true))
    })
}

/// Sets a new password (already hashed) with a reset link, once: the account counts as
/// confirmed (whoever got into the mailbox owns the address) and every session ends.
pub fn reset_password(
    conn: &mut DbConnection,
    token: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<TokenCheck> {
    use crate::db::schema::users;
    use diesel::prelude::*;
    db::write_tx(conn, |c| {
        let check = accounts::use_token(c, token, TokenPurpose::Reset, now)?;
        if let TokenCheck::Valid(row) = &check {
            diesel::update(users::table.find(row.user_id))
                .set(users::password_hash.eq(password_hash))
                .execute(c)?;
            diesel::update(users::table.find(row.user_id))
                .filter(users::confirmed_at.is_null())
                .set(users::confirmed_at.eq(now))
                .execute(c)?;
            accounts::delete_user_sessions(c, row.user_id, None)?;
        }
        Ok(check)
    })
}
