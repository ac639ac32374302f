//! Sök: permits by registration number, name or e-mail.

use super::*;

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    q: Option<String>,
}

pub(super) fn permit_table(ctx: &Ctx, list: &[db_permits::PermitRow]) -> Markup {
    let t = ctx.t();
    html! {
        table.list {
            thead { tr { th scope="col" { (t.col_regnr) } th scope="col" { (t.col_type) } th scope="col" { (t.col_period) } th scope="col" { (t.col_status) } } }
            tbody {
                @for p in list {
                    tr {
                        td data-label=(t.col_regnr) { a href={ "/operator/permits/" (p.id) } { (p.regnr) } }
                        td data-label=(t.col_type) { (permit_type_name(p, ctx.lang)) }
                        td data-label=(t.col_period) { (p.start_date) " – " (p.end_date) }
                        td data-label=(t.col_status) { (status_label(p, ctx.lang)) }
                    }
                }
            }
        }
    }
}

/// The permits found: the registration number is the link; whose it is (name and e-mail),
/// the car park, type, period and status beside it (issue #36, 4).
fn found_table(ctx: &Ctx, list: &[office::FoundPermit]) -> Markup {
    let t = ctx.t();
    html! {
        table.list {
            thead { tr {
                th scope="col" { (t.col_regnr) } th scope="col" { (t.name) } th scope="col" { (t.email) }
                th scope="col" { (t.col_car_park) } th scope="col" { (t.col_type) } th scope="col" { (t.col_period) } th scope="col" { (t.col_status) }
            } }
            tbody {
                @for f in list {
                    @let p = &f.permit;
                    tr {
                        td data-label=(t.col_regnr) { a href={ "/operator/permits/" (p.id) } { (p.regnr) } }
                        td data-label=(t.name) { (f.name) }
                        td.wrap-any data-label=(t.email) { (f.email) }
                        td data-label=(t.col_car_park) { (f.car_park) }
                        td data-label=(t.col_type) { (permit_type_name(p, ctx.lang)) }
                        td data-label=(t.col_period) { span.nowrap { (p.start_date) } " – " span.nowrap { (p.end_date) } }
                        td data-label=(t.col_status) { (status_label(p, ctx.lang)) }
                    }
                }
            }
        }
    }
}

pub async fn search(op: OperatorCtx, state: Data, q: web::Query<SearchQuery>) -> Reply {
    let t = op.ctx.t();
    let typed: String = q.q.clone().unwrap_or_default().chars().take(100).collect();
    let found = if typed.trim().is_empty() {
        None
    } else {
        let regnr = RegNumber::for_lookup(&typed)
            .ok()
            .map(|r| r.as_str().to_string());
        let text = typed.clone();
        Some(
            db::query(&state.pool, move |c| {
                office::search(c, &text, regnr.as_deref())
            })
            .await?,
        )
    };
    let body = html! {
        form method="get" action="/operator/search" {
            (input(Field::new("q", t.op_search_label, "search").value(&typed).optional().hint(t.op_search_hint)))
            button type="submit" { (t.op_search_button) }
        }
        @if let Some(f) = &found {
            @if f.permits.is_empty() && f.users.is_empty() { p { (t.op_nothing_found) } }
            @if !f.users.is_empty() {
                h2 { (t.op_customers) }
                ul { @for u in &f.users { li { a href={ "/operator/customers/" (u.id) } { (u.name) } " – " (u.email) } } }
            }
            @if !f.permits.is_empty() {
                h2 { (t.op_permits) }
                (found_table(&op.ctx, &f.permits))
            }
        }
    };
    Ok(page(&op, t.op_search, body))
}
