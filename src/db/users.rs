//! Writes to one user's own row: details, payment preference, password, address, erasure.

use crate::domain::UserId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{account_tokens, notifications, sessions, users};
use crate::domain::role::Role;

/// "Inställningar": name, mobile, channels and language.
pub fn set_personal(
    c: &mut DbConnection,
    id: UserId,
    name: &str,
    mobile_e164: &str,
    notify_email: bool,
    notify_sms: bool,
    language: &str,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::name.eq(name),
            users::mobile.eq(mobile_e164),
            users::notify_email.eq(notify_email),
            users::notify_sms.eq(notify_sms),
            users::language.eq(language),
        ))
        .execute(c)
        .map(drop)
}

/// "Betalinställningar": the preferred method and Swish number (either may be none).
pub fn set_payment_preference(
    c: &mut DbConnection,
    id: UserId,
    method: Option<&str>,
    swish_e164: Option<&str>,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::preferred_payment.eq(method),
            users::swish_number.eq(swish_e164),
        ))
        .execute(c)
        .map(drop)
}

pub fn set_password_hash(c: &mut DbConnection, id: UserId, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(c)
        .map(drop)
}

/// The account's address, and whether it is in the employee domain.
pub fn set_email(
    c: &mut DbConnection,
    id: UserId,
    email: &str,
    is_employee: bool,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((users::email.eq(email), users::is_employee.eq(is_employee)))
        .execute(c)
        .map(drop)
}

/// Erases the personal data of an account: the row stays, pseudonymised, so bookkeeping
/// records keep their key; sessions, links and notifications go.
pub fn erase(c: &mut DbConnection, id: UserId, now: NaiveDateTime) -> QueryResult<()> {
    // The login history is kept under the addresses the person had: read them first.
    {
        use super::schema::{email_undo_tokens as undo, login_attempts};
        let mut emails: Vec<String> = users::table.find(id).select(users::email).load(c)?;
        emails.extend(
            undo::table
                .filter(undo::user_id.eq(id))
                .select(undo::old_email)
                .load::<String>(c)?,
        );
        diesel::delete(login_attempts::table.filter(login_attempts::email.eq_any(&emails)))
            .execute(c)?;
    }
    diesel::update(users::table.find(id))
        .set((
            users::email.eq(format!("deleted-{id}@deleted.invalid")),
            users::name.eq(""),
            users::mobile.eq(""),
            users::password_hash.eq("!"),
            users::swish_number.eq(None::<String>),
            users::preferred_payment.eq(None::<String>),
            users::notify_email.eq(false),
            users::notify_sms.eq(false),
            users::deleted_at.eq(now),
        ))
        .execute(c)?;
    diesel::delete(sessions::table.filter(sessions::user_id.eq(id))).execute(c)?;
    diesel::delete(account_tokens::table.filter(account_tokens::user_id.eq(id))).execute(c)?;
    super::accounts::delete_email_undos(c, id)?;
    diesel::delete(notifications::table.filter(notifications::user_id.eq(id))).execute(c)?;
    erase_traces(c, id)
}

/// What else an account leaves about the person (issue #34, 7): the texts and file of their
/// applications, their cases' subjects and messages (which can hold health data: "Jag är
/// sjukskriven…", the office's replies too), the Swish numbers they paid from, their login
/// history, their second factor and the car numbers kept with their places in line. The permits, payments and receipts stay, as bookkeeping
/// (Bokföringslagen, 7 years), keyed to the pseudonymised row.
fn erase_traces(c: &mut DbConnection, id: UserId) -> QueryResult<()> {
    use super::schema::{applications, case_messages, cases, payments, permits};
    let own_permits = permits::table
        .filter(permits::user_id.eq(id))
        .select(permits::id);
    diesel::update(applications::table.filter(applications::permit_id.eq_any(own_permits)))
        .set((
            applications::organisation.eq(""),
            applications::role.eq(""),
            applications::reason.eq(""),
            applications::attachment.eq(None::<Vec<u8>>),
            applications::attachment_name.eq(None::<String>),
        ))
        .execute(c)?;
    let own_cases = cases::table.filter(cases::user_id.eq(id)).select(cases::id);
    diesel::update(case_messages::table.filter(case_messages::case_id.eq_any(own_cases)))
        .set(case_messages::body.eq(ERASED))
        .execute(c)?;
    diesel::update(cases::table.filter(cases::user_id.eq(id)))
        .set(cases::subject.eq(ERASED))
        .execute(c)?;
    diesel::update(payments::table.filter(payments::user_id.eq(id)))
        .set(payments::payer_alias.eq(None::<String>))
        .execute(c)?;
    // The car's number kept with a place in line (issue #35, 4).
    use super::schema::queue_entries;
    diesel::update(queue_entries::table.filter(queue_entries::user_id.eq(id)))
        .set(queue_entries::regnr.eq(None::<String>))
        .execute(c)?;
    super::mfa::remove(c, id)?;
    diesel::delete(super::schema::mobile_confirmations::table.find(id)).execute(c)?;
    Ok(())
}

/// What an erased text reads.
pub const ERASED: &str = "(borttaget)";

/// The account's role; `check_only` makes an operator a "Kontrollant" (Kontroll alone).
pub fn set_role(c: &mut DbConnection, id: UserId, role: Role, check_only: bool) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::role.eq(role),
            users::check_only.eq(check_only && role == Role::Operator),
        ))
        .execute(c)
        .map(drop)
}

/// The operator portal's staff as users (to notify), oldest first.
pub fn staff_users(c: &mut DbConnection) -> QueryResult<Vec<super::accounts::UserRow>> {
    users::table
        .filter(users::role.ne(Role::Customer))
        .filter(users::deleted_at.is_null())
        .order(users::id.asc())
        .select(super::accounts::UserRow::as_select())
        .load(c)
}

/// One of the staff as Personal lists them.
pub struct StaffRow {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// A "Kontrollant": Kontroll alone.
    pub check_only: bool,
    /// The second factor is set up.
    pub second_factor: bool,
}

/// The operator portal's staff, oldest first.
pub fn staff(c: &mut DbConnection) -> QueryResult<Vec<StaffRow>> {
    use super::schema::user_totp;
    let rows: Vec<(UserId, String, String, Role, bool, Option<NaiveDateTime>)> = users::table
        .left_join(user_totp::table)
        .filter(users::role.ne(Role::Customer))
        .filter(users::deleted_at.is_null())
        .order(users::id.asc())
        .select((
            users::id,
            users::name,
            users::email,
            users::role,
            users::check_only,
            user_totp::enabled_at.nullable(),
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email, role, check_only, on)| StaffRow {
            id,
            name,
            email,
            role,
            check_only,
            second_factor: on.is_some(),
        })
        .collect())
}
