//! The rules of an account after login ("Inställningar"): a new password, a new e-mail
//! address (confirmed from the new address, undoable from the old one for
//! [`UNDO_VALID`]), and erasing the account. Each function is one transaction; the e-mails
//! go out from the outbox after the commit.

use crate::domain::UserId;
use chrono::{Duration, NaiveDateTime};
use diesel::QueryResult;

use crate::db::accounts::{self, TokenCheck, TokenPurpose, UndoCheck, UserRow};
use crate::db::{DbConnection, users, write_tx};
use crate::domain::Email;
use crate::i18n::{Lang, messages};
use crate::notify;
use crate::services::accounts::CONFIRM_VALID;

/// How long the undo link in the notice to the old address works.
pub const UNDO_VALID: Duration = Duration::days(7);

/// Sets a new password hash, ends every other session than `keep`, and tells the user.
pub fn change_password(
    c: &mut DbConnection,
    user: &UserRow,
    hash: &str,
    keep: &str,
    lang: Lang,
    now: NaiveDateTime,
) -> QueryResult<()> {
    write_tx(c, |c| {
        users::set_password_hash(c, user.id, hash)?;
        accounts::delete_user_sessions(c, user.id, Some(keep))?;
        notify::queue_email(
            c,
            Some(user.id),
            &user.email,
            "password_changed",
            messages::password_changed(lang, &user.name),
            now,
        )?;
        Ok(())
    })
}

/// The two single-use links of an e-mail change, as tokens and the links that carry them.
pub struct ChangeLinks {
    pub token: String,
    pub link: String,
    pub undo: String,
    pub undo_link: String,
}

/// Asks for a change of address. The same happens whether or not `new` already has an
/// account (nothing about other accounts is revealed): a free address gets the confirmation
/// link, a taken one a neutral note with the same subject that asks for nothing; the old
/// address always gets the notice with the undo link.
pub fn request_email_change(
    c: &mut DbConnection,
    user: &UserRow,
    new: &Email,
    links: &ChangeLinks,
    lang: Lang,
    now: NaiveDateTime,
) -> QueryResult<()> {
    write_tx(c, |c| {
        match accounts::email_in_use(c, new.as_str())? {
            None => {
                accounts::expire_tokens(c, user.id, TokenPurpose::EmailChange, now)?;
                accounts::insert_token(
                    c,
                    &links.token,
                    user.id,
                    TokenPurpose::EmailChange,
                    Some(new.as_str()),
                    now,
                    CONFIRM_VALID,
                )?;
                notify::queue_email(
                    c,
                    Some(user.id),
                    new.as_str(),
                    "email_change_confirm",
                    messages::confirm_new_email(lang, &user.name, &links.link),
                    now,
                )?;
            }
            // Taken (a deleted account's placeholder too): a neutral note, kept with the
            // requester's notifications like the confirmation would be.
            Some(_) => {
                notify::queue_email(
                    c,
                    Some(user.id),
                    new.as_str(),
                    "email_change_taken",
                    messages::email_change_taken(lang),
                    now,
                )?;
            }
        }
        accounts::insert_email_undo(
            c,
            &links.undo,
            user.id,
            &user.email,
            new.as_str(),
            now,
            UNDO_VALID,
        )?;
        notify::queue_email(
            c,
            Some(user.id),
            &user.email,
            "email_change_requested",
            messages::email_change_requested(lang, &user.name, new.as_str(), &links.undo_link),
            now,
        )?;
        Ok(())
    })
}

/// What the confirmation link of a new address did.
pub enum Confirmed {
    Changed,
    /// Another account has the address now; nothing changed.
    Taken,
    /// The link is unknown, another user's, used or expired.
    Problem(Box<TokenCheck>),
}

/// The link in the e-mail to the new address, opened by `user_id`: the address changes (and
/// with it whether the account is an employee's).
pub fn confirm_email_change(
    c: &mut DbConnection,
    user_id: UserId,
    token: &str,
    employee_domain: &str,
    now: NaiveDateTime,
) -> QueryResult<Confirmed> {
    let result = write_tx(c, |c| {
        let check = accounts::peek_token(c, token, TokenPurpose::EmailChange, now)?;
        let TokenCheck::Valid(row) = &check else {
            return Ok(Confirmed::Problem(Box::new(check)));
        };
        if row.user_id != user_id {
            return Ok(Confirmed::Problem(Box::new(TokenCheck::Unknown)));
        }
        let new_email = row.new_email.clone().unwrap_or_default();
        // Any row with the address, a deleted account's placeholder too (unique column).
        if accounts::email_in_use(c, &new_email)?.is_some() {
            return Ok(Confirmed::Taken);
        }
        if !matches!(
            accounts::use_token(c, token, TokenPurpose::EmailChange, now)?,
            TokenCheck::Valid(_)
        ) {
            return Ok(Confirmed::Problem(Box::new(TokenCheck::Used(row.clone()))));
        }
        let is_employee = Email::parse(&new_email).is_ok_and(|e| e.is_in_domain(employee_domain));
        users::set_email(c, user_id, &new_email, is_employee)?;
        Ok(Confirmed::Changed)
    });
    // Taken in the meantime by a registration on another connection: nothing changed.
    match result {
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(Confirmed::Taken),
        other => other,
    }
}

/// What the undo link in the notice to the old address did.
pub enum Undone {
    Undone,
    /// The old address has another account now: the change stays, the sessions ended.
    Blocked,
    Problem(UndoCheck),
}

/// Undoes (or stops) an e-mail change from the old address: the link is used, the old address
/// comes back (unless another account has taken it since), open change and reset links are
/// made useless (they went to the other address) and every session ends.
pub fn undo_email_change(
    c: &mut DbConnection,
    token: &str,
    employee_domain: &str,
    now: NaiveDateTime,
) -> QueryResult<Undone> {
    write_tx(c, |c| {
        let check = accounts::use_email_undo(c, token, now)?;
        let UndoCheck::Valid(row) = check else {
            return Ok(Undone::Problem(check));
        };
        let Some(user) = accounts::user_by_id(c, row.user_id)? else {
            return Ok(Undone::Problem(UndoCheck::Unknown));
        };
        accounts::expire_tokens(c, user.id, TokenPurpose::EmailChange, now)?;
        accounts::expire_tokens(c, user.id, TokenPurpose::Reset, now)?;
        accounts::delete_user_sessions(c, user.id, None)?;
        if user.email == row.old_email {
            return Ok(Undone::Undone);
        }
        if accounts::email_in_use(c, &row.old_email)?.is_some() {
            return Ok(Undone::Blocked);
        }
        let is_employee =
            Email::parse(&row.old_email).is_ok_and(|e| e.is_in_domain(employee_domain));
        users::set_email(c, user.id, &row.old_email, is_employee)?;
        Ok(Undone::Undone)
    })
}

/// "Ta bort mitt konto": erases the personal data in one transaction, and leaves every
/// queue (an open offer goes back, to the next in line).
pub fn delete_account(c: &mut DbConnection, id: UserId, now: NaiveDateTime) -> QueryResult<()> {
    write_tx(c, |c| {
        crate::services::queue::leave_all(c, id, now)?;
        users::erase(c, id, now)
    })
}
