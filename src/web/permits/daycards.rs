//! The day card on its permit page: days bought, "Återstående dagar", the month calendar with
//! a checkbox per bookable day, "Skapa session" and "Avbryt" on future sessions.
//!
//! One form (`#book-form`) holds the number and the ticked days. With HTMX, month navigation,
//! ticking, "Skapa session" and "Avbryt" swap only `#calendar` (plus the counter at the top,
//! out of band). Without JavaScript the same buttons submit plain forms: month navigation is a
//! GET of the page that keeps the ticked days, the others POST and come back with a redirect.

use crate::domain::PermitId;
use crate::domain::UserId;
use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Datelike, NaiveDate};
use maud::{Markup, html};

use super::{day_card_page, regnr_error, send_change};
use crate::actors::{PermitChange, PermitError, RuleError};
use crate::auth::SessionUser;
use crate::db::daycards::{self, SessionRow};
use crate::db::permits::{self as db_permits, PermitRow};
use crate::db::{self};
use crate::domain::RegNumber;
use crate::domain::daycard::{BookingError, CancelError, Card, Month, Refusal, SessionStatus};
use crate::domain::permit::{State, Status, today};
use crate::domain::permit_actions::Kind;
use crate::i18n::Texts;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, ErrorPage, unreadable_body};
use crate::web::forms::{self, Field, notice, notice_error};

type Data = web::Data<AppState>;

/// More ticked days than this in one request is not a person using the calendar.
const MAX_DAYS_PER_REQUEST: usize = 400;

/// What the calendar form carries: the number, the ticked days and the month shown.
#[derive(Debug, Clone, Default)]
pub struct CalendarInput {
    pub csrf: String,
    /// As typed; `None` when the form was not sent (first view).
    pub regnr: Option<String>,
    pub foreign: bool,
    pub days: BTreeSet<NaiveDate>,
    /// A ticked "day" that was not a date (a tampered form).
    pub bad_day: bool,
    pub month: Option<Month>,
}

impl CalendarInput {
    /// Reads an `application/x-www-form-urlencoded` body or query string. Repeated `day`
    /// fields are the ticked days.
    pub fn parse(raw: &[u8]) -> CalendarInput {
        let mut input = CalendarInput::default();
        for (key, value) in url::form_urlencoded::parse(raw) {
            match key.as_ref() {
                "csrf" => input.csrf = value.into_owned(),
                "regnr" => input.regnr = Some(value.chars().take(40).collect()),
                "foreign" => input.foreign = true,
                "month" => input.month = Month::parse(&value),
                "day" => {
                    if input.days.len() >= MAX_DAYS_PER_REQUEST {
                        input.bad_day = true;
                        continue;
                    }
                    match NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
                        Ok(d) => {
                            input.days.insert(d);
                        }
                        Err(_) => input.bad_day = true,
                    }
                }
                _ => {}
            }
        }
        input
    }
}

/// Messages beside the calendar.
#[derive(Debug, Clone, Default)]
pub struct CalMsg {
    pub notice: Option<&'static str>,
    pub error: Option<String>,
    pub regnr_error: Option<&'static str>,
}

/// The number of the latest session, else the card's own number: what the field starts with.
fn default_regnr(p: &PermitRow, sessions: &[SessionRow]) -> (String, bool) {
    sessions
        .iter()
        .max_by_key(|s| (s.created_at, s.id))
        .map(|s| (s.regnr.clone(), s.foreign_plate))
        .unwrap_or_else(|| (p.regnr.clone(), p.foreign_plate))
}

fn card_of(p: &PermitRow, sessions: &[SessionRow]) -> Card {
    Card {
        first_day: p.start_date,
        last_day: p.end_date,
        days_bought: u32::try_from(p.days_bought.unwrap_or(0)).unwrap_or(0),
        booked: sessions.iter().map(|s| s.day).collect(),
    }
}

/// The counter at the top; `oob` marks it for an out-of-band swap.
fn days_left(p: &PermitRow, oob: bool) -> Markup {
    let left = (p.days_bought.unwrap_or(0) - p.days_used).max(0);
    html! { strong #days-left hx-swap-oob=[oob.then_some("true")] { (left) } }
}

/// The top of the day-card page: days bought, days left and today's session.
pub fn top(ctx: &Ctx, p: &PermitRow, sessions: &[SessionRow]) -> Markup {
    let t = ctx.t();
    let today = today(chrono::Utc::now());
    html! {
        dl.card.counters {
            dt { (t.days_bought_label) } dd { (p.days_bought.unwrap_or(0)) }
            dt { (t.days_left_label) } dd { (days_left(p, false)) }
            @if let Some(s) = sessions.iter().find(|s| s.day == today) {
                dt { (t.today_session) } dd { (s.regnr) }
            }
        }
    }
}

/// Whether the card can take bookings (paid and not yet over).
pub fn bookable_card(p: &PermitRow) -> bool {
    p.state == State::Paid && p.end_date >= today(chrono::Utc::now())
}

/// The booking form around the calendar, and the two empty forms its navigation and
/// "Avbryt" buttons belong to (so that Enter in the number field means "Skapa session").
pub fn section(
    ctx: &Ctx,
    me: &SessionUser,
    p: &PermitRow,
    sessions: &[SessionRow],
    input: &CalendarInput,
    msg: &CalMsg,
) -> Markup {
    let t = ctx.t();
    html! {
        section aria-labelledby="book-h" {
            h2 #book-h { (t.book_heading) }
            p { (t.book_intro) }
            form #book-form method="post" action={ "/permits/" (p.id) "/sessions" } novalidate
                hx-post={ "/permits/" (p.id) "/sessions" } hx-target="#calendar" hx-swap="outerHTML" {
                input type="hidden" name="csrf" value=(me.csrf_token);
                (calendar(ctx, p, sessions, input, msg))
            }
            form #cal-nav method="get" action={ "/permits/" (p.id) } {}
            form #cal-cancel method="post" action={ "/permits/" (p.id) "/sessions" } {
                input type="hidden" name="csrf" value=(me.csrf_token);
            }
        }
    }
}

fn month_name(t: &Texts, m: &Month) -> String {
    let idx = m.first.month0() as usize;
    format!("{} {}", t.months[idx.min(11)], m.first.year())
}

fn status_text(ctx: &Ctx, s: SessionStatus) -> &'static str {
    let shown = match s {
        SessionStatus::Issued => Status::Issued,
        SessionStatus::Active => Status::Active,
        SessionStatus::Used => return ctx.t().session_used,
    };
    crate::i18n::status(ctx.lang, shown)
}

/// The calendar fragment: what every HTMX answer of this page swaps.
pub fn calendar(
    ctx: &Ctx,
    p: &PermitRow,
    sessions: &[SessionRow],
    input: &CalendarInput,
    msg: &CalMsg,
) -> Markup {
    let t = ctx.t();
    let today = today(chrono::Utc::now());
    let card = card_of(p, sessions);
    let initial = Month::initial(p.start_date, p.end_date, today);
    let month = input
        .month
        .clone()
        .filter(|m| m.overlaps(p.start_date.min(today), p.end_date))
        .unwrap_or(initial);
    let booked: BTreeMap<NaiveDate, &SessionRow> = sessions.iter().map(|s| (s.day, s)).collect();
    let (default_number, default_foreign) = default_regnr(p, sessions);
    let (number, foreign) = match &input.regnr {
        Some(typed) => (typed.clone(), input.foreign),
        None => (default_number, default_foreign),
    };
    let open = bookable_card(p);
    let ticked: BTreeSet<NaiveDate> = input
        .days
        .iter()
        .copied()
        .filter(|d| card.bookable(*d, today))
        .collect();
    let base = format!("/permits/{}", p.id);
    let nav = |m: Option<Month>, label: &str, class: &str| {
        html! {
            @if let Some(m) = m {
                button.secondary.small class=(class) type="submit" form="cal-nav" name="month" value=(m.key())
                    hx-get={ (base) "/calendar?month=" (m.key()) } hx-include="#book-form"
                    hx-target="#calendar" hx-swap="outerHTML" { (label) }
            } @else { span {} }
        }
    };
    let prev = month
        .previous()
        .filter(|m| m.last() >= p.start_date.min(today));
    let next = month.next().filter(|m| m.first <= p.end_date);
    html! {
        div #calendar {
            @if let Some(n) = msg.notice { (notice(n)) }
            @if let Some(e) = &msg.error { (notice_error(e)) }
            @if open {
                (forms::input(Field::new("regnr", t.regnr_label, "text").value(&number).error(msg.regnr_error).autocomplete("off")))
                div.check {
                    input #day-foreign type="checkbox" name="foreign" value="yes" checked[foreign];
                    label for="day-foreign" { (t.foreign_label) }
                }
            }
            input type="hidden" name="month" value=(month.key());
            div.cal-nav {
                (nav(prev, t.prev_month, "prev"))
                h3 #cal-caption aria-live="polite" { (month_name(t, &month)) }
                (nav(next, t.next_month, "next"))
            }
            table.cal aria-labelledby="cal-caption" {
                thead { tr { @for (short, long) in t.weekdays.iter().zip(t.weekdays_long.iter()) { th scope="col" abbr=(long) { (short) } } } }
                tbody {
                    @for week in &month.weeks {
                        tr {
                            @for cell in week {
                                @match cell {
                                    None => { td {} }
                                    Some(day) => {
                                        @if let Some(s) = booked.get(day) {
                                            @let status = SessionStatus::of(*day, today);
                                            td.booked.used[status == SessionStatus::Used] {
                                                span.num id={ "s" (day) } { (day.day()) span.sr-only { " " (day) } }
                                                span.tag { (status_text(ctx, status)) }
                                                span.plate { (s.regnr) }
                                                @if status == SessionStatus::Issued && open {
                                                    button.small.secondary type="submit" form="cal-cancel"
                                                        formaction={ (base) "/sessions/" (day) "/cancel" }
                                                        hx-post={ (base) "/sessions/" (day) "/cancel" } hx-include="#book-form"
                                                        hx-target="#calendar" hx-swap="outerHTML"
                                                        aria-describedby={ "s" (day) } { (t.cancel_session) }
                                                }
                                            }
                                        } @else if open && card.bookable(*day, today) {
                                            td.free.today[*day == today] {
                                                input id={ "d" (day) } type="checkbox" name="day" value=(day) checked[ticked.contains(day)]
                                                    hx-get={ (base) "/calendar" } hx-trigger="change" hx-include="#book-form"
                                                    hx-target="#calendar" hx-swap="outerHTML" hx-sync="#book-form:replace";
                                                label for={ "d" (day) } { span.num { (day.day()) } span.sr-only { " " (day) } }
                                            }
                                        } @else {
                                            td.off { span.num { (day.day()) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @for d in ticked.iter().filter(|d| d.year() != month.first.year() || d.month() != month.first.month()) {
                input type="hidden" name="day" value=(d);
            }
            @if open {
                p { (t.chosen_days) ": " strong #chosen { (ticked.len()) } " · " (t.days_left_label) ": " (card.days_left()) }
                button type="submit" { (t.create_session) }
            }
        }
    }
}

/// The calendar as HTMX wants it: the fragment plus the counter out of band.
fn fragment(
    ctx: &Ctx,
    p: &PermitRow,
    sessions: &[SessionRow],
    input: &CalendarInput,
    msg: &CalMsg,
    status: StatusCode,
) -> HttpResponse {
    let body = html! {
        (calendar(ctx, p, sessions, input, msg))
        (days_left(p, true))
    };
    crate::web::respond::html(status, body)
}

async fn load(
    state: &AppState,
    id: PermitId,
    user_id: UserId,
) -> Result<(PermitRow, Vec<SessionRow>), AppError> {
    db::query(&state.pool, move |c| {
        let Some(p) = db_permits::owned(c, id, user_id)? else {
            return Ok(None);
        };
        if p.kind != Kind::Day {
            return Ok(None);
        }
        let sessions = daycards::sessions(c, id)?;
        Ok(Some((p, sessions)))
    })
    .await?
    .ok_or(AppError::NotFound)
}

/// `GET /permits/{id}/calendar`: month navigation and ticking. HTMX gets the fragment; a
/// plain request goes to the page with the same choices.
pub async fn calendar_fragment(
    ctx: Ctx,
    state: Data,
    id: web::Path<PermitId>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    let id = id.into_inner();
    let (p, sessions) = load(&state, id, me.user.id).await?;
    let input = CalendarInput::parse(req.query_string().as_bytes());
    if !ctx.htmx_fragment {
        return Ok(crate::web::respond::see_other(&format!(
            "/permits/{id}?{}",
            req.query_string()
        )));
    }
    Ok(fragment(
        &ctx,
        &p,
        &sessions,
        &input,
        &CalMsg::default(),
        StatusCode::OK,
    ))
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
) -> Result<Result<PermitRow, String>, AppError> {
    Ok(send_change(state, id, Some(me.user.id), me.user.id, change)
        .await?
        .map_err(|e| refused_text(t, &e)))
}

/// Answers a booking or cancellation: the fragment for HTMX, else a redirect (done) or the
/// page again with the reason and what was ticked (refused).
async fn answer(
    ctx: &Ctx,
    state: &AppState,
    me: &SessionUser,
    id: PermitId,
    mut input: CalendarInput,
    msg: CalMsg,
    flash: &str,
) -> Result<HttpResponse, AppError> {
    let ok = msg.error.is_none() && msg.regnr_error.is_none();
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    if ok {
        // Booked days are no longer ticked.
        input.days.clear();
    }
    if ctx.htmx_fragment {
        let (p, sessions) = load(state, id, me.user.id).await?;
        return Ok(fragment(ctx, &p, &sessions, &input, &msg, status));
    }
    if ok {
        let month = input.month.map(|m| m.key()).unwrap_or_default();
        return Ok(crate::web::respond::see_other(&format!(
            "/permits/{id}?m={flash}&month={month}"
        )));
    }
    day_card_page(ctx, state, me, id, input, msg, status).await
}

/// The calendar form as posted, its CSRF token checked; a body that cannot be read is the
/// form's error page.
fn posted(
    me: &SessionUser,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<Result<CalendarInput, HttpResponse>, AppError> {
    let body = match body {
        Ok(b) => b,
        Err(e) => return Ok(Err(unreadable_body(&e, ErrorPage::FORM))),
    };
    let input = CalendarInput::parse(&body);
    me.check_csrf(&input.csrf)?;
    Ok(Ok(input))
}

/// `POST /permits/{id}/sessions`: "Skapa session".
pub async fn book(
    ctx: Ctx,
    state: Data,
    id: web::Path<PermitId>,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    let input = match posted(me, body)? {
        Ok(input) => input,
        Err(page) => return Ok(page),
    };
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
    if let (Some(regnr), None) = (regnr, &msg.error) {
        let days = input.days.clone();
        match change(&state, t, me, id, PermitChange::BookDays { regnr, days }).await? {
            Ok(_) => msg.notice = Some(t.sessions_booked),
            Err(text) => msg.error = Some(text),
        }
    }
    answer(&ctx, &state, me, id, input, msg, "booked").await
}

/// `POST /permits/{id}/sessions/{day}/cancel`: "Avbryt" on a future session.
pub async fn cancel(
    ctx: Ctx,
    state: Data,
    path: web::Path<(PermitId, String)>,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    let input = match posted(me, body)? {
        Ok(input) => input,
        Err(page) => return Ok(page),
    };
    let (id, day) = path.into_inner();
    let t = ctx.t();
    let mut msg = CalMsg::default();
    match NaiveDate::parse_from_str(&day, "%Y-%m-%d") {
        Err(_) => msg.error = Some(t.err_bad_day.into()),
        Ok(day) => match change(&state, t, me, id, PermitChange::CancelDay { day }).await? {
            Ok(_) => msg.notice = Some(t.session_cancelled),
            Err(text) => msg.error = Some(text),
        },
    }
    answer(&ctx, &state, me, id, input, msg, "day_cancelled").await
}
