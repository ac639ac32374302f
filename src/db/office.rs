//! What the operator portal reads: the applications queue, search, a customer's whole
//! picture, the dashboard's figures and the CSV reports (read page by page).

use crate::domain::payment::PaymentStatus;
use crate::domain::{PaymentId, PermitId, UserId};
use chrono::Duration;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::accounts::UserRow;
use super::cases::CaseRow;
use super::notifications::NotificationRow;
use super::payments::PaymentRow;
use super::permits::PermitRow;
use super::schema::{
    applications, cases, day_sessions, notifications, payments, permit_events, permits, receipts,
    temporary_regnrs, users,
};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// An application as the queue shows it (without the file itself).
#[derive(Debug, Clone)]
pub struct Application {
    pub permit: PermitRow,
    pub applicant: Option<UserRow>,
    pub organisation: String,
    pub role: String,
    pub reason: String,
    pub attachment_name: Option<String>,
    pub has_attachment: bool,
}

/// Permits waiting for the office's decision, oldest first.
pub fn pending_applications(conn: &mut DbConnection) -> QueryResult<Vec<Application>> {
    let list: Vec<PermitRow> = permits::table
        .filter(permits::state.eq(crate::domain::permit::State::AwaitingApproval))
        .order(permits::id.asc())
        .select(PermitRow::as_select())
        .limit(200)
        .load(conn)?;
    let mut out = Vec::with_capacity(list.len());
    for permit in list {
        let row: Option<(String, String, String, Option<String>, bool)> = applications::table
            .find(permit.id)
            .select((
                applications::organisation,
                applications::role,
                applications::reason,
                applications::attachment_name,
                applications::attachment.is_not_null(),
            ))
            .first(conn)
            .optional()?;
        let applicant = super::accounts::user_by_id(conn, permit.user_id)?;
        let (organisation, role, reason, attachment_name, has_attachment) = row.unwrap_or_default();
        out.push(Application {
            permit,
            applicant,
            organisation,
            role,
            reason,
            attachment_name,
            has_attachment,
        });
    }
    Ok(out)
}

pub fn attachment(
    conn: &mut DbConnection,
    permit_id: PermitId,
) -> QueryResult<Option<(Option<String>, Vec<u8>)>> {
    let row: Option<(Option<String>, Option<Vec<u8>>)> = applications::table
        .find(permit_id)
        .select((applications::attachment_name, applications::attachment))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(name, data)| data.map(|d| (name, d))))
}

/// Search results: permits (by number, current/temporary/former registration number) and
/// customers (by e-mail or name).
#[derive(Debug, Default)]
pub struct Found {
    pub permits: Vec<FoundPermit>,
    pub users: Vec<UserRow>,
}

/// A permit found, with whose it is and where (the office reads the list without opening
/// each one, issue #36).
#[derive(Debug)]
pub struct FoundPermit {
    pub permit: PermitRow,
    pub name: String,
    pub email: String,
    pub car_park: String,
}

/// `regnr` is the query normalised as a registration number (when it can be one); `text` is
/// the query as typed, for e-mail and name.
pub fn search(conn: &mut DbConnection, text: &str, regnr: Option<&str>) -> QueryResult<Found> {
    let mut ids: Vec<PermitId> = Vec::new();
    let number = text.trim().trim_start_matches('#').parse::<i64>().ok();
    if let Some(n) = number {
        ids.extend(
            permits::table
                .find(n)
                .select(permits::id)
                .load::<PermitId>(conn)?,
        );
    }
    if let Some(r) = regnr {
        ids.extend(
            permits::table
                .filter(permits::regnr.eq(r))
                .select(permits::id)
                .load::<PermitId>(conn)?,
        );
        ids.extend(
            temporary_regnrs::table
                .filter(temporary_regnrs::regnr.eq(r))
                .select(temporary_regnrs::permit_id)
                .load::<PermitId>(conn)?,
        );
        ids.extend(
            day_sessions::table
                .filter(day_sessions::regnr.eq(r))
                .select(day_sessions::permit_id)
                .distinct()
                .load::<PermitId>(conn)?,
        );
        // Former numbers live in the history ("OLD → NEW").
        ids.extend(
            permit_events::table
                .filter(permit_events::kind.eq("regnr"))
                .filter(permit_events::detail.like(format!("{r} →%")))
                .select(permit_events::permit_id)
                .load::<PermitId>(conn)?,
        );
    }
    let like = format!(
        "%{}%",
        text.trim().to_lowercase().replace(['\\', '%', '_'], "")
    );
    let mut found = Found::default();
    if text.trim().chars().count() >= 2 {
        found.users = users::table
            .filter(users::deleted_at.is_null())
            .filter(
                lower(users::email)
                    .like(like.clone())
                    .or(lower(users::name).like(like)),
            )
            .order(users::id.asc())
            .select(UserRow::as_select())
            .limit(50)
            .load(conn)?;
    }
    let user_ids: Vec<UserId> = found.users.iter().map(|u| u.id).collect();
    ids.sort_unstable();
    ids.dedup();
    let rows: Vec<(PermitRow, String, String, String)> = permits::table
        .inner_join(users::table)
        .inner_join(super::schema::car_parks::table)
        .filter(
            permits::id
                .eq_any(&ids)
                .or(permits::user_id.eq_any(&user_ids)),
        )
        .order(permits::id.desc())
        .select((
            PermitRow::as_select(),
            users::name,
            users::email,
            super::schema::car_parks::name,
        ))
        .limit(100)
        .load(conn)?;
    found.permits = rows
        .into_iter()
        .map(|(permit, name, email, car_park)| FoundPermit {
            permit,
            name,
            email,
            car_park,
        })
        .collect();
    Ok(found)
}

/// The names of these people (their e-mail where no name is given), for a history that
/// says who did what.
pub fn names_of(conn: &mut DbConnection, ids: &[UserId]) -> QueryResult<Vec<(UserId, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(UserId, String, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name, users::email))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email)| (id, if name.is_empty() { email } else { name }))
        .collect())
}

/// Everything about one customer.
pub struct Customer {
    pub user: UserRow,
    pub permits: Vec<PermitRow>,
    pub payments: Vec<PaymentRow>,
    pub cases: Vec<CaseRow>,
    pub notifications: Vec<NotificationRow>,
}

pub fn customer(conn: &mut DbConnection, user_id: UserId) -> QueryResult<Option<Customer>> {
    let Some(user) = super::accounts::user_by_id(conn, user_id)? else {
        return Ok(None);
    };
    let permits = super::permits::for_user(conn, user_id)?;
    let payments = payments::table
        .filter(payments::user_id.eq(user_id))
        .order(payments::id.desc())
        .select(PaymentRow::as_select())
        .limit(100)
        .load(conn)?;
    let cases = cases::table
        .filter(cases::user_id.eq(user_id))
        .order(cases::id.desc())
        .select(CaseRow::as_select())
        .limit(100)
        .load(conn)?;
    let notifications = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .order(notifications::id.desc())
        .select(NotificationRow::as_select())
        .limit(100)
        .load(conn)?;
    Ok(Some(Customer {
        user,
        permits,
        payments,
        cases,
        notifications,
    }))
}

pub fn payments_for_permit(
    conn: &mut DbConnection,
    permit_id: PermitId,
) -> QueryResult<Vec<PaymentRow>> {
    payments::table
        .filter(payments::permit_id.eq(permit_id))
        .order(payments::id.asc())
        .select(PaymentRow::as_select())
        .load(conn)
}

/// The dashboard's figures.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Dashboard {
    pub active_today: i64,
    pub sales_month_ore: i64,
    pub sales_month_count: i64,
    pub pending_applications: i64,
    pub open_cases: i64,
    /// Refunds the provider refused: the office sends them again (issue #36, 1).
    pub failed_refunds: i64,
    /// Queue offers that lapse within a day unanswered or unbought.
    pub offers_lapsing: i64,
}

pub fn dashboard(
    conn: &mut DbConnection,
    today: NaiveDate,
    month_start: NaiveDateTime,
) -> QueryResult<Dashboard> {
    let active_today = permits::table
        .filter(permits::state.eq(crate::domain::permit::State::Paid))
        .filter(permits::start_date.le(today))
        .filter(permits::end_date.ge(today))
        .count()
        .get_result(conn)?;
    let sales: Vec<i64> = payments::table
        .filter(payments::status.eq(PaymentStatus::Paid))
        .filter(payments::paid_at.ge(month_start))
        .select(payments::amount_ore)
        .load(conn)?;
    let pending_applications = permits::table
        .filter(permits::state.eq(crate::domain::permit::State::AwaitingApproval))
        .count()
        .get_result(conn)?;
    let open_cases = cases::table
        .filter(cases::status.eq(crate::domain::status::CaseStatus::Open))
        .count()
        .get_result(conn)?;
    let failed_refunds = super::schema::refunds::table
        .filter(super::schema::refunds::status.eq(crate::domain::payment::RefundStatus::Failed))
        .count()
        .get_result(conn)?;
    let offers_lapsing =
        super::queue::lapsing_within(conn, crate::clock::now(), Duration::hours(24))?;
    Ok(Dashboard {
        active_today,
        sales_month_ore: sales.iter().sum(),
        sales_month_count: i64::try_from(sales.len()).unwrap_or(i64::MAX),
        pending_applications,
        open_cases,
        failed_refunds,
        offers_lapsing,
    })
}

/// One page of permits created in `[from, to)`, after id `after`, each with its customer's
/// e-mail (one query per page, not one per row).
pub fn permits_page(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<(PermitRow, String)>> {
    permits::table
        .inner_join(users::table)
        .filter(permits::created_at.ge(from))
        .filter(permits::created_at.lt(to))
        .filter(permits::id.gt(after))
        .order(permits::id.asc())
        .select((PermitRow::as_select(), users::email))
        .limit(limit)
        .load(conn)
}

/// A paid payment with its receipt, for the payments report.
#[derive(Debug, Clone, Queryable)]
pub struct PaidRow {
    pub payment_id: PaymentId,
    pub permit_id: PermitId,
    pub method: String,
    pub provider_ref: String,
    pub paid_at: Option<NaiveDateTime>,
    pub receipt_number: i64,
    pub item: String,
    pub regnr: String,
    pub net_ore: i64,
    pub vat_basis_points: i32,
    pub vat_ore: i64,
    pub total_ore: i64,
}

/// One page of paid payments paid in `[from, to)`, after payment id `after`.
pub fn paid_page(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<PaidRow>> {
    payments::table
        .inner_join(receipts::table)
        .filter(payments::status.eq(PaymentStatus::Paid))
        .filter(payments::paid_at.ge(from))
        .filter(payments::paid_at.lt(to))
        .filter(payments::id.gt(after))
        .order(payments::id.asc())
        .select((
            payments::id,
            payments::permit_id,
            payments::method,
            payments::provider_ref,
            payments::paid_at,
            receipts::number,
            receipts::item,
            receipts::regnr,
            receipts::net_ore,
            receipts::vat_basis_points,
            receipts::vat_ore,
            receipts::total_ore,
        ))
        .limit(limit)
        .load(conn)
}
