//! The parking office's staff: an admin invites an operator (or admin). The account is made
//! (or an existing one given the role) and a link to choose a password is e-mailed; it is the
//! reset-password link, valid for [`INVITE_VALID`], so the one password page serves both.

use crate::domain::UserId;
use chrono::{Duration, NaiveDateTime};
use diesel::QueryResult;

use crate::db::accounts::{self, NewUser, TokenPurpose};
use crate::db::{DbConnection, audit, users, write_tx};
use crate::domain::role::Role;
use crate::domain::token::new_token;
use crate::domain::{Email, Name};
use crate::i18n::{Lang, messages};
use crate::notify;

pub const INVITE_VALID: Duration = Duration::days(7);

pub struct Invite {
    pub email: Email,
    pub name: Name,
    pub role: Role,
    /// An operator who may use Kontroll alone ("Kontrollant").
    pub check_only: bool,
    pub is_employee: bool,
    /// The portal's public address, for the link.
    pub link_base: String,
}

/// Makes or promotes the account, sends the link and records who did it, in one transaction.
pub fn invite(c: &mut DbConnection, by: UserId, i: &Invite, now: NaiveDateTime) -> QueryResult<()> {
    write_tx(c, |c| {
        let user = match accounts::user_by_email(c, i.email.as_str())? {
            Some(u) => {
                users::set_role(c, u.id, i.role, i.check_only)?;
                u
            }
            None => accounts::insert_user(
                c,
                &NewUser {
                    email: i.email.as_str(),
                    // Not a hash: no password matches until the invitee chooses one.
                    password_hash: "!invited",
                    name: i.name.as_str(),
                    mobile: "",
                    is_employee: i.is_employee,
                    role: i.role,
                    language: "sv",
                    created_at: now,
                },
            )
            .and_then(|u| {
                users::set_role(c, u.id, i.role, i.check_only)?;
                Ok(u)
            })?,
        };
        let token = new_token();
        accounts::insert_token(
            c,
            &token,
            user.id,
            TokenPurpose::Reset,
            None,
            now,
            INVITE_VALID,
        )?;
        let link = format!("{}/reset-password?token={token}", i.link_base);
        let lang = Lang::parse(&user.language).unwrap_or_default();
        notify::queue_email(
            c,
            Some(user.id),
            i.email.as_str(),
            "operator_invite",
            messages::operator_invite(lang, i.name.as_str(), &link),
            now,
        )?;
        audit::record(
            c,
            Some(by),
            "user.invite",
            &format!("user:{}", user.id),
            Some(if user.check_only {
                "attendant"
            } else {
                user.role.as_str()
            }),
            Some(if i.check_only {
                "attendant"
            } else {
                i.role.as_str()
            }),
            now,
        )
    })
}

/// Resets a staff member's second factor (`by`: the admin; the command line has its own,
/// `admin::reset_second_factor`): the
/// secret and recovery codes go, their sessions end, the reset is audited and they are told by
/// e-mail, in one transaction. `false` when there is no such staff account.
pub fn reset_second_factor(
    c: &mut DbConnection,
    by: UserId,
    by_name: &str,
    user: UserId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    write_tx(c, |c| {
        let Some(u) = accounts::user_by_id(c, user)?.filter(|u| u.role.is_staff()) else {
            return Ok(false);
        };
        crate::db::mfa::remove(c, u.id)?;
        accounts::delete_user_sessions(c, u.id, None)?;
        let lang = Lang::parse(&u.language).unwrap_or_default();
        notify::queue_email(
            c,
            Some(u.id),
            &u.email,
            "second_factor_reset",
            messages::second_factor_reset(lang, &u.name, by_name),
            now,
        )?;
        audit::record(
            c,
            Some(by),
            "user.mfa_reset",
            &format!("user:{}", u.id),
            None,
            None,
            now,
        )?;
        Ok(true)
    })
}
