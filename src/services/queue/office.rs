//! The parking office's side of capacity and queues: setting a capacity ("Kapacitet"),
//! moving or removing someone with a reason, and the counts of sold, held and free places.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::QueryResult;

use super::{QueueConfig, QueueError, tell, withdraw_offer};
use crate::db::queue::{self as db, EntryRow, OfferRow, Spot};
use crate::db::{DbConnection, audit, catalogue, write_tx};
use crate::domain::UserId;
use crate::domain::queue::{EntryStatus, OfferStatus, Tally};
use crate::i18n::messages;

/// The operator's capacity of a car park and type (`None`: no limit), audited.
pub fn set_capacity(
    c: &mut DbConnection,
    by: UserId,
    s: Spot,
    places: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    Ok(set_capacities(c, by, &[(s, places)], now)?.is_some())
}

/// Katalog's capacity table saved at once, in one transaction: only the cells that change
/// are written and audited, and they come back (to say what changed); `None` when a car
/// park or type is unknown, and then nothing is written.
pub fn set_capacities(
    c: &mut DbConnection,
    by: UserId,
    cells: &[(Spot, Option<i32>)],
    now: NaiveDateTime,
) -> QueryResult<Option<Vec<Spot>>> {
    write_tx(c, |c| {
        for (s, _) in cells {
            if catalogue::permit_type(c, s.permit_type_id)?.is_none()
                || catalogue::car_park(c, s.car_park_id)?.is_none()
            {
                return Ok(None);
            }
        }
        let show = |p: Option<i32>| p.map_or("none".to_string(), |n| n.to_string());
        let mut changed = Vec::new();
        for &(s, places) in cells {
            let row = db::capacity(c, s)?;
            let before = row.as_ref().and_then(|r| r.places);
            if row.is_some() && before == places {
                continue;
            }
            db::set_capacity(c, s, places, now)?;
            audit::record(
                c,
                Some(by),
                "capacity.set",
                &format!(
                    "car_park:{} permit_type:{}",
                    s.car_park_id, s.permit_type_id
                ),
                Some(&show(before)),
                Some(&show(places)),
                now,
            )?;
            if before != places {
                changed.push(s);
            }
        }
        Ok(Some(changed))
    })
}

/// The parking office removes someone from a line, or moves them to `to` (1 = first), with
/// a reason; audited, and the user is told.
pub fn office_change(
    c: &mut DbConnection,
    cfg: &QueueConfig,
    by: UserId,
    entry: crate::domain::EntryId,
    to: Option<i64>,
    reason: &str,
    now: NaiveDateTime,
) -> Result<Spot, QueueError> {
    write_tx(c, |c| {
        let e = db::entry(c, entry)?.ok_or(QueueError::NotFound)?;
        let s = e.spot();
        db::lock(c, s)?;
        let before = db::position(c, &e)?;
        match to {
            None => {
                let in_line = [EntryStatus::Waiting, EntryStatus::Offered];
                if !db::set_entry_status(
                    c,
                    e.id,
                    &in_line,
                    EntryStatus::Removed,
                    now,
                    Some(reason),
                )? {
                    return Err(QueueError::NotFound);
                }
                withdraw_offer(c, e.id, OfferStatus::Withdrawn, now)?;
            }
            Some(place) => {
                if e.status != EntryStatus::Waiting {
                    return Err(QueueError::NotFound);
                }
                let mut line: Vec<EntryRow> = db::waiting(c, s)?
                    .into_iter()
                    .filter(|w| w.id != e.id)
                    .collect();
                let at = usize::try_from(place - 1).unwrap_or(0).min(line.len());
                line.insert(at, e.clone());
                for (i, w) in line.iter().enumerate() {
                    db::set_sort_key(c, w.id, i64::try_from(i).unwrap_or(0) * 1000)?;
                }
            }
        }
        let after = to.map_or("removed".to_string(), |p| format!("place {p}"));
        audit::record(
            c,
            Some(by),
            if to.is_some() {
                "queue.move"
            } else {
                "queue.remove"
            },
            &format!("queue_entry:{}", e.id),
            Some(&format!("place {before}")),
            Some(&format!("{after}; {reason}")),
            now,
        )?;
        let link = format!("{}/", cfg.base_url);
        tell(c, e.user_id, s, "queue_changed", now, |lang, name, p| {
            messages::queue_changed(lang, name, p, to, reason, &link)
        })?;
        Ok(s)
    })
}

/// One line as the parking office sees it.
pub struct Line {
    pub counted: Counted,
    /// Everyone in line, in order: the entry, name, e-mail and place.
    pub entries: Vec<(EntryRow, String, String)>,
    pub offers: Vec<(OfferRow, String)>,
}

pub fn line(
    c: &mut DbConnection,
    s: Spot,
    now: NaiveDateTime,
    today: NaiveDate,
) -> QueryResult<Line> {
    let places = db::capacity(c, s)?.and_then(|r| r.places);
    Ok(Line {
        counted: Counted {
            spot: s,
            places,
            tally: db::tally(c, s, places, today, now)?,
            unpaid: db::unpaid(c, s, today)?,
        },
        entries: db::line(c, s)?,
        offers: db::offers_of_line(c, s)?,
    })
}

/// Every car park and type with a capacity, with its counts: places sold (paid), held
/// (unpaid and offered) and free, and how many wait.
pub fn overview(
    c: &mut DbConnection,
    now: NaiveDateTime,
    today: NaiveDate,
) -> QueryResult<Vec<Counted>> {
    let mut out = Vec::new();
    for cap in db::all_capacities(c)? {
        let spot = cap.spot();
        let tally = db::tally(c, spot, cap.places, today, now)?;
        let unpaid = db::unpaid(c, spot, today)?;
        out.push(Counted {
            spot,
            places: cap.places,
            tally,
            unpaid,
        });
    }
    Ok(out)
}

/// One car park and type, counted.
pub struct Counted {
    pub spot: Spot,
    /// `None`: no limit.
    pub places: Option<i32>,
    pub tally: Tally,
    /// Of the places taken, those waiting for payment.
    pub unpaid: i64,
}

impl Counted {
    /// Sold (paid), held (unpaid and offered) and free (`None`: no limit).
    pub fn counts(&self) -> (i64, i64, Option<i64>) {
        (
            self.tally.taken - self.unpaid,
            self.unpaid + self.tally.offered,
            self.tally.free(),
        )
    }
}
