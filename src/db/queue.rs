//! Capacities, queues and offers: the rows and the counts the queue's rules read
//! (`domain::queue`, `services::queue`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{capacities, permits, queue_entries, queue_offers, users};
use crate::domain::permit::State;
use crate::domain::queue::{EntryStatus, OfferStatus, Tally};
use crate::domain::{CarParkId, EntryId, OfferId, PermitId, PermitTypeId, UserId};

/// A car park and permit type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Spot {
    pub car_park_id: CarParkId,
    pub permit_type_id: PermitTypeId,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = capacities)]
pub struct CapacityRow {
    pub car_park_id: CarParkId,
    pub permit_type_id: PermitTypeId,
    /// `None`: no limit.
    pub places: Option<i32>,
}

impl CapacityRow {
    pub fn spot(&self) -> Spot {
        Spot {
            car_park_id: self.car_park_id,
            permit_type_id: self.permit_type_id,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = queue_entries)]
pub struct EntryRow {
    pub id: EntryId,
    pub user_id: UserId,
    pub car_park_id: CarParkId,
    pub permit_type_id: PermitTypeId,
    pub joined_at: NaiveDateTime,
    pub sort_key: i64,
    #[diesel(deserialize_as = String)]
    pub status: EntryStatus,
    pub ended_at: Option<NaiveDateTime>,
    pub end_reason: Option<String>,
    /// The car's number as typed when joining (normalised), if it was a valid one: the
    /// order fills it in when the offer comes.
    pub regnr: Option<String>,
}

impl EntryRow {
    pub fn spot(&self) -> Spot {
        Spot {
            car_park_id: self.car_park_id,
            permit_type_id: self.permit_type_id,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = queue_offers)]
pub struct OfferRow {
    pub id: OfferId,
    pub entry_id: EntryId,
    pub user_id: UserId,
    pub car_park_id: CarParkId,
    pub permit_type_id: PermitTypeId,
    pub made_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    #[diesel(deserialize_as = String)]
    pub status: OfferStatus,
    pub decided_at: Option<NaiveDateTime>,
    pub permit_id: Option<PermitId>,
    pub reminder_sent_at: Option<NaiveDateTime>,
}

impl OfferRow {
    pub fn spot(&self) -> Spot {
        Spot {
            car_park_id: self.car_park_id,
            permit_type_id: self.permit_type_id,
        }
    }
    /// Whether it still holds its place.
    pub fn is_live(&self, now: NaiveDateTime) -> bool {
        self.status.is_live() && self.expires_at > now
    }
}

type At<A, B> = diesel::dsl::And<diesel::dsl::Eq<A, CarParkId>, diesel::dsl::Eq<B, PermitTypeId>>;

/// The rows of one car park and type, in each table that has both columns.
fn entries_at(s: Spot) -> At<queue_entries::car_park_id, queue_entries::permit_type_id> {
    queue_entries::car_park_id
        .eq(s.car_park_id)
        .and(queue_entries::permit_type_id.eq(s.permit_type_id))
}

fn offers_at(s: Spot) -> At<queue_offers::car_park_id, queue_offers::permit_type_id> {
    queue_offers::car_park_id
        .eq(s.car_park_id)
        .and(queue_offers::permit_type_id.eq(s.permit_type_id))
}

fn permits_at(s: Spot) -> At<permits::car_park_id, permits::permit_type_id> {
    permits::car_park_id
        .eq(s.car_park_id)
        .and(permits::permit_type_id.eq(s.permit_type_id))
}

const IN_LINE: [EntryStatus; 2] = [EntryStatus::Waiting, EntryStatus::Offered];
const HOLDS: [State; 2] = [State::Paid, State::AwaitingPayment];

pub fn capacity(c: &mut DbConnection, s: Spot) -> QueryResult<Option<CapacityRow>> {
    capacities::table
        .find((s.car_park_id, s.permit_type_id))
        .select(CapacityRow::as_select())
        .first(c)
        .optional()
}

pub fn all_capacities(c: &mut DbConnection) -> QueryResult<Vec<CapacityRow>> {
    capacities::table
        .select(CapacityRow::as_select())
        .order((capacities::car_park_id, capacities::permit_type_id))
        .load(c)
}

/// Sets the capacity (`None`: no limit), creating the row the first time.
pub fn set_capacity(
    c: &mut DbConnection,
    s: Spot,
    places: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let n = diesel::update(capacities::table.find((s.car_park_id, s.permit_type_id)))
        .set((
            capacities::places.eq(places),
            capacities::updated_at.eq(now),
        ))
        .execute(c)?;
    if n == 0 {
        diesel::insert_into(capacities::table)
            .values((
                capacities::car_park_id.eq(s.car_park_id),
                capacities::permit_type_id.eq(s.permit_type_id),
                capacities::places.eq(places),
                capacities::updated_at.eq(now),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// Takes this car park and type's turn for the rest of the transaction (PostgreSQL: the row's
/// lock; SQLite: the transaction already writes alone) and reads its capacity; `None` when it
/// has none set (no limit, nothing to serialise).
pub fn lock(c: &mut DbConnection, s: Spot) -> QueryResult<Option<Option<i32>>> {
    let n = diesel::update(capacities::table.find((s.car_park_id, s.permit_type_id)))
        .set(capacities::turn.eq(capacities::turn + 1))
        .execute(c)?;
    if n == 0 {
        return Ok(None);
    }
    Ok(capacity(c, s)?.map(|row| row.places))
}

/// The keeper's lease on a car park and type: taken if free or lapsed; `false` when another
/// instance holds it.
pub fn lease(
    c: &mut DbConnection,
    s: Spot,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(capacities::table.find((s.car_park_id, s.permit_type_id)))
        .filter(
            capacities::locked_until
                .is_null()
                .or(capacities::locked_until.lt(now)),
        )
        .set(capacities::locked_until.eq(until))
        .execute(c)?;
    Ok(n == 1)
}

pub fn release(c: &mut DbConnection, s: Spot) -> QueryResult<()> {
    diesel::update(capacities::table.find((s.car_park_id, s.permit_type_id)))
        .set(capacities::locked_until.eq(None::<NaiveDateTime>))
        .execute(c)
        .map(drop)
}

/// Permits that hold a place of this car park and type today (paid or unpaid, not ended).
pub fn taken(c: &mut DbConnection, s: Spot, today: NaiveDate) -> QueryResult<i64> {
    permits::table
        .filter(permits_at(s))
        .filter(permits::state.eq_any(HOLDS))
        .filter(permits::end_date.ge(today))
        .count()
        .get_result(c)
}

/// Of those, the unpaid ones.
pub fn unpaid(c: &mut DbConnection, s: Spot, today: NaiveDate) -> QueryResult<i64> {
    permits::table
        .filter(permits_at(s))
        .filter(permits::state.eq(State::AwaitingPayment))
        .filter(permits::end_date.ge(today))
        .count()
        .get_result(c)
}

pub fn live_offers(c: &mut DbConnection, s: Spot, now: NaiveDateTime) -> QueryResult<i64> {
    queue_offers::table
        .filter(offers_at(s))
        .filter(queue_offers::status.eq_any(OfferStatus::LIVE))
        .filter(queue_offers::expires_at.gt(now))
        .count()
        .get_result(c)
}

pub fn waiting_count(c: &mut DbConnection, s: Spot) -> QueryResult<i64> {
    queue_entries::table
        .filter(entries_at(s))
        .filter(queue_entries::status.eq(EntryStatus::Waiting))
        .count()
        .get_result(c)
}

/// Everything the rules need of one car park and type.
pub fn tally(
    c: &mut DbConnection,
    s: Spot,
    places: Option<i32>,
    today: NaiveDate,
    now: NaiveDateTime,
) -> QueryResult<Tally> {
    Ok(Tally {
        capacity: places.map(i64::from),
        taken: taken(c, s, today)?,
        offered: live_offers(c, s, now)?,
        waiting: waiting_count(c, s)?,
    })
}

/// Those waiting, first in line first.
pub fn waiting(c: &mut DbConnection, s: Spot) -> QueryResult<Vec<EntryRow>> {
    queue_entries::table
        .filter(entries_at(s))
        .filter(queue_entries::status.eq(EntryStatus::Waiting))
        .order((queue_entries::sort_key, queue_entries::id))
        .select(EntryRow::as_select())
        .load(c)
}

/// Everyone in line (waiting or offered), with their names and e-mail addresses, in order.
pub fn line(c: &mut DbConnection, s: Spot) -> QueryResult<Vec<(EntryRow, String, String)>> {
    queue_entries::table
        .inner_join(users::table)
        .filter(entries_at(s))
        .filter(queue_entries::status.eq_any(IN_LINE))
        .order((queue_entries::sort_key, queue_entries::id))
        .select((EntryRow::as_select(), users::name, users::email))
        .load(c)
}

/// A place in line: 1 + those waiting before it.
pub fn position(c: &mut DbConnection, e: &EntryRow) -> QueryResult<i64> {
    let before: i64 = queue_entries::table
        .filter(entries_at(e.spot()))
        .filter(queue_entries::status.eq(EntryStatus::Waiting))
        .filter(
            queue_entries::sort_key
                .lt(e.sort_key)
                .or(queue_entries::sort_key
                    .eq(e.sort_key)
                    .and(queue_entries::id.lt(e.id))),
        )
        .count()
        .get_result(c)?;
    Ok(before + 1)
}

/// The user's places in line.
pub fn entries_of(c: &mut DbConnection, user: UserId) -> QueryResult<Vec<EntryRow>> {
    crate::db::on_backend!(c, |c| {
        // Two comparisons rather than `IN (…)`: Hem asks on every visit, and SQLite keeps this
        // statement prepared (diesel does not cache one with an `IN` list).
        let waiting = EntryStatus::Waiting.as_str();
        let offered = EntryStatus::Offered.as_str();
        queue_entries::table
            .filter(queue_entries::user_id.eq(user))
            .filter(
                queue_entries::status
                    .eq(waiting)
                    .or(queue_entries::status.eq(offered)),
            )
            .order(queue_entries::joined_at)
            .select(EntryRow::as_select())
            .load(c)
    })
}

pub fn entry(c: &mut DbConnection, id: EntryId) -> QueryResult<Option<EntryRow>> {
    queue_entries::table
        .find(id)
        .select(EntryRow::as_select())
        .first(c)
        .optional()
}

pub fn entry_in_line(c: &mut DbConnection, user: UserId, s: Spot) -> QueryResult<Option<EntryRow>> {
    queue_entries::table
        .filter(queue_entries::user_id.eq(user))
        .filter(entries_at(s))
        .filter(queue_entries::status.eq_any(IN_LINE))
        .select(EntryRow::as_select())
        .first(c)
        .optional()
}

/// Puts the user last in line; the unique index refuses a second place (an error the caller
/// reads as "already in line").
pub fn insert_entry(
    c: &mut DbConnection,
    user: UserId,
    s: Spot,
    regnr: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(queue_entries::table)
        .values((
            queue_entries::user_id.eq(user),
            queue_entries::car_park_id.eq(s.car_park_id),
            queue_entries::permit_type_id.eq(s.permit_type_id),
            queue_entries::joined_at.eq(now),
            queue_entries::sort_key.eq(now.and_utc().timestamp_micros()),
            queue_entries::status.eq(EntryStatus::Waiting),
            queue_entries::regnr.eq(regnr),
        ))
        .execute(c)
        .map(drop)
}

/// Moves an entry from one of `from` to `to` (compare-and-set: `false` when it was not in
/// one of them, e.g. another instance got there first).
pub fn set_entry_status(
    c: &mut DbConnection,
    id: EntryId,
    from: &[EntryStatus],
    to: EntryStatus,
    now: NaiveDateTime,
    reason: Option<&str>,
) -> QueryResult<bool> {
    let ended = !matches!(to, EntryStatus::Waiting | EntryStatus::Offered);
    let n = diesel::update(queue_entries::table.find(id))
        .filter(queue_entries::status.eq_any(from.iter().copied()))
        .set((
            queue_entries::status.eq(to),
            queue_entries::ended_at.eq(ended.then_some(now)),
            queue_entries::end_reason.eq(reason),
        ))
        .execute(c)?;
    Ok(n == 1)
}

pub fn set_sort_key(c: &mut DbConnection, id: EntryId, key: i64) -> QueryResult<()> {
    diesel::update(queue_entries::table.find(id))
        .set(queue_entries::sort_key.eq(key))
        .execute(c)
        .map(drop)
}

pub fn insert_offer(
    c: &mut DbConnection,
    e: &EntryRow,
    now: NaiveDateTime,
    expires: NaiveDateTime,
) -> QueryResult<OfferRow> {
    diesel::insert_into(queue_offers::table)
        .values((
            queue_offers::entry_id.eq(e.id),
            queue_offers::user_id.eq(e.user_id),
            queue_offers::car_park_id.eq(e.car_park_id),
            queue_offers::permit_type_id.eq(e.permit_type_id),
            queue_offers::made_at.eq(now),
            queue_offers::expires_at.eq(expires),
            queue_offers::status.eq(OfferStatus::Open),
        ))
        .execute(c)?;
    queue_offers::table
        .filter(queue_offers::entry_id.eq(e.id))
        .filter(queue_offers::status.eq(OfferStatus::Open))
        .select(OfferRow::as_select())
        .first(c)
}

pub fn offer(c: &mut DbConnection, id: OfferId) -> QueryResult<Option<OfferRow>> {
    queue_offers::table
        .find(id)
        .select(OfferRow::as_select())
        .first(c)
        .optional()
}

/// The user's live offer for this car park and type, if any.
pub fn live_offer_of(
    c: &mut DbConnection,
    user: UserId,
    s: Spot,
    now: NaiveDateTime,
) -> QueryResult<Option<OfferRow>> {
    queue_offers::table
        .filter(queue_offers::user_id.eq(user))
        .filter(offers_at(s))
        .filter(queue_offers::status.eq_any(OfferStatus::LIVE))
        .filter(queue_offers::expires_at.gt(now))
        .select(OfferRow::as_select())
        .first(c)
        .optional()
}

/// The live offer of a place in line, expired or not.
pub fn offer_of_entry(c: &mut DbConnection, entry: EntryId) -> QueryResult<Option<OfferRow>> {
    queue_offers::table
        .filter(queue_offers::entry_id.eq(entry))
        .filter(queue_offers::status.eq_any(OfferStatus::LIVE))
        .select(OfferRow::as_select())
        .first(c)
        .optional()
}

/// Every offer made to those in this line, newest first, with the name of whom it went to
/// (the operator's view).
pub fn offers_of_line(c: &mut DbConnection, s: Spot) -> QueryResult<Vec<(OfferRow, String)>> {
    queue_offers::table
        .inner_join(users::table.on(users::id.eq(queue_offers::user_id)))
        .filter(offers_at(s))
        .order(queue_offers::id.desc())
        .select((OfferRow::as_select(), users::name))
        .load(c)
}

/// Compare-and-set of an offer's status; `permit`: the permit it was used for.
pub fn set_offer_status(
    c: &mut DbConnection,
    id: OfferId,
    from: &[OfferStatus],
    to: OfferStatus,
    now: NaiveDateTime,
    permit: Option<PermitId>,
) -> QueryResult<bool> {
    let n = diesel::update(queue_offers::table.find(id))
        .filter(queue_offers::status.eq_any(from.iter().copied()))
        .set((
            queue_offers::status.eq(to),
            queue_offers::decided_at.eq(now),
            queue_offers::permit_id.eq(permit),
        ))
        .execute(c)?;
    Ok(n == 1)
}

/// Live offers past their time.
pub fn lapsed_offers(c: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Vec<OfferRow>> {
    queue_offers::table
        .filter(queue_offers::status.eq_any(OfferStatus::LIVE))
        .filter(queue_offers::expires_at.le(now))
        .select(OfferRow::as_select())
        .load(c)
}

/// Live offers that lapse before `horizon` and have not been reminded of.
pub fn offers_to_remind(
    c: &mut DbConnection,
    now: NaiveDateTime,
    horizon: NaiveDateTime,
) -> QueryResult<Vec<OfferRow>> {
    queue_offers::table
        .filter(queue_offers::status.eq_any(OfferStatus::LIVE))
        .filter(queue_offers::expires_at.gt(now))
        .filter(queue_offers::expires_at.le(horizon))
        .filter(queue_offers::reminder_sent_at.is_null())
        .select(OfferRow::as_select())
        .load(c)
}

/// Marks the reminder sent (once: `false` when it already was).
pub fn mark_reminded(c: &mut DbConnection, id: OfferId, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(queue_offers::table.find(id))
        .filter(queue_offers::reminder_sent_at.is_null())
        .set(queue_offers::reminder_sent_at.eq(now))
        .execute(c)?;
    Ok(n == 1)
}

/// Unpaid permits whose hold has lapsed.
pub fn lapsed_holds(
    c: &mut DbConnection,
    now: NaiveDateTime,
) -> QueryResult<Vec<(PermitId, NaiveDateTime)>> {
    let rows: Vec<(PermitId, Option<NaiveDateTime>)> = permits::table
        .filter(permits::state.eq(State::AwaitingPayment))
        .filter(permits::hold_until.le(now))
        .select((permits::id, permits::hold_until))
        .load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, until)| until.map(|u| (id, u)))
        .collect())
}

pub fn set_hold(c: &mut DbConnection, id: PermitId, until: NaiveDateTime) -> QueryResult<()> {
    diesel::update(permits::table.find(id))
        .set(permits::hold_until.eq(until))
        .execute(c)
        .map(drop)
}

/// Whether `old` has a renewal already (paid, or waiting for payment): a permit is renewed once.
pub fn renewed(c: &mut DbConnection, old: PermitId) -> QueryResult<bool> {
    let renewals: i64 = permits::table
        .filter(permits::renews_permit_id.eq(old))
        .filter(permits::state.eq_any(HOLDS))
        .count()
        .get_result(c)?;
    Ok(renewals > 0)
}

/// Whether a renewal of `old` goes before the queue: `old` holds its place while it runs
/// (begun, not ended), and only one renewal takes it over.
pub fn renewal_holds_place(
    c: &mut DbConnection,
    old: PermitId,
    today: NaiveDate,
) -> QueryResult<bool> {
    let running: i64 = permits::table
        .find(old)
        .filter(permits::state.eq(State::Paid))
        .filter(permits::end_date.ge(today))
        .filter(permits::start_date.le(today))
        .count()
        .get_result(c)?;
    Ok(running == 1 && !renewed(c, old)?)
}

/// How many places of this car park and type freed in the year up to `today`: permits that
/// ended unrenewed or were cancelled.
pub fn freed_since(
    c: &mut DbConnection,
    s: Spot,
    since: NaiveDate,
    today: NaiveDate,
) -> QueryResult<i64> {
    let ended: Vec<PermitId> = permits::table
        .filter(permits_at(s))
        .filter(permits::state.eq(State::Paid))
        .filter(permits::end_date.ge(since))
        .filter(permits::end_date.lt(today))
        .select(permits::id)
        .load(c)?;
    let renewed: Vec<Option<PermitId>> = permits::table
        .filter(permits::renews_permit_id.eq_any(&ended))
        .filter(permits::state.eq_any(HOLDS))
        .select(permits::renews_permit_id)
        .load(c)?;
    let cancelled: i64 = permits::table
        .filter(permits_at(s))
        .filter(permits::state.eq(State::Cancelled))
        .filter(permits::updated_at.ge(since.and_hms_opt(0, 0, 0).unwrap_or_default()))
        .count()
        .get_result(c)?;
    let ended = ended
        .iter()
        .filter(|id| !renewed.contains(&Some(**id)))
        .count();
    Ok(i64::try_from(ended).unwrap_or(0) + cancelled)
}

/// How many live offers lapse within `within` from `now` (the office's Översikt).
pub fn lapsing_within(
    c: &mut DbConnection,
    now: NaiveDateTime,
    within: chrono::Duration,
) -> QueryResult<i64> {
    queue_offers::table
        .filter(queue_offers::status.eq_any(OfferStatus::LIVE))
        .filter(queue_offers::expires_at.gt(now))
        .filter(queue_offers::expires_at.le(now + within))
        .count()
        .get_result(c)
}
