//! Capacity and waiting lists: selling a place of a full car park once, the queue, offers and
//! holds. Every change that takes or frees a place of a car park and type first takes that
//! car park and type's turn (`db::queue::lock`, one row lock), so two instances on one
//! PostgreSQL take turns and never sell or offer more places than there are. The rules are in
//! `domain::queue`; the keeper actor (`actors::queue`) runs [`round`] for what happens with
//! time (offers and holds lapsing, permits ending, reminders).

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::QueryResult;

use crate::clock;
use crate::db::queue::{self as db, EntryRow, OfferRow, Spot};
use crate::db::{DbConnection, accounts, catalogue, write_tx};
use crate::domain::permit::State;
use crate::domain::queue::{EntryStatus, OfferStatus, Wait, expected_wait};
use crate::domain::{EntryId, OfferId, PermitId, UserId};
use crate::i18n::Lang;
use crate::i18n::messages::{self, Place};
use crate::notify;

mod office;

pub use office::*;

/// The queue's settings, given once at start.
#[derive(Debug, Clone)]
pub struct QueueConfig {
    /// How long an offer holds its place (`QUEUE_OFFER_DAYS`).
    pub offer_days: i64,
    /// How long an unpaid permit of a car park with a capacity holds its place
    /// (`PAYMENT_HOLD_HOURS`).
    pub hold_hours: i64,
    /// The public URL, for the links in offers.
    pub base_url: String,
}

/// Why the queue refused.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("no such place in line or offer")]
    NotFound,
    #[error("the car park is not full")]
    NotFull,
    #[error("already in this queue")]
    AlreadyInLine,
    #[error("the offer is no longer open")]
    OfferGone,
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

impl From<diesel::result::Error> for QueueError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                QueueError::AlreadyInLine
            }
            e => QueueError::Db(e.into()),
        }
    }
}

/// How an order may take its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// No capacity is set: nothing to count.
    Unlimited,
    /// A free place nobody in line waits for.
    Free,
    /// The buyer's own live offer.
    Offer(OfferId),
    /// A renewal of a permit that holds its place until it ends.
    Renewal,
}

/// The car park and type are full for this buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("full")]
pub struct Full;

/// Takes the car park and type's turn and decides how the order takes its place, in the
/// order's transaction. `renews`: a permit of the buyer's that the order renews (the caller
/// checked that it may be renewed).
pub fn claim(
    c: &mut DbConnection,
    user: UserId,
    s: Spot,
    renews: Option<PermitId>,
    now: NaiveDateTime,
    today: NaiveDate,
) -> QueryResult<Result<Claim, Full>> {
    match db::lock(c, s)? {
        None | Some(None) => Ok(Ok(Claim::Unlimited)),
        Some(Some(places)) => decide(c, user, s, places, renews, now, today),
    }
}

/// How a buyer may take a place of a car park and type with `places` places: their own live
/// offer, the permit a renewal renews, or a place nobody in line waits for ([`claim`] under
/// the turn, [`availability`] without it).
fn decide(
    c: &mut DbConnection,
    user: UserId,
    s: Spot,
    places: i32,
    renews: Option<PermitId>,
    now: NaiveDateTime,
    today: NaiveDate,
) -> QueryResult<Result<Claim, Full>> {
    if let Some(offer) = db::live_offer_of(c, user, s, now)? {
        return Ok(Ok(Claim::Offer(offer.id)));
    }
    if let Some(old) = renews
        && db::renewal_holds_place(c, old, today)?
    {
        return Ok(Ok(Claim::Renewal));
    }
    Ok(if db::tally(c, s, Some(places), today, now)?.may_sell() {
        Ok(Claim::Free)
    } else {
        Err(Full)
    })
}

/// After the permit of a claimed order was written (waiting for payment or approval): an
/// offer it used is done, and an unpaid permit of a car park with a capacity holds its place
/// for the hold hours.
pub fn claimed(
    c: &mut DbConnection,
    claim: Claim,
    permit: PermitId,
    state: State,
    hold_hours: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let mut hold_until = now + Duration::hours(hold_hours);
    if let Claim::Offer(id) = claim
        && db::set_offer_status(
            c,
            id,
            &OfferStatus::LIVE,
            OfferStatus::Used,
            now,
            Some(permit),
        )?
        && let Some(o) = db::offer(c, id)?
    {
        // The offer's deadline holds to the end: "Bekräfta" does not shorten it to the
        // hold hours (issue #35, 4).
        hold_until = hold_until.max(o.expires_at);
        db::set_entry_status(
            c,
            o.entry_id,
            &[EntryStatus::Offered],
            EntryStatus::Done,
            now,
            None,
        )?;
    }
    if claim != Claim::Unlimited && state == State::AwaitingPayment {
        db::set_hold(c, permit, hold_until)?;
    }
    Ok(())
}

/// What the wizard shows for a car park and type (read without taking the turn).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    Open,
    /// Full; `Some(place)` when the buyer is in line already.
    Full(Option<i64>),
}

pub fn availability(
    c: &mut DbConnection,
    user: UserId,
    s: Spot,
    renews: Option<PermitId>,
    now: NaiveDateTime,
    today: NaiveDate,
) -> QueryResult<Availability> {
    let Some(places) = db::capacity(c, s)?.and_then(|r| r.places) else {
        return Ok(Availability::Open);
    };
    if decide(c, user, s, places, renews, now, today)?.is_ok() {
        return Ok(Availability::Open);
    }
    let place = match db::entry_in_line(c, user, s)? {
        Some(e) => Some(db::position(c, &e)?),
        None => None,
    };
    Ok(Availability::Full(place))
}

/// Puts the user last in line of a full car park and type, with the car's number if one was
/// typed (it fills in the order when the offer comes).
pub fn join(
    c: &mut DbConnection,
    user: UserId,
    s: Spot,
    regnr: Option<&str>,
    now: NaiveDateTime,
    today: NaiveDate,
) -> Result<(), QueueError> {
    write_tx(c, |c| {
        let Some(places) = db::lock(c, s)?.flatten() else {
            return Err(QueueError::NotFull);
        };
        if db::entry_in_line(c, user, s)?.is_some() {
            return Err(QueueError::AlreadyInLine);
        }
        if db::live_offer_of(c, user, s, now)?.is_some()
            || db::tally(c, s, Some(places), today, now)?.may_sell()
        {
            return Err(QueueError::NotFull);
        }
        db::insert_entry(c, user, s, regnr, now)?;
        Ok(())
    })
}

/// The user leaves a queue; a live offer of theirs goes back (to the next in line).
pub fn leave(
    c: &mut DbConnection,
    user: UserId,
    entry: EntryId,
    now: NaiveDateTime,
) -> Result<Spot, QueueError> {
    write_tx(c, |c| {
        let e = db::entry(c, entry)?
            .filter(|e| e.user_id == user)
            .ok_or(QueueError::NotFound)?;
        db::lock(c, e.spot())?;
        let in_line = [EntryStatus::Waiting, EntryStatus::Offered];
        if !db::set_entry_status(c, e.id, &in_line, EntryStatus::Left, now, Some("left"))? {
            return Err(QueueError::NotFound);
        }
        withdraw_offer(c, e.id, OfferStatus::Withdrawn, now)?;
        Ok(e.spot())
    })
}

/// Every place in line of a user whose account goes (in that transaction).
pub fn leave_all(c: &mut DbConnection, user: UserId, now: NaiveDateTime) -> QueryResult<()> {
    let in_line = [EntryStatus::Waiting, EntryStatus::Offered];
    for e in db::entries_of(c, user)? {
        db::lock(c, e.spot())?;
        db::set_entry_status(
            c,
            e.id,
            &in_line,
            EntryStatus::Left,
            now,
            Some("account deleted"),
        )?;
        withdraw_offer(c, e.id, OfferStatus::Withdrawn, now)?;
    }
    Ok(())
}

pub(super) fn withdraw_offer(
    c: &mut DbConnection,
    entry: EntryId,
    to: OfferStatus,
    now: NaiveDateTime,
) -> QueryResult<()> {
    if let Some(o) = db::offer_of_entry(c, entry)? {
        db::set_offer_status(c, o.id, &OfferStatus::LIVE, to, now, None)?;
    }
    Ok(())
}

/// The user's own offer.
pub fn offer_of(c: &mut DbConnection, user: UserId, id: OfferId) -> QueryResult<Option<OfferRow>> {
    Ok(db::offer(c, id)?.filter(|o| o.user_id == user))
}

/// "Tacka ja": the offer stays live until it lapses, and the buying flow is open.
pub fn accept(
    c: &mut DbConnection,
    user: UserId,
    id: OfferId,
    now: NaiveDateTime,
) -> Result<OfferRow, QueueError> {
    write_tx(c, |c| {
        let o = offer_of(c, user, id)?.ok_or(QueueError::NotFound)?;
        if !o.is_live(now) {
            return Err(QueueError::OfferGone);
        }
        db::set_offer_status(
            c,
            id,
            &[OfferStatus::Open],
            OfferStatus::Accepted,
            now,
            None,
        )?;
        Ok(o)
    })
}

/// "Tacka nej": the user leaves the queue and the place goes to the next in line.
pub fn decline(
    c: &mut DbConnection,
    user: UserId,
    id: OfferId,
    now: NaiveDateTime,
) -> Result<Spot, QueueError> {
    write_tx(c, |c| {
        let o = offer_of(c, user, id)?.ok_or(QueueError::NotFound)?;
        db::lock(c, o.spot())?;
        if !o.is_live(now)
            || !db::set_offer_status(c, id, &OfferStatus::LIVE, OfferStatus::Declined, now, None)?
        {
            return Err(QueueError::OfferGone);
        }
        db::set_entry_status(
            c,
            o.entry_id,
            &[EntryStatus::Offered],
            EntryStatus::Left,
            now,
            Some("declined"),
        )?;
        Ok(o.spot())
    })
}

/// The names of a car park and type: the type's in Swedish and English, and the car park's.
pub struct Names {
    pub type_sv: String,
    pub type_en: String,
    pub car_park: String,
}

impl Names {
    pub fn type_name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Sv => &self.type_sv,
            Lang::En => &self.type_en,
        }
    }
}

/// The names of a car park and type, for messages and pages: one read of each.
pub fn names_of(c: &mut DbConnection, s: Spot) -> QueryResult<Names> {
    let (type_sv, type_en) = catalogue::permit_type(c, s.permit_type_id)?
        .map(|t| (t.name_sv, t.name_en))
        .unwrap_or_default();
    let car_park = catalogue::car_park(c, s.car_park_id)?
        .map(|p| p.name)
        .unwrap_or_default();
    Ok(Names {
        type_sv,
        type_en,
        car_park,
    })
}

/// The type's and the car park's names in one language.
pub fn names(c: &mut DbConnection, s: Spot, lang: Lang) -> QueryResult<(String, String)> {
    let n = names_of(c, s)?;
    Ok((n.type_name(lang).to_string(), n.car_park))
}

/// Tells a user something about their place in line, on their channels.
pub(super) fn tell(
    c: &mut DbConnection,
    user: UserId,
    s: Spot,
    kind: &str,
    now: NaiveDateTime,
    message: impl FnOnce(Lang, &str, &Place) -> messages::Message,
) -> QueryResult<usize> {
    let Some(u) = accounts::user_by_id(c, user)? else {
        return Ok(0);
    };
    let lang = Lang::parse(&u.language).unwrap_or_default();
    let (type_name, car_park) = names(c, s, lang)?;
    let place = Place {
        type_name: &type_name,
        car_park: &car_park,
    };
    let m = message(lang, &u.name, &place);
    notify::queue(c, &u, kind, m, now)
}

/// Makes the offers due for one car park and type, in one transaction; returns how many.
pub fn allocate(
    c: &mut DbConnection,
    cfg: &QueueConfig,
    s: Spot,
    now: NaiveDateTime,
    today: NaiveDate,
) -> QueryResult<usize> {
    write_tx(c, |c| {
        let Some(places) = db::lock(c, s)? else {
            return Ok(0);
        };
        let due = db::tally(c, s, places, today, now)?.offers_due();
        let mut made = 0;
        for e in db::waiting(c, s)?
            .into_iter()
            .take(usize::try_from(due).unwrap_or(0))
        {
            if !db::set_entry_status(
                c,
                e.id,
                &[EntryStatus::Waiting],
                EntryStatus::Offered,
                now,
                None,
            )? {
                continue;
            }
            let expires = now + Duration::days(cfg.offer_days);
            let offer = db::insert_offer(c, &e, now, expires)?;
            let link = format!("{}/queue/offers/{}", cfg.base_url, offer.id);
            let until = clock::local_display(expires);
            tell(c, e.user_id, s, "queue_offer", now, |lang, name, p| {
                messages::offer_made(lang, name, p, &until, &link)
            })?;
            made += 1;
        }
        Ok(made)
    })
}

/// What a round of the keeper did.
#[derive(Debug, Default, Clone, Copy)]
pub struct RoundReport {
    pub lapsed: usize,
    pub reminded: usize,
    pub offered: usize,
}

/// The keeper's round, except for unpaid holds (those are cancelled through the permit's
/// rules by the actor first): live offers past their time lapse (their users leave the
/// queue), reminders go a day before an offer lapses, and each car park and type whose
/// lease this instance gets makes the offers due.
pub fn round(
    c: &mut DbConnection,
    cfg: &QueueConfig,
    now: NaiveDateTime,
    today: NaiveDate,
) -> QueryResult<RoundReport> {
    let mut report = RoundReport::default();
    for o in db::lapsed_offers(c, now)? {
        let lapsed = write_tx(c, |c| -> QueryResult<bool> {
            db::lock(c, o.spot())?;
            if !db::set_offer_status(c, o.id, &OfferStatus::LIVE, OfferStatus::Expired, now, None)?
            {
                return Ok(false);
            }
            db::set_entry_status(
                c,
                o.entry_id,
                &[EntryStatus::Offered],
                EntryStatus::Left,
                now,
                Some("expired"),
            )?;
            Ok(true)
        })?;
        report.lapsed += usize::from(lapsed);
    }
    for o in db::offers_to_remind(c, now, now + Duration::days(1))? {
        let sent = write_tx(c, |c| -> QueryResult<bool> {
            if !db::mark_reminded(c, o.id, now)? {
                return Ok(false);
            }
            let link = format!("{}/queue/offers/{}", cfg.base_url, o.id);
            let until = clock::local_display(o.expires_at);
            tell(
                c,
                o.user_id,
                o.spot(),
                "queue_offer_reminder",
                now,
                |lang, name, p| messages::offer_reminder(lang, name, p, &until, &link),
            )?;
            Ok(true)
        })?;
        report.reminded += usize::from(sent);
    }
    for cap in db::all_capacities(c)? {
        let s = cap.spot();
        if !db::lease(c, s, now, now + Duration::seconds(60))? {
            continue;
        }
        let offered = allocate(c, cfg, s, now, today);
        db::release(c, s)?;
        report.offered += offered?;
    }
    Ok(report)
}

/// One of the user's places in line, as Hem shows it.
pub struct InLine {
    pub entry: EntryRow,
    pub names: Names,
    /// Place in line (while waiting).
    pub place: i64,
    /// How many wait in this line.
    pub length: i64,
    /// Places freed in the last 12 months, and the wait that gives.
    pub freed: i64,
    pub wait: Wait,
    /// A live offer.
    pub offer: Option<OfferRow>,
}

pub fn lines_of(
    c: &mut DbConnection,
    user: UserId,
    now: NaiveDateTime,
    today: NaiveDate,
) -> QueryResult<Vec<InLine>> {
    let mut out = Vec::new();
    for entry in db::entries_of(c, user)? {
        let s = entry.spot();
        let names = names_of(c, s)?;
        let place = db::position(c, &entry)?;
        let since = today - Duration::days(365);
        let freed = db::freed_since(c, s, since, today)?;
        let offer = db::offer_of_entry(c, entry.id)?.filter(|o| o.is_live(now));
        out.push(InLine {
            place,
            length: db::waiting_count(c, s)?,
            freed,
            wait: expected_wait(place, freed),
            offer,
            names,
            entry,
        });
    }
    Ok(out)
}
