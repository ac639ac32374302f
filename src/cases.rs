//! Cases ("ärenden"): the one service both the customer's "Meddelanden" and the operator
//! portal use. Each function is one transaction: the message and the notification it causes.

use crate::db::{DbConnection, accounts, audit, cases, permits};
use crate::domain::text::{Text, TextError};
use crate::domain::{CaseId, PermitId, UserId};
use crate::i18n::Lang;
use crate::i18n::messages;
use crate::notify;

pub const SUBJECT_MAX: usize = 120;
pub const BODY_MAX: usize = 5000;

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("no such case")]
    NotFound,
    #[error("subject: {0}")]
    Subject(TextError),
    #[error("message: {0}")]
    Body(TextError),
    #[error("the permit is not the customer's")]
    Permit,
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

impl From<diesel::result::Error> for CaseError {
    fn from(e: diesel::result::Error) -> Self {
        CaseError::Db(e.into())
    }
}

pub fn parse_body(raw: &str) -> Result<Text, CaseError> {
    Text::parse(raw, BODY_MAX).map_err(CaseError::Body)
}

/// A customer opens a case, optionally about one of their permits; the office's staff are
/// notified.
pub fn open(
    conn: &mut DbConnection,
    user_id: UserId,
    permit_id: Option<PermitId>,
    subject: &str,
    body: &str,
    base_url: &str,
) -> Result<CaseId, CaseError> {
    let subject = Text::parse(subject, SUBJECT_MAX).map_err(CaseError::Subject);
    let body = parse_body(body);
    let (subject, body) = (subject?, body?);
    crate::db::write_tx(conn, |c| {
        if let Some(pid) = permit_id
            && permits::owned(c, pid, user_id)?.is_none()
        {
            return Err(CaseError::Permit);
        }
        let now = crate::clock::now();
        let id = cases::open(c, user_id, permit_id, subject.as_str(), body.as_str(), now)?;
        notify_office(c, user_id, id, subject.as_str(), base_url, now)?;
        Ok(id)
    })
}

/// Each member of the office's staff is told that a customer wrote in a case, on the
/// channels they chose, with a link to it in the operator portal (through login).
fn notify_office(
    c: &mut DbConnection,
    customer: UserId,
    case_id: CaseId,
    subject: &str,
    base_url: &str,
    now: chrono::NaiveDateTime,
) -> Result<(), CaseError> {
    let name = accounts::user_by_id(c, customer)?
        .map(|u| u.name)
        .unwrap_or_default();
    let link = format!("{base_url}/operator/cases/{case_id}");
    for staff in crate::db::users::staff_users(c)? {
        let lang = Lang::parse(&staff.language).unwrap_or_default();
        let message = messages::case_from_customer(lang, &name, subject, &link);
        notify::queue(c, &staff, "case_from_customer", message, now)?;
    }
    Ok(())
}

/// The customer writes in their own case; the office's staff are notified.
pub fn customer_reply(
    conn: &mut DbConnection,
    user_id: UserId,
    case_id: CaseId,
    body: &str,
    base_url: &str,
) -> Result<(), CaseError> {
    let body = parse_body(body)?;
    crate::db::write_tx(conn, |c| {
        let case = cases::owned(c, case_id, user_id)?.ok_or(CaseError::NotFound)?;
        let now = crate::clock::now();
        cases::add_message(c, case_id, Some(user_id), false, body.as_str(), now)?;
        notify_office(c, user_id, case_id, &case.subject, base_url, now)?;
        Ok(())
    })
}

/// The parking office answers; the customer is notified on the channels they chose, with a
/// link to the case (through login).
pub fn operator_reply(
    conn: &mut DbConnection,
    operator_id: Option<UserId>,
    case_id: CaseId,
    body: &str,
    base_url: &str,
) -> Result<(), CaseError> {
    let body = parse_body(body)?;
    crate::db::write_tx(conn, |c| {
        let case = cases::by_id(c, case_id)?.ok_or(CaseError::NotFound)?;
        let now = crate::clock::now();
        cases::add_message(c, case_id, operator_id, true, body.as_str(), now)?;
        let subject = format!("case:{case_id}");
        audit::record(
            c,
            operator_id,
            "case.reply",
            &subject,
            None,
            Some(body.as_str()),
            now,
        )?;
        // The office has read what the customer wrote before answering.
        cases::mark_read(c, case_id, true, now)?;
        if let Some(user) = accounts::user_by_id(c, case.user_id)? {
            let lang = Lang::parse(&user.language).unwrap_or_default();
            let link = format!("{base_url}/messages/{case_id}");
            let message = messages::case_reply(lang, &user.name, &case.subject, &link);
            notify::queue(c, &user, "case_reply", message, now)?;
        }
        Ok(())
    })
}

/// The parking office closes a case (a new message opens it again).
pub fn close(
    conn: &mut DbConnection,
    operator_id: Option<UserId>,
    case_id: CaseId,
) -> Result<bool, CaseError> {
    crate::db::write_tx(conn, |c| {
        cases::by_id(c, case_id)?.ok_or(CaseError::NotFound)?;
        let now = crate::clock::now();
        let closed = cases::close(c, case_id, now)?;
        if closed {
            let subject = format!("case:{case_id}");
            audit::record(
                c,
                operator_id,
                "case.close",
                &subject,
                Some("open"),
                Some("closed"),
                now,
            )?;
        }
        Ok(closed)
    })
}
