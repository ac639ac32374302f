//! Rapporter: the CSV reports of permits and payments, streamed in pages.

use super::*;

#[derive(Deserialize, Default)]
pub struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

/// The report's days as typed, and the stored UTC times they span: `[start, end)` from
/// midnight of `from` to midnight after `to`, Swedish time.
pub(super) struct Range {
    from: NaiveDate,
    to: NaiveDate,
    start: chrono::NaiveDateTime,
    end: chrono::NaiveDateTime,
}

pub(super) fn range(q: &RangeQuery) -> Option<Range> {
    let parse = |s: &Option<String>| {
        s.as_deref()
            .and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
    };
    let (from, to) = (parse(&q.from)?, parse(&q.to)?);
    (from <= to).then(|| Range {
        from,
        to,
        start: clock::local_midnight_utc(from),
        end: clock::local_midnight_utc(to.succ_opt().unwrap_or(to)),
    })
}

pub async fn reports(op: OperatorCtx) -> Reply {
    Ok(reports_view(&op, None))
}

/// Rapporter; after a range that is not one (`refused`: which report and the range as typed)
/// the same page (422) with the error at that report's first date and in the summary.
fn reports_view(op: &OperatorCtx, refused: Option<(&str, &RangeQuery)>) -> HttpResponse {
    let t = op.ctx.t();
    let today = today(chrono::Utc::now());
    let first = today.with_day(1).unwrap_or(today).to_string();
    let error = refused.map(|_| t.op_range_invalid);
    let wrong = refused.map(|(report, _)| format!("{report}-from"));
    let body = html! {
        (error_summary(t, &[(wrong.as_deref().unwrap_or_default(), error)]))
        p { (t.op_reports_intro) }
        p { a href="/operator/reports/oncall" { (op.ctx.lang.pause().oncall_report) } }
        @for (report, label) in [("permits", t.op_export_permits), ("payments", t.op_export_payments)] {
            @let typed = refused.filter(|(r, _)| *r == report).map(|(_, q)| q);
            @let keep = |s: &Option<String>| s.as_deref().unwrap_or_default().chars().take(20).collect::<String>();
            @let from = typed.map_or(first.clone(), |q| keep(&q.from));
            @let to = typed.map_or(today.to_string(), |q| keep(&q.to));
            form method="get" action={ "/operator/reports/" (report) ".csv" } novalidate {
                h2 { (label) }
                @let fid = format!("{report}-from");
                @let this_error = typed.and(error);
                label for=(fid) { (t.op_from) }
                input id=(fid) type="date" name="from" value=(from) required
                    aria-invalid=[this_error.map(|_| "true")]
                    aria-describedby=[this_error.map(|_| format!("{fid}-error"))];
                @if let Some(e) = this_error { p.field-error id={ (fid) "-error" } { (e) } }
                label for={ (report) "-to" } { (t.op_to) }
                input id={ (report) "-to" } type="date" name="to" value=(to) required;
                button type="submit" { (t.op_download) }
            }
        }
    };
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    respond(
        status,
        operator_page(&op.ctx, &op.me.csrf_token, t.op_reports, body),
    )
}

/// One CSV field: quoted when needed, and a leading `=`, `+`, `-` or `@` made harmless so a
/// spreadsheet never runs it as a formula.
pub fn csv_field(raw: &str) -> String {
    let guarded = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{raw}")
    } else {
        raw.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r', ';']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

pub(super) fn csv_line(fields: &[String]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

pub(super) const PAGE: i64 = 500;

/// Streams a CSV read page by page (keyset on id), so a long range never sits in memory.
pub(super) fn csv_stream<F>(
    state: Data,
    header: &'static [&'static str],
    filename: String,
    next_page: F,
) -> HttpResponse
where
    F: Fn(&mut crate::db::DbConnection, i64) -> diesel::QueryResult<(Vec<Vec<String>>, i64)>
        + Send
        + Sync
        + Clone
        + 'static,
{
    let head = csv_line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    let stream = futures_util::stream::unfold(Some((0i64, true)), move |cursor| {
        let state = state.clone();
        let next_page = next_page.clone();
        let head = head.clone();
        async move {
            let (after, first) = cursor?;
            let f = next_page.clone();
            let page = db::query(&state.pool, move |c| f(c, after)).await;
            match page {
                Err(e) => {
                    tracing::error!(error = %e, "CSV export");
                    Some((
                        Err(actix_web::error::ErrorInternalServerError("export")),
                        None,
                    ))
                }
                Ok((rows, last)) => {
                    let mut chunk = if first { head } else { String::new() };
                    let done = rows.len() < PAGE as usize;
                    for r in &rows {
                        chunk.push_str(&csv_line(r));
                    }
                    let next = (!done).then_some((last, false));
                    Some((Ok::<_, actix_web::Error>(web::Bytes::from(chunk)), next))
                }
            }
        }
    });
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .streaming(stream)
}

pub async fn permits_csv(op: OperatorCtx, state: Data, q: web::Query<RangeQuery>) -> Reply {
    let Some(r) = range(&q) else {
        return Ok(reports_view(&op, Some(("permits", &q))));
    };
    let (start, end) = (r.start, r.end);
    const HEADER: &[&str] = &[
        "permit",
        "created",
        "customer_email",
        "type",
        "package",
        "days",
        "regnr",
        "start",
        "end",
        "state",
        "price_ore",
        "vat_basis_points",
        "car_park_id",
    ];
    Ok(csv_stream(
        state,
        HEADER,
        format!("tillstand-{}-{}.csv", r.from, r.to),
        move |c, after| {
            let rows = office::permits_page(c, start, end, after, PAGE)?;
            let last = rows.last().map_or(after, |(p, _)| p.id.get());
            let mut out = Vec::with_capacity(rows.len());
            for (p, email) in rows {
                out.push(vec![
                    p.id.to_string(),
                    clock::local_display(p.created_at),
                    email,
                    p.type_name_sv,
                    p.package_name_sv.unwrap_or_default(),
                    p.days_bought.map(|d| d.to_string()).unwrap_or_default(),
                    p.regnr,
                    p.start_date.to_string(),
                    p.end_date.to_string(),
                    p.state.as_str().to_string(),
                    p.price_ore.to_string(),
                    p.vat_basis_points.to_string(),
                    p.car_park_id.to_string(),
                ]);
            }
            Ok((out, last))
        },
    ))
}

pub async fn payments_csv(op: OperatorCtx, state: Data, q: web::Query<RangeQuery>) -> Reply {
    let Some(r) = range(&q) else {
        return Ok(reports_view(&op, Some(("payments", &q))));
    };
    let (start, end) = (r.start, r.end);
    const HEADER: &[&str] = &[
        "payment",
        "permit",
        "paid_at",
        "receipt_number",
        "item",
        "regnr",
        "method",
        "provider_ref",
        "net_ore",
        "vat_rate",
        "vat_ore",
        "total_ore",
    ];
    Ok(csv_stream(
        state,
        HEADER,
        format!("betalningar-{}-{}.csv", r.from, r.to),
        move |c, after| {
            let rows = office::paid_page(c, start, end, after, PAGE)?;
            let last = rows.last().map_or(after, |p| p.payment_id.get());
            let out = rows
                .into_iter()
                .map(|r| {
                    vec![
                        r.payment_id.to_string(),
                        r.permit_id.to_string(),
                        r.paid_at.map(clock::local_display).unwrap_or_default(),
                        r.receipt_number.to_string(),
                        r.item,
                        r.regnr,
                        r.method,
                        r.provider_ref,
                        r.net_ore.to_string(),
                        format!("{}%", crate::domain::money::vat_percent(r.vat_basis_points)),
                        r.vat_ore.to_string(),
                        r.total_ore.to_string(),
                    ]
                })
                .collect();
            Ok((out, last))
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("ABC123"), "ABC123");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("sa \"x\""), "\"sa \"\"x\"\"\"");
        assert_eq!(csv_field("rad1\nrad2"), "\"rad1\nrad2\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-5"), "'-5");
    }
}
