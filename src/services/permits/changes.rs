//! The customer's and the office's changes to a permit, one function each; [`super::apply`]
//! runs one inside its transaction after the table of permit actions allowed it.

use super::*;
use crate::domain::ids::TemporaryId;
use crate::domain::payment::PaymentStatus;

/// A new registration number (by the customer, or by the office: then the customer is told).
pub(super) fn set_regnr(c: &mut DbConnection, t: &Target, regnr: &RegNumber) -> Applied {
    let Target {
        p,
        state,
        by_office,
        ..
    } = *t;
    if !state.allows_changes() {
        return Err(RuleError::NotChangeable.into());
    }
    diesel::update(permits::table.find(p.id))
        .set((
            permits::regnr.eq(regnr.as_str()),
            permits::foreign_plate.eq(regnr.is_foreign()),
        ))
        .execute(c)?;
    if by_office {
        tell_owner(
            c,
            p,
            "permit_changed",
            &t.cfg.base_url,
            |lang, name, link| {
                let new = regnr.to_string();
                let change = messages::Change::Regnr(&new);
                messages::permit_change(lang, name, &p.regnr, change, link)
            },
        )?;
    }
    Ok(Some(("regnr", format!("{} → {}", p.regnr, regnr))))
}

/// A temporary number within the permit's period, one at a time, not starting in the past.
pub(super) fn add_temporary(
    c: &mut DbConnection,
    t: &Target,
    regnr: &RegNumber,
    from: &NaiveDate,
    to: &NaiveDate,
) -> Applied {
    let Target {
        p,
        state,
        now,
        today,
        ..
    } = *t;
    if !state.allows_changes() {
        return Err(RuleError::NotChangeable.into());
    }
    if to < from {
        return Err(RuleError::Backwards.into());
    }
    if *from < today {
        return Err(RuleError::InPast.into());
    }
    if *from < p.start_date || *to > p.end_date {
        return Err(RuleError::OutsidePeriod.into());
    }
    let current: i64 = temporary_regnrs::table
        .filter(temporary_regnrs::permit_id.eq(p.id))
        .filter(temporary_regnrs::ended_at.is_null())
        .filter(temporary_regnrs::to_date.ge(today))
        .count()
        .get_result(c)?;
    if current > 0 {
        return Err(RuleError::OneAtATime.into());
    }
    diesel::insert_into(temporary_regnrs::table)
        .values((
            temporary_regnrs::permit_id.eq(p.id),
            temporary_regnrs::regnr.eq(regnr.as_str()),
            temporary_regnrs::foreign_plate.eq(regnr.is_foreign()),
            temporary_regnrs::from_date.eq(from),
            temporary_regnrs::to_date.eq(to),
            temporary_regnrs::created_at.eq(now),
        ))
        .execute(c)?;
    Ok(Some(("temporary", format!("{regnr} {from} – {to}"))))
}

/// Ends a temporary number now.
pub(super) fn end_temporary(
    c: &mut DbConnection,
    t: &Target,
    temporary_id: &TemporaryId,
) -> Applied {
    let Target { p, now, .. } = *t;
    let n = diesel::update(
        temporary_regnrs::table
            .find(temporary_id)
            .filter(temporary_regnrs::permit_id.eq(p.id))
            .filter(temporary_regnrs::ended_at.is_null()),
    )
    .set(temporary_regnrs::ended_at.eq(now))
    .execute(c)?;
    if n != 1 {
        return Err(RuleError::NoSuchTemporary.into());
    }
    Ok(Some(("temporary_ended", temporary_id.to_string())))
}

/// Books days of a paid day card for a number: all of them or none.
pub(super) fn book_days(
    c: &mut DbConnection,
    t: &Target,
    regnr: &RegNumber,
    days: &BTreeSet<NaiveDate>,
) -> Applied {
    let Target {
        p,
        state,
        now,
        today,
        ..
    } = *t;
    let card = day_card(c, p, state)?;
    card.check_booking(days, today).map_err(RuleError::from)?;
    let list: Vec<NaiveDate> = days.iter().copied().collect();
    daycards::book(c, p.id, &list, regnr.as_str(), regnr.is_foreign(), now)?;
    let shown: Vec<String> = list.iter().map(ToString::to_string).collect();
    Ok(Some(("session", format!("{regnr}: {}", shown.join(", ")))))
}

/// Gives a future booked day back.
pub(super) fn cancel_day(c: &mut DbConnection, t: &Target, day: &NaiveDate) -> Applied {
    let Target {
        p, state, today, ..
    } = *t;
    let card = day_card(c, p, state)?;
    card.check_cancel(*day, today).map_err(RuleError::from)?;
    if !daycards::cancel(c, p.id, *day)? {
        return Err(RuleError::from(CancelError::NotBooked).into());
    }
    Ok(Some(("session_cancelled", day.to_string())))
}

/// The office rejects an application, with its reason (the customer is told).
pub(super) fn reject(c: &mut DbConnection, t: &Target, reason: &str) -> Applied {
    let Target { p, state, .. } = *t;
    let next = state.apply(Event::Reject).map_err(RuleError::from)?;
    diesel::update(permits::table.find(p.id))
        .set((permits::state.eq(next), permits::reject_reason.eq(reason)))
        .execute(c)?;
    tell_owner(
        c,
        p,
        "application_rejected",
        &t.cfg.base_url,
        |lang, name, link| messages::application_rejected(lang, name, &p.regnr, reason, link),
    )?;
    Ok(Some((
        "state",
        format!("{} → {}: {reason}", state.as_str(), next.as_str()),
    )))
}

/// The office moves a permit's period (the customer is told).
pub(super) fn set_dates(
    c: &mut DbConnection,
    t: &Target,
    start: &NaiveDate,
    end: &NaiveDate,
) -> Applied {
    let Target { p, state, .. } = *t;
    if !state.allows_changes() {
        return Err(RuleError::NotChangeable.into());
    }
    if end < start {
        return Err(RuleError::Backwards.into());
    }
    diesel::update(permits::table.find(p.id))
        .set((permits::start_date.eq(start), permits::end_date.eq(end)))
        .execute(c)?;
    tell_owner(
        c,
        p,
        "permit_changed",
        &t.cfg.base_url,
        |lang, name, link| {
            let change = messages::Change::Period(*start, *end);
            messages::permit_change(lang, name, &p.regnr, change, link)
        },
    )?;
    Ok(Some((
        "dates",
        format!("{} – {} → {start} – {end}", p.start_date, p.end_date),
    )))
}

/// The office cancels a permit ("Makulerad"), writing a refund of up to what is left of
/// its payment (sent to the provider afterwards); the customer is told.
pub(super) fn cancel(c: &mut DbConnection, t: &Target, refund_ore: &Option<i64>) -> Applied {
    let Target {
        p, state, now, msg, ..
    } = *t;
    let next = state.apply(Event::Cancel).map_err(RuleError::from)?;
    diesel::update(permits::table.find(p.id))
        .set(permits::state.eq(next))
        .execute(c)?;
    let mut detail = format!("{} → {}", state.as_str(), next.as_str());
    let refund = match refund_ore.filter(|n| *n > 0) {
        None => None,
        Some(ore) => {
            let paid = db_payments::of_permit_in(c, p.id, PaymentStatus::Paid)?
                .ok_or(RuleError::NothingPaid)?;
            let committed = refunds::committed_for_payment(c, paid.id)?;
            if committed + ore > paid.amount_ore {
                return Err(RuleError::RefundTooLarge.into());
            }
            let instruction = crate::payments::swish::new_instruction_id();
            refunds::insert(c, paid.id, p.id, ore, &instruction, msg.by_user, now)?;
            detail.push_str(&format!(", refund {}", Money::from_ore(ore)));
            Some(Money::from_ore(ore))
        }
    };
    tell_owner(
        c,
        p,
        "permit_changed",
        &t.cfg.base_url,
        |lang, name, link| {
            let change = messages::Change::Cancelled(refund);
            messages::permit_change(lang, name, &p.regnr, change, link)
        },
    )?;
    Ok(Some(("state", detail)))
}

/// A state change by the table of transitions (an approval is told to the customer).
pub(super) fn transition(c: &mut DbConnection, t: &Target, event: &Event, detail: &str) -> Applied {
    let Target {
        p,
        state,
        by_office,
        ..
    } = *t;
    let next = state.apply(*event).map_err(RuleError::from)?;
    // An approved application needs a place in a car park with a capacity, as a sale does.
    let claim = if *event == Event::Approve {
        let spot = crate::db::queue::Spot {
            car_park_id: p.car_park_id,
            permit_type_id: p.permit_type_id,
        };
        let renews = p.renews_permit_id;
        Some(
            crate::services::queue::claim(c, p.user_id, spot, renews, t.now, t.today)?
                .map_err(|_| RuleError::Full)?,
        )
    } else {
        None
    };
    diesel::update(permits::table.find(p.id))
        .set(permits::state.eq(next))
        .execute(c)?;
    if let Some(claim) = claim {
        crate::services::queue::claimed(c, claim, p.id, next, t.cfg.hold_hours, t.now)?;
    }
    if by_office && *event == Event::Approve {
        tell_owner(
            c,
            p,
            "application_approved",
            &t.cfg.base_url,
            |lang, name, link| messages::application_approved(lang, name, &p.regnr, link),
        )?;
    }
    Ok(Some((
        "state",
        format!("{} → {}: {detail}", state.as_str(), next.as_str()),
    )))
}

/// "Pausa tillståndet": the rules of `domain::pause` on the permit as read in the change's
/// transaction (its period, its pauses, its type's limit); the pause written and the end
/// moved later by its days, in the same transaction; the owner told.
pub(super) fn pause(c: &mut DbConnection, t: &Target, from: NaiveDate, to: NaiveDate) -> Applied {
    use crate::domain::pause::{self as rules, Ask, Pause};
    let p = t.p;
    let rows = crate::db::pauses::of_permit(c, p.id)?;
    let year_ago = t.now - chrono::Duration::days(365);
    let made = rows.iter().filter(|r| r.created_at > year_ago).count();
    let kept: Vec<Pause> = rows.iter().map(|r| r.pause()).collect();
    let ask = Ask {
        today: t.today,
        start: p.start_date,
        end: p.end_date,
        max_per_year: crate::db::catalogue::max_pauses(c, p.permit_type_id)?,
        made_last_year: i64::try_from(made).unwrap_or(i64::MAX),
        pauses: &kept,
    };
    let new_end = rules::pause(&ask, from, to).map_err(RuleError::from)?;
    crate::db::pauses::insert(c, p.id, Pause { from, to }, t.now)?;
    move_end(
        c,
        t,
        new_end,
        "permit_paused",
        messages::Change::Paused(from, to, new_end),
    )?;
    Ok(Some((
        "pause",
        format!("{from} – {to}; {} → {new_end}", p.end_date),
    )))
}

/// "Avsluta pausen" (the customer, or the office): the pause running or to come ends today;
/// its days not used are given back (the end moves earlier by them).
pub(super) fn end_pause(c: &mut DbConnection, t: &Target) -> Applied {
    let p = t.p;
    let rows = crate::db::pauses::of_permit(c, p.id)?;
    let (row, (ended, new_end)) = rows
        .iter()
        .find_map(|r| crate::domain::pause::end(r.pause(), p.end_date, t.today).map(|e| (r, e)))
        .ok_or(RuleError::NoPause)?;
    crate::db::pauses::end(c, row.id, ended.to, t.now)?;
    move_end(
        c,
        t,
        new_end,
        "permit_pause_ended",
        messages::Change::PauseEnded(new_end),
    )?;
    Ok(Some((
        "pause_end",
        format!(
            "{} – {}; {} → {new_end}",
            row.from_date, row.to_date, p.end_date
        ),
    )))
}

/// A pause's or its end's new last day written, and the owner told.
fn move_end(
    c: &mut DbConnection,
    t: &Target,
    new_end: NaiveDate,
    kind: &str,
    change: messages::Change,
) -> Result<(), PermitError> {
    let p = t.p;
    diesel::update(permits::table.find(p.id))
        .set(permits::end_date.eq(new_end))
        .execute(c)?;
    tell_owner(c, p, kind, &t.cfg.base_url, |lang, name, link| {
        messages::permit_change(lang, name, &p.regnr, change, link)
    })
}
