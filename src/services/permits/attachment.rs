//! An application's attachment (a PDF the buyer adds while the office decides).

use crate::domain::{PermitId, UserId};
use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::{DbConnection, permits as db_permits, write_tx};
use crate::domain::permit_actions::{PermitAction, may};

/// Stores `pdf` as the attachment of `user_id`'s application `permit_id`, under a name the
/// server makes (the uploaded name is never kept). `None`: no such permit of the user;
/// `Some(false)`: the permit takes no attachment now.
pub fn attach(
    c: &mut DbConnection,
    user_id: UserId,
    permit_id: PermitId,
    pdf: &[u8],
    now: NaiveDateTime,
) -> QueryResult<Option<bool>> {
    write_tx(c, |c| {
        let Some(p) = db_permits::owned(c, permit_id, user_id)? else {
            return Ok(None);
        };
        if !may(PermitAction::Attach, p.kind, p.state) {
            return Ok(Some(false));
        }
        let earlier = db_permits::events(c, permit_id)?
            .iter()
            .filter(|e| e.kind == "attachment")
            .count();
        let name = format!("bilaga-{permit_id}-{}.pdf", earlier + 1);
        let stored = db_permits::set_attachment(c, permit_id, pdf, &name)?;
        db_permits::add_event(c, permit_id, Some(user_id), "attachment", &name, now)?;
        Ok(Some(stored))
    })
}
