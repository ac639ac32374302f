//! Översikt, the operator portal's first page: what needs the office today (applications,
//! unanswered cases, refused refunds, offers about to lapse), the month's sales, the permits
//! valid today, and per car park and type sold / held / free / waiting.

use super::*;

pub async fn dashboard(op: OperatorCtx, state: Data) -> Reply {
    let t = op.ctx.t();
    let today = today(chrono::Utc::now());
    let month_start = today
        .with_day(1)
        .unwrap_or(today)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let d = db::query(&state.pool, move |c| {
        office::dashboard(c, today, month_start)
    })
    .await?;
    let places = super::queues::overview_table(&op, &state).await?;
    let body = html! {
        dl.card.counters {
            dt { (t.op_active_today) } dd { strong #active-today { (d.active_today) } }
            dt { (t.op_sales_month) } dd { strong #sales-month { (Money::from_ore(d.sales_month_ore)) } " (" (d.sales_month_count) ")" }
            dt { a href="/operator/applications" { (t.op_applications) } } dd { strong #pending-applications { (d.pending_applications) } }
            dt { a href="/operator/cases" { (t.op_cases) } } dd { strong #open-cases { (d.open_cases) } }
            dt { (op.ctx.lang.office().failed_refunds) } dd { strong #failed-refunds { (d.failed_refunds) } }
            dt { a href="/operator/queues" { (op.ctx.lang.office().offers_lapsing) } } dd { strong #offers-lapsing { (d.offers_lapsing) } }
        }
        h2 { a href="/operator/queues" { (op.ctx.lang.queue().op_queues) } }
        (places)
    };
    Ok(page(&op, t.op_dashboard, body))
}
