//! "Ladda ner mina uppgifter" (GDPR art. 15 and 20): everything kept about one person, as
//! JSON. Each part is one query filtered by the user's id (through their permits, payments or
//! cases); never token or session hashes, CSRF tokens, PDF contents or operators' ids.

// The rows are plain tuples of the selected columns, named where they become JSON.
#![allow(clippy::type_complexity)]

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::{Value, json};

use super::DbConnection;
use super::accounts::UserRow;
use super::schema::{
    applications, car_parks, case_messages, cases, day_sessions, login_attempts, payments,
    permit_events, permits, queue_entries, queue_offers, receipts, refunds, sessions,
    temporary_regnrs,
};

fn ts(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339()
}

fn ts_opt(t: Option<NaiveDateTime>) -> Option<String> {
    t.map(ts)
}

fn day(d: NaiveDate) -> String {
    d.to_string()
}

/// Öre as kronor with two decimals, e.g. `"450.00"`.
fn sek(ore: i64) -> String {
    let sign = if ore < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", ore.abs() / 100, ore.abs() % 100)
}

/// Everything about `user`, in one JSON document.
pub fn personal_data(conn: &mut DbConnection, user: &UserRow) -> QueryResult<Value> {
    let id = user.id;
    let account = json!({
        "email": user.email, "name": user.name, "mobile": user.mobile,
        "employee": user.is_employee, "role": user.role.as_str(), "language": user.language,
        "notify_email": user.notify_email, "notify_sms": user.notify_sms,
        "preferred_payment": user.preferred_payment, "swish_number": user.swish_number,
        "created_at": ts(user.created_at),
        "confirmed_at": ts_opt(user.confirmed_at),
    });

    let rows: Vec<(
        (
            i64,
            String,
            String,
            Option<String>,
            String,
            bool,
            NaiveDate,
            NaiveDate,
        ),
        (
            String,
            Option<String>,
            i64,
            i32,
            Option<i32>,
            i32,
            Option<i64>,
            NaiveDateTime,
        ),
        (String, String),
    )> = permits::table
        .inner_join(car_parks::table)
        .filter(permits::user_id.eq(id))
        .order(permits::id)
        .select((
            (
                permits::id,
                permits::kind,
                permits::type_name_sv,
                permits::package_name_sv,
                permits::regnr,
                permits::foreign_plate,
                permits::start_date,
                permits::end_date,
            ),
            (
                permits::state,
                permits::reject_reason,
                permits::price_ore,
                permits::vat_basis_points,
                permits::days_bought,
                permits::days_used,
                permits::renews_permit_id,
                permits::created_at,
            ),
            (car_parks::code, car_parks::name),
        ))
        .load(conn)?;
    let permits_json: Vec<Value> = rows
        .into_iter()
        .map(|(a, b, cp)| {
            json!({
                "number": a.0, "kind": a.1, "type": a.2, "package": a.3,
                "regnr": a.4, "foreign_plate": a.5,
                "valid_from": day(a.6), "valid_to": day(a.7),
                "state": b.0, "reject_reason": b.1,
                "price": sek(b.2), "price_ore": b.2, "vat_basis_points": b.3,
                "days_bought": b.4, "days_used": b.5, "renews_permit": b.6,
                "created_at": ts(b.7),
                "car_park": { "code": cp.0, "name": cp.1 },
            })
        })
        .collect();

    let temps: Vec<(
        i64,
        String,
        bool,
        NaiveDate,
        NaiveDate,
        Option<NaiveDateTime>,
        NaiveDateTime,
    )> = temporary_regnrs::table
        .inner_join(permits::table)
        .filter(permits::user_id.eq(id))
        .order(temporary_regnrs::id)
        .select((
            temporary_regnrs::permit_id,
            temporary_regnrs::regnr,
            temporary_regnrs::foreign_plate,
            temporary_regnrs::from_date,
            temporary_regnrs::to_date,
            temporary_regnrs::ended_at,
            temporary_regnrs::created_at,
        ))
        .load(conn)?;
    let temps: Vec<Value> = temps
        .into_iter()
        .map(|t| {
            json!({
                "permit": t.0, "regnr": t.1, "foreign_plate": t.2,
                "from": day(t.3), "to": day(t.4),
                "ended_at": ts_opt(t.5), "created_at": ts(t.6),
            })
        })
        .collect();

    let days: Vec<(i64, NaiveDate, String, bool, NaiveDateTime)> = day_sessions::table
        .inner_join(permits::table)
        .filter(permits::user_id.eq(id))
        .order((day_sessions::permit_id, day_sessions::day))
        .select((
            day_sessions::permit_id,
            day_sessions::day,
            day_sessions::regnr,
            day_sessions::foreign_plate,
            day_sessions::created_at,
        ))
        .load(conn)?;
    let days: Vec<Value> = days
        .into_iter()
        .map(|d| {
            json!({
                "permit": d.0, "day": day(d.1), "regnr": d.2, "foreign_plate": d.3,
                "booked_at": ts(d.4),
            })
        })
        .collect();

    let pays: Vec<(
        i64,
        i64,
        String,
        String,
        i64,
        Option<String>,
        String,
        Option<String>,
        NaiveDateTime,
        Option<NaiveDateTime>,
    )> = payments::table
        .filter(payments::user_id.eq(id))
        .order(payments::id)
        .select((
            payments::id,
            payments::permit_id,
            payments::method,
            payments::provider_ref,
            payments::amount_ore,
            payments::payer_alias,
            payments::status,
            payments::error_code,
            payments::created_at,
            payments::paid_at,
        ))
        .load(conn)?;
    let pays: Vec<Value> = pays
        .into_iter()
        .map(|p| {
            json!({
                "id": p.0, "permit": p.1, "method": p.2, "provider_reference": p.3,
                "amount": sek(p.4), "amount_ore": p.4, "payer": p.5, "status": p.6,
                "error_code": p.7, "created_at": ts(p.8), "paid_at": ts_opt(p.9),
            })
        })
        .collect();

    let recs: Vec<(
        (i64, i64, i64, NaiveDateTime, String, String, String),
        (i64, i32, i64, i64, String, String, String),
    )> = receipts::table
        .inner_join(payments::table)
        .filter(payments::user_id.eq(id))
        .order(receipts::number)
        .select((
            (
                receipts::number,
                receipts::payment_id,
                receipts::permit_id,
                receipts::issued_at,
                receipts::item,
                receipts::period,
                receipts::regnr,
            ),
            (
                receipts::net_ore,
                receipts::vat_basis_points,
                receipts::vat_ore,
                receipts::total_ore,
                receipts::method,
                receipts::provider_ref,
                receipts::seller_name,
            ),
        ))
        .load(conn)?;
    let recs: Vec<Value> = recs
        .into_iter()
        .map(|(a, b)| {
            json!({
                "receipt_number": a.0, "payment": a.1, "permit": a.2, "issued_at": ts(a.3),
                "item": a.4, "period": a.5, "regnr": a.6,
                "net": sek(b.0), "vat_basis_points": b.1, "vat": sek(b.2), "total": sek(b.3),
                "total_ore": b.3, "method": b.4, "provider_reference": b.5, "seller": b.6,
            })
        })
        .collect();

    let refs: Vec<(
        i64,
        i64,
        i64,
        String,
        String,
        Option<String>,
        NaiveDateTime,
        NaiveDateTime,
    )> = refunds::table
        .inner_join(payments::table)
        .filter(payments::user_id.eq(id))
        .order(refunds::id)
        .select((
            refunds::payment_id,
            refunds::permit_id,
            refunds::amount_ore,
            payments::method,
            refunds::status,
            refunds::provider_ref,
            refunds::created_at,
            refunds::updated_at,
        ))
        .load(conn)?;
    let refs: Vec<Value> = refs
        .into_iter()
        .map(|r| {
            json!({
                "payment": r.0, "permit": r.1, "amount": sek(r.2), "amount_ore": r.2,
                "method": r.3, "status": r.4, "provider_reference": r.5,
                "created_at": ts(r.6), "updated_at": ts(r.7),
            })
        })
        .collect();

    let apps: Vec<(i64, String, String, String, Option<String>, NaiveDateTime)> =
        applications::table
            .inner_join(permits::table)
            .filter(permits::user_id.eq(id))
            .order(applications::permit_id)
            .select((
                applications::permit_id,
                applications::organisation,
                applications::role,
                applications::reason,
                applications::attachment_name,
                applications::created_at,
            ))
            .load(conn)?;
    let apps: Vec<Value> = apps
        .into_iter()
        .map(|a| {
            json!({
                "permit": a.0, "organisation": a.1, "role": a.2, "reason": a.3,
                "attachment_name": a.4, "created_at": ts(a.5),
            })
        })
        .collect();

    let history: Vec<(i64, NaiveDateTime, String, String)> = permit_events::table
        .inner_join(permits::table)
        .filter(permits::user_id.eq(id))
        .order(permit_events::id)
        .select((
            permit_events::permit_id,
            permit_events::at,
            permit_events::kind,
            permit_events::detail,
        ))
        .load(conn)?;
    let history: Vec<Value> = history
        .into_iter()
        .map(|e| json!({ "permit": e.0, "at": ts(e.1), "kind": e.2, "detail": e.3 }))
        .collect();

    let case_rows: Vec<(
        i64,
        Option<i64>,
        String,
        String,
        NaiveDateTime,
        NaiveDateTime,
    )> = cases::table
        .filter(cases::user_id.eq(id))
        .order(cases::id)
        .select((
            cases::id,
            cases::permit_id,
            cases::subject,
            cases::status,
            cases::created_at,
            cases::updated_at,
        ))
        .load(conn)?;
    let msgs: Vec<(i64, bool, String, NaiveDateTime, Option<NaiveDateTime>)> = case_messages::table
        .inner_join(cases::table)
        .filter(cases::user_id.eq(id))
        .order(case_messages::id)
        .select((
            case_messages::case_id,
            case_messages::from_operator,
            case_messages::body,
            case_messages::created_at,
            case_messages::read_at,
        ))
        .load(conn)?;
    let cases_json: Vec<Value> = case_rows
        .into_iter()
        .map(|c| {
            let messages: Vec<Value> = msgs
                .iter()
                .filter(|m| m.0 == c.0)
                .map(|m| {
                    json!({
                        "from": if m.1 { "office" } else { "me" }, "text": m.2,
                        "at": ts(m.3), "read_at": ts_opt(m.4),
                    })
                })
                .collect();
            json!({
                "id": c.0, "permit": c.1, "subject": c.2, "status": c.3,
                "created_at": ts(c.4), "updated_at": ts(c.5), "messages": messages,
            })
        })
        .collect();

    let notes = super::notifications::for_user(conn, id, i64::MAX, 0)?;
    let notes: Vec<Value> = notes
        .iter()
        .map(|n| {
            json!({
                "time": ts(n.created_at), "channel": n.channel, "to": n.recipient,
                "subject": n.subject, "status": n.status,
            })
        })
        .collect();

    let sess: Vec<(NaiveDateTime, NaiveDateTime)> = sessions::table
        .filter(sessions::user_id.eq(id))
        .order(sessions::created_at)
        .select((sessions::created_at, sessions::last_seen_at))
        .load(conn)?;
    let sess: Vec<Value> = sess
        .into_iter()
        .map(|s| json!({ "created_at": ts(s.0), "last_seen_at": ts(s.1) }))
        .collect();

    // The queues: each place in line, and each offer of a place (issue #34, 7).
    let entries: Vec<(
        i64,
        String,
        String,
        NaiveDateTime,
        String,
        Option<NaiveDateTime>,
        Option<String>,
        Option<String>,
    )> = queue_entries::table
        .inner_join(car_parks::table.on(car_parks::id.eq(queue_entries::car_park_id)))
        .inner_join(
            super::schema::permit_types::table
                .on(super::schema::permit_types::id.eq(queue_entries::permit_type_id)),
        )
        .filter(queue_entries::user_id.eq(id))
        .order(queue_entries::id)
        .select((
            queue_entries::id,
            car_parks::name,
            super::schema::permit_types::name_sv,
            queue_entries::joined_at,
            queue_entries::status,
            queue_entries::ended_at,
            queue_entries::end_reason,
            queue_entries::regnr,
        ))
        .load(conn)?;
    let entries: Vec<Value> = entries
        .into_iter()
        .map(|e| {
            json!({
                "id": e.0, "car_park": e.1, "type": e.2, "joined_at": ts(e.3),
                "status": e.4, "ended_at": ts_opt(e.5), "end_reason": e.6, "regnr": e.7,
            })
        })
        .collect();
    let offers: Vec<(
        i64,
        i64,
        NaiveDateTime,
        NaiveDateTime,
        String,
        Option<NaiveDateTime>,
        Option<i64>,
    )> = queue_offers::table
        .filter(queue_offers::user_id.eq(id))
        .order(queue_offers::id)
        .select((
            queue_offers::id,
            queue_offers::entry_id,
            queue_offers::made_at,
            queue_offers::expires_at,
            queue_offers::status,
            queue_offers::decided_at,
            queue_offers::permit_id,
        ))
        .load(conn)?;
    let offers: Vec<Value> = offers
        .into_iter()
        .map(|o| {
            json!({
                "id": o.0, "queue_entry": o.1, "made_at": ts(o.2), "expires_at": ts(o.3),
                "status": o.4, "decided_at": ts_opt(o.5), "permit": o.6,
            })
        })
        .collect();
    // The person's own login history (time, client address, whether it succeeded).
    let logins: Vec<(NaiveDateTime, String, bool)> = login_attempts::table
        .filter(login_attempts::email.eq(&user.email))
        .order(login_attempts::at)
        .select((
            login_attempts::at,
            login_attempts::ip,
            login_attempts::success,
        ))
        .load(conn)?;
    let logins: Vec<Value> = logins
        .into_iter()
        .map(|l| json!({ "at": ts(l.0), "client": l.1, "success": l.2 }))
        .collect();

    Ok(json!({
        "account": account,
        "queue_entries": entries,
        "queue_offers": offers,
        "logins": logins,
        "permits": permits_json,
        "temporary_regnrs": temps,
        "day_sessions": days,
        "payments": pays,
        "receipts": recs,
        "refunds": refs,
        "applications": apps,
        "permit_history": history,
        "cases": cases_json,
        "notifications": notes,
        "sessions": sess,
    }))
}
