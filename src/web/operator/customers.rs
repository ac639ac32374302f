//! A customer's page: the account and its permits.

use super::*;
use crate::domain::UserId;

pub async fn customer(op: OperatorCtx, state: Data, id: web::Path<UserId>) -> Reply {
    let t = op.ctx.t();
    let id = id.into_inner();
    let c = db::query(&state.pool, move |c| office::customer(c, id))
        .await?
        .ok_or(AppError::NotFound)?;
    let body = html! {
        dl.card {
            dt { (t.name) } dd { (c.user.name) }
            dt { (t.email) } dd { (c.user.email) }
            dt { (t.mobile) } dd { (c.user.mobile) }
            dt { (t.op_role) } dd { (labels::role(t, c.user.role)) }
        }
        h2 { (t.op_permits) }
        (permit_table(&op.ctx, &c.permits))
        h2 { (t.op_payments) }
        table.list {
            thead { tr { th scope="col" { "#" } th scope="col" { (t.op_permit) } th scope="col" { (t.pay_method) } th scope="col" { (t.price_label) } th scope="col" { (t.col_status) } } }
            tbody { @for p in &c.payments { tr {
                td data-label="#" { (p.id) }
                td data-label=(t.op_permit) { a href={ "/operator/permits/" (p.permit_id) } { "#" (p.permit_id) } }
                td data-label=(t.pay_method) { (labels::method(t, &p.method)) }
                td data-label=(t.price_label) { (Money::from_ore(p.amount_ore)) }
                td data-label=(t.col_status) { (labels::payment(t, p.status)) }
            } } }
        }
        h2 { (t.op_cases) }
        ul { @for k in &c.cases { li { a href={ "/operator/cases/" (k.id) } { (k.subject) } } } }
        h2 { (t.nav_notifications) }
        ul { @for n in &c.notifications { li { (clock::local_display(n.created_at)) " · " (labels::channel(t, &n.channel)) " · " (n.subject) " · " (labels::notification(t, n.status)) } } }
    };
    Ok(page(&op, &c.user.name, body))
}
