//! `parkportal create-admin`: the first admin (and any later one) is made from the command line.

use crate::domain::UserId;
use anyhow::Context;
use diesel::prelude::*;

use crate::auth::password;
use crate::clock;
use crate::db::schema::users;
use crate::db::{self, DbConnection, accounts, audit};
use crate::domain::password::{MIN_CHARS, SPECIALS};
use crate::domain::role::Role;
use crate::domain::{Email, Name, Password};

/// What `create-admin` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminOutcome {
    /// A new, confirmed admin account.
    Created { user_id: UserId },
    /// An existing account became admin (confirmed, with the new password).
    Promoted { user_id: UserId, was: Role },
}

/// Why `create-admin` refused: one line each, naming what to fix.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("--email {0:?} is not a valid e-mail address")]
    BadEmail(String),
    #[error("--name is not a valid name ({0}; 1–100 characters, no < or >)")]
    BadName(&'static str),
    #[error(
        "the password read from standard input is not accepted ({0}): it needs at least \
         {MIN_CHARS} characters with an upper-case letter, a lower-case letter, a digit and one \
         of {SPECIALS}, and must not be a common password"
    )]
    BadPassword(&'static str),
    #[error(
        "an account with the e-mail {0} exists; run again with --yes to make it an admin \
         (its password becomes the one given)"
    )]
    Exists(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Checks the e-mail, name and password (the registration rules), then creates a confirmed
/// admin account, or, with `promote_existing`, makes the existing account of that address an
/// admin. Writes an audit row (actor: none, the command line) in the same transaction.
pub fn create_admin(
    conn: &mut DbConnection,
    employee_domain: &str,
    email: &str,
    name: &str,
    password_line: &str,
    promote_existing: bool,
) -> Result<AdminOutcome, AdminError> {
    let email = Email::parse(email).map_err(|_| AdminError::BadEmail(email.to_string()))?;
    let name = Name::parse(name).map_err(|e| AdminError::BadName(name_reason(e)))?;
    let pw = Password::parse(password_line).map_err(|e| AdminError::BadPassword(pw_reason(e)))?;
    // Refuse before the slow hash when the answer is known.
    if !promote_existing && accounts::user_by_email(conn, email.as_str())?.is_some() {
        return Err(AdminError::Exists(email.to_string()));
    }
    let hash = password::hash_blocking(pw.expose())?;
    let is_employee = email.is_in_domain(employee_domain);
    db::write_tx(conn, |c| {
        let now = clock::now();
        match accounts::user_by_email(c, email.as_str())? {
            Some(_) if !promote_existing => Err(AdminError::Exists(email.to_string())),
            Some(existing) => {
                diesel::update(users::table.find(existing.id))
                    .set((
                        users::role.eq(Role::Admin),
                        users::password_hash.eq(&hash),
                        users::confirmed_at.eq(existing.confirmed_at.unwrap_or(now)),
                    ))
                    .execute(c)?;
                // Old sessions end: whoever knew the old password is logged out.
                accounts::delete_user_sessions(c, existing.id, None)?;
                audit::record(
                    c,
                    None,
                    "user.role",
                    &format!("user:{}", existing.id),
                    Some(existing.role.as_str()),
                    Some(Role::Admin.as_str()),
                    now,
                )?;
                Ok(AdminOutcome::Promoted {
                    user_id: existing.id,
                    was: existing.role,
                })
            }
            None => {
                let user = accounts::insert_user(
                    c,
                    &accounts::NewUser {
                        email: email.as_str(),
                        password_hash: &hash,
                        name: name.as_str(),
                        mobile: "",
                        is_employee,
                        role: Role::Admin,
                        language: "sv",
                        created_at: now,
                    },
                )?;
                diesel::update(users::table.find(user.id))
                    .set(users::confirmed_at.eq(now))
                    .execute(c)?;
                audit::record(
                    c,
                    None,
                    "user.create_admin",
                    &format!("user:{}", user.id),
                    None,
                    Some(&format!("admin {}", email)),
                    now,
                )?;
                Ok(AdminOutcome::Created { user_id: user.id })
            }
        }
    })
}

/// `create-admin --reset-mfa`: resets the second factor of the staff account with this
/// e-mail (secret, recovery codes, sessions), audited as done from the command line.
pub fn reset_second_factor(conn: &mut DbConnection, email: &str) -> Result<UserId, AdminError> {
    let parsed = Email::parse(email).map_err(|_| AdminError::BadEmail(email.to_string()))?;
    db::write_tx(conn, |c| {
        let Some(u) = accounts::user_by_email(c, parsed.as_str())?.filter(|u| u.role.is_staff())
        else {
            return Err(AdminError::Other(anyhow::anyhow!(
                "no operator or admin account has the e-mail {parsed}"
            )));
        };
        crate::db::mfa::remove(c, u.id)?;
        accounts::delete_user_sessions(c, u.id, None)?;
        audit::record(
            c,
            None,
            "user.mfa_reset",
            &format!("user:{}", u.id),
            None,
            None,
            clock::now(),
        )?;
        Ok(u.id)
    })
}

impl From<diesel::result::Error> for AdminError {
    fn from(e: diesel::result::Error) -> Self {
        AdminError::Other(anyhow::Error::from(e).context("database"))
    }
}

/// Reads the password: the first line of standard input, without its line ending.
pub fn read_password_line(input: &mut impl std::io::BufRead) -> anyhow::Result<String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let line = line.strip_suffix('\n').unwrap_or(&line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.is_empty() {
        anyhow::bail!("no password on standard input (give it as one line)");
    }
    Ok(line.to_string())
}

fn name_reason(e: crate::domain::name::NameError) -> &'static str {
    use crate::domain::name::NameError::*;
    match e {
        Empty => "empty",
        TooLong => "too long",
        Invalid => "invalid characters",
        Link => "a web address",
    }
}

fn pw_reason(e: crate::domain::password::PasswordError) -> &'static str {
    use crate::domain::password::PasswordError::*;
    match e {
        TooShort => "too short",
        TooLong => "too long",
        NoUpper => "no upper-case letter",
        NoLower => "no lower-case letter",
        NoDigit => "no digit",
        NoSpecial => "no special character",
        TooCommon => "too common",
    }
}
