//! The office's follow-up of on-call parking (issue #39): passes per employee and calendar
//! month (Swedish time), as a table and as CSV.

use super::*;
use std::collections::BTreeMap;

/// (e-mail, month "YYYY-MM") → (name, passes), in e-mail and month order.
type PerMonth = BTreeMap<(String, String), (String, usize)>;

async fn per_month(state: &AppState) -> Result<PerMonth, AppError> {
    let rows = db::query(&state.pool, crate::db::oncall::per_employee_and_month).await?;
    let mut out = PerMonth::new();
    for (name, email, at) in rows {
        let d = clock::local_date(at);
        let month = format!("{}-{:02}", d.year(), d.month());
        out.entry((email, month)).or_insert((name, 0)).1 += 1;
    }
    Ok(out)
}

/// `GET /operator/reports/oncall`.
pub async fn oncall_report(op: OperatorCtx, state: Data) -> Reply {
    let t = op.ctx.t();
    let w = op.ctx.lang.pause();
    let rows = per_month(&state).await?;
    let body = html! {
        p { a href="/operator/reports/oncall.csv" { (t.op_download) " (CSV)" } }
        @if rows.is_empty() { p { (t.op_nothing_found) } }
        @else {
            table.list {
                thead { tr { th scope="col" { (t.name) } th scope="col" { (t.email) } th scope="col" { (w.oncall_month) } th scope="col" { (w.oncall_passes) } } }
                tbody {
                    @for ((email, month), (name, n)) in &rows {
                        tr {
                            td data-label=(t.name) { (name) }
                            td.wrap-any data-label=(t.email) { (email) }
                            td data-label=(w.oncall_month) { (month) }
                            td data-label=(w.oncall_passes) { (n) }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&op, w.oncall_report, body))
}

/// `GET /operator/reports/oncall.csv`: the same, for a spreadsheet.
pub async fn oncall_csv(_op: OperatorCtx, state: Data) -> Reply {
    let rows = per_month(&state).await?;
    let mut out = super::reports::csv_line(&[
        "name".into(),
        "email".into(),
        "month".into(),
        "passes".into(),
    ]);
    for ((email, month), (name, n)) in rows {
        out.push_str(&super::reports::csv_line(&[
            name,
            email,
            month,
            n.to_string(),
        ]));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"jourparkering.csv\"",
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(out))
}
