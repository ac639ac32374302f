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
use crate::i18n::{Texts, day_in_words};
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
    /// A booked day whose "Avbryt" was pressed: the calendar asks to confirm.
    pub cancel: Option<NaiveDate>,
    /// The days just booked (after the redirect of a booking without JavaScript).
    pub booked: BTreeSet<NaiveDate>,
}

impl CalendarInput {
    /// Reads an `application/x-www-form-urlencoded` body or query string. Repeated `day`
    /// fields are the ticked days.
    pub fn parse(raw: &[u8]) -> CalendarInput {
        let mut input = CalendarInput::default();
        // The month a navigation button asks for wins over the month the form was showing.
        let mut go = None;
        for (key, value) in url::form_urlencoded::parse(raw) {
            match key.as_ref() {
                "csrf" => input.csrf = value.into_owned(),
                "regnr" => input.regnr = Some(value.chars().take(40).collect()),
                "foreign" => input.foreign = true,
                "month" => input.month = Month::parse(&value),
                "go" => go = Month::parse(&value),
                "cancel" => input.cancel = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok(),
                "booked" => {
                    if let Ok(d) = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
                        && input.booked.len() < MAX_DAYS_PER_REQUEST
                    {
                        input.booked.insert(d);
                    }
                }
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
        if go.is_some() {
            input.month = go;
        }
        input
    }

    /// The choices as a query string for the page (never the CSRF token: it does not
    /// belong in an address).
    pub fn to_query(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if let Some(m) = &self.month {
            q.append_pair("month", &m.key());
        }
        if let Some(r) = &self.regnr {
            q.append_pair("regnr", r);
        }
        if self.foreign {
            q.append_pair("foreign", "yes");
        }
        for d in &self.days {
            q.append_pair("day", &d.to_string());
        }
        if let Some(d) = self.cancel {
            q.append_pair("cancel", &d.to_string());
        }
        q.finish()
    }
}

/// "Dagarna har bokats. Bokade dagar: onsdag 3 december, torsdag 4 december."
pub fn booked_notice(t: &Texts, days: &BTreeSet<NaiveDate>) -> String {
    let list: Vec<String> = days.iter().map(|d| day_in_words(t, *d)).collect();
    format!(
        "{} {}: {}.",
        t.sessions_booked,
        t.booked_days,
        list.join(", ")
    )
}

/// Messages beside the calendar.
#[derive(Debug, Clone, Default)]
pub struct CalMsg {
    pub notice: Option<String>,
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

/// The booking form around the calendar, and the empty form the confirmed "Avbryt" belongs
/// to. Month navigation and "Avbryt" submit the booking form itself (to `/calendar`), so
/// nothing ticked is lost without JavaScript.
pub fn section(
    ctx: &Ctx,
    me: &SessionUser,
    p: &PermitRow,
    sessions: &[SessionRow],
    input: &CalendarInput,
    msg: &CalMsg,
) -> Markup {
    let t = ctx.t();
    let open = bookable_card(p);
    html! {
        section aria-labelledby="book-h" {
            h2 #book-h { (t.book_heading) }
            p { (t.book_intro) }
            form #book-form method="post" action={ "/permits/" (p.id) "/sessions" } novalidate
                hx-post={ "/permits/" (p.id) "/sessions" } hx-target="#calendar" hx-swap="outerHTML" {
                input type="hidden" name="csrf" value=(me.csrf_token);
                (calendar(ctx, p, sessions, input, msg))
                (summary(ctx, p, sessions, input, false))
                @if open { button type="submit" { (t.create_session) } }
            }
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

/// The ticked days that can still be booked.
fn ticked(card: &Card, input: &CalendarInput, today: NaiveDate) -> BTreeSet<NaiveDate> {
    input
        .days
        .iter()
        .copied()
        .filter(|d| card.bookable(*d, today))
        .collect()
}

/// The count of chosen days against the days left, and a warning when they are more; a live
/// region outside the swapped calendar, so a screen reader hears each change once.
fn summary(
    ctx: &Ctx,
    p: &PermitRow,
    sessions: &[SessionRow],
    input: &CalendarInput,
    oob: bool,
) -> Markup {
    let t = ctx.t();
    let today = today(chrono::Utc::now());
    let card = card_of(p, sessions);
    let chosen = ticked(&card, input, today).len();
    let left = card.days_left() as usize;
    html! {
        div #cal-summary aria-live="polite" hx-swap-oob=[oob.then_some("true")] {
            @if bookable_card(p) {
                p { (t.chosen_days) ": " strong #chosen { (chosen) } " · " (t.days_left_label) ": " (left) }
                @if chosen > left { p.field-error #too-many { (t.too_many_days) } }
            }
        }
    }
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
    let ticked = ticked(&card, input, today);
    let base = format!("/permits/{}", p.id);
    let in_month =
        |d: &NaiveDate| d.year() == month.first.year() && d.month() == month.first.month();
    // A button of the booking form that shows the calendar again with one choice changed:
    // without JavaScript it posts the form to `/calendar` (then a GET of the page), with
    // HTMX it swaps the calendar (the GET carries the calendar's fields, not the token).
    let again = |name: &str, value: String, label: &str, class: &str, extra: &str| {
        html! {
            button type="submit" class=(class) name=(name) value=(value)
                formaction={ (base) "/calendar" } formnovalidate
                hx-get={ (base) "/calendar?" (name) "=" (value) (extra) } hx-include="#calendar"
                hx-target="#calendar" hx-swap="outerHTML" { (label) }
        }
    };
    let nav = |m: Option<Month>, label: &str, class: &str| match m {
        Some(m) => again(
            "go",
            m.key(),
            label,
            &format!("secondary small {class}"),
            "",
        ),
        None => html! { span {} },
    };
    let prev = month
        .previous()
        .filter(|m| m.last() >= p.start_date.min(today));
    let next = month.next().filter(|m| m.first <= p.end_date);
    let confirming = input.cancel.filter(|d| {
        open && booked.contains_key(d) && SessionStatus::of(*d, today) == SessionStatus::Issued
    });
    let month_sessions: Vec<&SessionRow> = sessions.iter().filter(|s| in_month(&s.day)).collect();
    html! {
        div #calendar {
            // Enter in the number field means "Skapa session", not the first month button.
            @if open {
                button.sr-only type="submit" tabindex="-1" aria-hidden="true" {}
            }
            @if let Some(n) = &msg.notice { (notice(n)) }
            @if let Some(e) = &msg.error { (notice_error(e)) }
            @if let Some(day) = confirming {
                @let plate = booked.get(&day).map(|s| s.regnr.as_str()).unwrap_or_default();
                div.confirm.danger-zone role="group" aria-labelledby="cancel-q" {
                    p #cancel-q { strong { (t.cancel_confirm) " " (day_in_words(t, day)) " (" (plate) ")?" } }
                    p { (t.cancel_confirm_body) }
                    div.actions {
                        button.danger type="submit" form="cal-cancel" autofocus
                            formaction={ (base) "/sessions/" (day) "/cancel" }
                            hx-post={ (base) "/sessions/" (day) "/cancel" } hx-include="#book-form"
                            hx-target="#calendar" hx-swap="outerHTML" { (t.cancel_yes) }
                        (again("go", month.key(), t.cancel_no, "secondary", ""))
                    }
                }
            }
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
                                            td.booked.used[status == SessionStatus::Used].today[*day == today] {
                                                span.num { (day.day()) }
                                                span.sr-only { " " (day_in_words(t, *day)) ": " (status_text(ctx, status)) ", " (s.regnr) }
                                            }
                                        } @else if open && card.bookable(*day, today) {
                                            td.free.today[*day == today] {
                                                label.day for={ "d" (day) } {
                                                    input id={ "d" (day) } type="checkbox" name="day" value=(day) checked[ticked.contains(day)]
                                                        hx-get={ (base) "/calendar" } hx-trigger="change" hx-include="#calendar"
                                                        hx-target="#calendar" hx-swap="outerHTML" hx-sync="#book-form:replace";
                                                    span.num { (day.day()) }
                                                    span.sr-only { " " (day_in_words(t, *day)) }
                                                }
                                            }
                                        } @else {
                                            td.off.today[*day == today] { span.num { (day.day()) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            ul.cal-legend aria-label=(t.legend_label) {
                @if open { li { span.key.free {} (t.legend_free) } }
                li { span.key.booked {} (t.legend_booked) }
                li { span.key.today {} (t.legend_today) }
                li { span.key.off {} (t.legend_off) }
            }
            @for d in ticked.iter().filter(|d| !in_month(d)) {
                input type="hidden" name="day" value=(d);
            }
            h3 #booked-h { (t.booked_days) " – " (month_name(t, &month)) }
            @if month_sessions.is_empty() {
                p.muted { (t.no_booked_in_month) }
            } @else {
                ul.booked-list aria-labelledby="booked-h" {
                    @for s in &month_sessions {
                        @let status = SessionStatus::of(s.day, today);
                        li {
                            span.when { (day_in_words(t, s.day)) }
                            span.plate { (s.regnr) }
                            span.tag.used[status == SessionStatus::Used] { (status_text(ctx, status)) }
                            @if status == SessionStatus::Issued && open {
                                (again("cancel", s.day.to_string(), t.cancel_session, "danger-outline small", &format!("&go={}", month.key())))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The calendar as HTMX wants it: the fragment plus the counter and the summary out of band.
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
        (summary(ctx, p, sessions, input, true))
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
    // Booked days are no longer ticked (the notice names them); after a cancellation the
    // ticks stay.
    let booked = if ok && flash == "booked" {
        std::mem::take(&mut input.days)
    } else {
        BTreeSet::new()
    };
    input.cancel = None;
    if ctx.htmx_fragment {
        let (p, sessions) = load(state, id, me.user.id).await?;
        return Ok(fragment(ctx, &p, &sessions, &input, &msg, status));
    }
    if ok {
        input.booked = booked;
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("m", flash);
        for d in &input.booked {
            query.append_pair("booked", &d.to_string());
        }
        let rest = input.to_query();
        return Ok(crate::web::respond::see_other(&format!(
            "/permits/{id}?{}&{rest}#book-h",
            query.finish()
        )));
    }
    day_card_page(ctx, state, me, id, input, msg, status).await
}

/// `POST /permits/{id}/calendar`: month navigation and "Avbryt" without JavaScript. The
/// buttons submit the booking form, so the number and the ticked days come along; the
/// answer is the page with those choices in its address (a GET that reloads and goes back).
pub async fn navigate(
    ctx: Ctx,
    id: web::Path<PermitId>,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    let input = match posted(me, body)? {
        Ok(input) => input,
        Err(page) => return Ok(page),
    };
    let anchor = if input.cancel.is_some() {
        "cancel-q"
    } else {
        "book-h"
    };
    Ok(crate::web::respond::see_other(&format!(
        "/permits/{}?{}#{anchor}",
        id.into_inner(),
        input.to_query()
    )))
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
            Ok(_) => msg.notice = Some(booked_notice(t, &input.days)),
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
            Ok(_) => msg.notice = Some(t.session_cancelled.into()),
            Err(text) => msg.error = Some(text),
        },
    }
    answer(&ctx, &state, me, id, input, msg, "day_cancelled").await
}
