//! The day card on its permit page: days bought, "Återstående dagar", the month calendar with
//! a checkbox per bookable day, "Skapa session" and "Avbryt" on future sessions.
//!
//! One form (`#book-form`) holds the number and the ticked days. With HTMX, month navigation,
//! ticking, "Skapa session" and "Avbryt" swap only `#calendar` (plus the counter at the top,
//! out of band). Without JavaScript the month buttons post the same form to
//! `/calendar`, which answers with the page holding those choices in its address; "Skapa
//! session", "Avbryt" and "Ångra" post and come back with a redirect. Handlers here; the
//! form's fields in `input`, the views in `view`.

use super::{day_card_page, regnr_error, send_change};
use crate::actors::{PermitChange, PermitError, RuleError};
use crate::auth::SessionUser;
use crate::db::daycards::{self, SessionRow};
use crate::db::permits::{self as db_permits, PermitRow};
use crate::db::{self};
use crate::domain::PermitId;
use crate::domain::RegNumber;
use crate::domain::UserId;
use crate::domain::daycard::{BookingError, CancelError, Card, Month, Refusal, SessionStatus};
use crate::domain::permit::{State, Status, today};
use crate::domain::permit_actions::Kind;
use crate::i18n::{Texts, day_in_words};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::ctx::UserCtx;
use crate::web::error::Outcome;
use crate::web::error::{AppError, Reply};
use crate::web::forms::{self, Field};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Datelike, NaiveDate};
use maud::{Markup, html};
use std::collections::{BTreeMap, BTreeSet};
type Data = web::Data<AppState>;

mod input;
mod pattern;
mod view;

pub use input::*;
pub use pattern::pattern;
pub use view::*;

async fn load(
    state: &AppState,
    id: PermitId,
    user_id: UserId,
) -> Result<(PermitRow, Vec<SessionRow>), AppError> {
    db::query(&state.pool, move |c| read_card(c, id, user_id))
        .await?
        .ok_or(AppError::NotFound)
}

/// One of the user's day cards and its sessions, on a connection the caller holds; `None`
/// when it is not the user's or not a day card.
fn read_card(
    c: &mut crate::db::DbConnection,
    id: PermitId,
    user_id: UserId,
) -> diesel::QueryResult<Option<(PermitRow, Vec<SessionRow>)>> {
    let Some(p) = db_permits::owned(c, id, user_id)? else {
        return Ok(None);
    };
    if p.kind != Kind::Day {
        return Ok(None);
    }
    let sessions = daycards::sessions(c, id)?;
    Ok(Some((p, sessions)))
}

/// `GET /permits/{id}/calendar`: month navigation and ticking. HTMX gets the fragment; a
/// plain request goes to the page with the same choices.
pub async fn calendar_fragment(state: Data, id: web::Path<PermitId>, req: HttpRequest) -> Reply {
    // One trip: the session and the card's days.
    let id = id.into_inner();
    let (ctx, card) =
        crate::web::ctx::load(&req, &state, move |c, me| Ok(read_card(c, id, me.user.id)?)).await?;
    ctx.require_user()?;
    let (p, sessions) = card.flatten().ok_or(AppError::NotFound)?;
    let input = CalendarInput::parse(req.query_string().as_bytes());
    if !ctx.htmx_fragment {
        return Ok(crate::web::respond::see_other(&format!(
            "/permits/{id}?{}",
            req.query_string()
        )));
    }
    Ok(month_fragment(&ctx, &p, &sessions, &input))
}

fn refusal_text(t: &Texts, r: Refusal) -> &'static str {
    match r {
        Refusal::Past => t.reason_past,
        Refusal::BeforeStart => t.reason_before_start,
        Refusal::AfterEnd => t.reason_after_end,
        Refusal::AlreadyBooked => t.reason_booked,
    }
}

/// The reason a booking or cancellation was refused, in the user's language.
fn refused_text(t: &Texts, e: &PermitError) -> String {
    match e {
        PermitError::Rule(RuleError::Booking(BookingError::NoDays)) => t.err_no_days.into(),
        PermitError::Rule(RuleError::Booking(BookingError::Day { day, reason })) => {
            format!("{} {day}: {}.", t.nothing_booked, refusal_text(t, *reason))
        }
        PermitError::Rule(RuleError::Booking(BookingError::NotEnoughDays {
            wanted, left, ..
        })) => {
            format!(
                "{} {}: {wanted}. {}: {left}.",
                t.nothing_booked, t.chosen_days, t.days_left_label
            )
        }
        PermitError::Rule(RuleError::Cancel(CancelError::Started)) => t.err_cancel_started.into(),
        PermitError::Rule(RuleError::Cancel(CancelError::NotBooked)) => {
            t.err_cancel_not_booked.into()
        }
        PermitError::Conflict => t.rule_conflict.into(),
        PermitError::Rule(RuleError::Refused(r)) if r.kind == Kind::Day => t.refusal(r).into(),
        _ => t.err_card_not_usable.into(),
    }
}

/// Sends the change to the card's actor; a refused rule comes back as its reason.
async fn change(
    state: &AppState,
    t: &Texts,
    me: &SessionUser,
    id: PermitId,
    change: PermitChange,
) -> Result<Outcome<PermitRow, String>, AppError> {
    Ok(send_change(state, id, Some(me.user.id), me.user.id, change)
        .await?
        .map_refused(|e| refused_text(t, &e)))
}

/// Answers a booking, a cancellation or "Ångra": the fragment for HTMX, else a redirect
/// (done: `flash`, the days just booked and the session to undo travel in the address) or
/// the page again with the reason and what was ticked (refused).
async fn answer(
    ctx: &Ctx,
    state: &AppState,
    me: &SessionUser,
    id: PermitId,
    mut input: CalendarInput,
    msg: CalMsg,
    flash: &str,
) -> Reply {
    let ok = msg.error.is_none() && msg.regnr_error.is_none();
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    // What "Ångra" books comes from `msg` alone: the notice's fields are not carried on.
    input.undo = None;
    if ctx.htmx_fragment {
        let (p, sessions) = load(state, id, me.user.id).await?;
        if ok {
            return Ok(done_fragment(ctx, &p, &sessions, &input, &msg));
        }
        return Ok(fragment(ctx, &p, &sessions, &input, &msg, status));
    }
    if ok {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("m", flash);
        for d in &input.booked {
            query.append_pair("booked", &d.to_string());
        }
        if let Some(u) = &msg.undo {
            u.append_to(&mut query);
        }
        // No fragment in the address: the page's outcome notice takes the focus (and is
        // scrolled to), which a fragment would stop.
        let rest = input.to_query();
        return Ok(crate::web::respond::see_other(&format!(
            "/permits/{id}?{}&{rest}",
            query.finish()
        )));
    }
    day_card_page(ctx, state, me, id, input, msg, status).await
}

/// `POST /permits/{id}/calendar`: month navigation without JavaScript. The buttons submit
/// the booking form, so the number and the ticked days come along; the answer is the page
/// with those choices in its address (a GET that reloads and goes back).
pub async fn navigate(id: web::Path<PermitId>, CalendarPost(input): CalendarPost) -> Reply {
    Ok(crate::web::respond::see_other(&format!(
        "/permits/{}?{}#book-h",
        id.into_inner(),
        input.to_query()
    )))
}

/// `POST /permits/{id}/sessions`: "Skapa session".
pub async fn book(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    id: web::Path<PermitId>,
    CalendarPost(mut input): CalendarPost,
) -> Reply {
    let id = id.into_inner();
    let t = ctx.t();
    let mut msg = CalMsg::default();
    let raw = input.regnr.clone().unwrap_or_default();
    let regnr = RegNumber::parse(&raw, input.foreign)
        .map_err(|e| msg.regnr_error = Some(regnr_error(t, e, input.foreign)))
        .ok();
    if input.bad_day {
        msg.error = Some(t.err_bad_day.into());
    } else if input.days.is_empty() {
        msg.error = Some(t.err_no_days.into());
    }
    // A day on which the car is valid already through a period permit of the user's is not
    // spent (issue #35, 1: "Parkera i dag" must not cost a day the car does not need).
    if let (Some(regnr), None) = (&regnr, &msg.error) {
        let (uid, number, days) = (me.user.id, regnr.as_str().to_string(), input.days.clone());
        let covered = db::query(&state.pool, move |c| {
            let mut covered = Vec::new();
            for day in days {
                let valid = crate::db::check::valid_on(c, &number, day, Some(uid))?;
                if valid.iter().any(|v| !v.day_session) {
                    covered.push(day);
                }
            }
            Ok(covered)
        })
        .await?;
        if !covered.is_empty() {
            let days: Vec<String> = covered.iter().map(|d| d.to_string()).collect();
            msg.error = Some(format!(
                "{} {} {}",
                regnr.as_str(),
                t.err_day_covered,
                days.join(", ")
            ));
        }
    }
    if let (Some(regnr), None) = (regnr, &msg.error) {
        let days = input.days.clone();
        match change(&state, t, me, id, PermitChange::BookDays { regnr, days }).await? {
            Outcome::Done(_) => {
                msg.notice = Some(booked_notice(t, &input.days));
                // Booked days are no longer ticked: the notice names them.
                input.booked = std::mem::take(&mut input.days);
            }
            Outcome::Refused(text) => msg.error = Some(text),
        }
    }
    answer(&ctx, &state, me, id, input, msg, "booked").await
}

/// `POST /permits/{id}/sessions/{day}/cancel`: "Avbryt" on a future session. It is done at
/// once; the notice names the day and offers "Ångra". The ticked days stay.
pub async fn cancel(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    path: web::Path<(PermitId, String)>,
    CalendarPost(input): CalendarPost,
) -> Reply {
    let (id, day) = path.into_inner();
    let t = ctx.t();
    let mut msg = CalMsg::default();
    match NaiveDate::parse_from_str(&day, "%Y-%m-%d") {
        Err(_) => msg.error = Some(t.err_bad_day.into()),
        Ok(day) => {
            // The session as it is before: what "Ångra" books again.
            let (_, sessions) = load(&state, id, me.user.id).await?;
            let undo = sessions.iter().find(|s| s.day == day).map(Undo::of);
            match change(&state, t, me, id, PermitChange::CancelDay { day }).await? {
                Outcome::Done(_) => {
                    msg.notice = Some(match &undo {
                        Some(u) => cancelled_notice(t, u),
                        None => t.session_cancelled.into(),
                    });
                    msg.undo = undo;
                }
                Outcome::Refused(text) => msg.error = Some(text),
            }
        }
    }
    answer(&ctx, &state, me, id, input, msg, "day_cancelled").await
}

/// `POST /permits/{id}/sessions/{day}/restore`: "Ångra" after "Avbryt" books the day again
/// with the number it had, by the same rules as any booking (it may have become today, or
/// the last day may have gone to another booking since).
pub async fn restore(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    path: web::Path<(PermitId, String)>,
    CalendarPost(mut input): CalendarPost,
) -> Reply {
    let (id, day) = path.into_inner();
    let t = ctx.t();
    let mut msg = CalMsg::default();
    let undo = input.undo.take();
    match (NaiveDate::parse_from_str(&day, "%Y-%m-%d"), undo) {
        (Ok(day), Some(u)) if u.day == day => match RegNumber::parse(&u.regnr, u.foreign) {
            Err(e) => msg.error = Some(regnr_error(t, e, u.foreign).into()),
            Ok(regnr) => {
                let days = BTreeSet::from([day]);
                let change_ = PermitChange::BookDays {
                    regnr,
                    days: days.clone(),
                };
                match change(&state, t, me, id, change_).await? {
                    Outcome::Done(_) => {
                        msg.notice = Some(booked_notice(t, &days));
                        input.booked = days;
                    }
                    Outcome::Refused(text) => msg.error = Some(text),
                }
            }
        },
        _ => msg.error = Some(t.err_bad_day.into()),
    }
    answer(&ctx, &state, me, id, input, msg, "booked").await
}
