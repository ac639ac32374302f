//! The day card's views: the counters, the booking form with its calendar, the booked days,
//! the confirm step of "Avbryt", and the summary of chosen days.

use super::*;

/// The number of the latest session, else the card's own number: what the field starts with.
pub(super) fn default_regnr(p: &PermitRow, sessions: &[SessionRow]) -> (String, bool) {
    sessions
        .iter()
        .max_by_key(|s| (s.created_at, s.id))
        .map(|s| (s.regnr.clone(), s.foreign_plate))
        .unwrap_or_else(|| (p.regnr.clone(), p.foreign_plate))
}

pub(super) fn card_of(p: &PermitRow, sessions: &[SessionRow]) -> Card {
    Card {
        first_day: p.start_date,
        last_day: p.end_date,
        days_bought: u32::try_from(p.days_bought.unwrap_or(0)).unwrap_or(0),
        booked: sessions.iter().map(|s| s.day).collect(),
    }
}

/// The counter at the top; `oob` marks it for an out-of-band swap.
pub(super) fn days_left(p: &PermitRow, oob: bool) -> Markup {
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

/// "Köp fler dagar": the wizard filled in with the card's type, car park and number.
pub(super) fn buy_more_href(p: &PermitRow) -> String {
    let regnr: String = url::form_urlencoded::byte_serialize(p.regnr.as_bytes()).collect();
    format!(
        "/permits/new?type={}&car_park={}&regnr={regnr}",
        p.permit_type_id, p.car_park_id
    )
}

/// The one action that turns a running day card's "no" today into a "yes" (issue #35, 1), on
/// Hem and at the top of its page: "Parkera i dag (ABC123)" and "Parkera i morgon (ABC123)"
/// while days are left and today is not booked; at 0 days left, "Köp fler dagar" (the
/// wizard filled in with the car park and the number).
pub fn park_buttons(ctx: &Ctx, me: &SessionUser, p: &PermitRow, booked_today: bool) -> Markup {
    let t = ctx.t();
    let today = today(chrono::Utc::now());
    let running = p.kind == Kind::Day
        && p.state == State::Paid
        && p.start_date <= today
        && today <= p.end_date;
    let left = p
        .days_bought
        .map_or(0, |bought| (bought - p.days_used).max(0));
    let tomorrow = today.succ_opt().filter(|d| *d <= p.end_date);
    let day_form = |day: NaiveDate, words: &str, class: Option<&str>| {
        html! {
            form method="post" action={ "/permits/" (p.id) "/sessions" } {
                input type="hidden" name="csrf" value=(me.csrf_token);
                input type="hidden" name="regnr" value=(p.regnr);
                @if p.foreign_plate { input type="hidden" name="foreign" value="yes"; }
                input type="hidden" name="day" value=(day);
                button type="submit" class=[class] { (words) " (" (p.regnr) ")" }
            }
        }
    };
    html! {
        @if running && left == 0 {
            a.button href=(buy_more_href(p)) { (t.buy_more_days) }
        } @else if running && !booked_today {
            (day_form(today, t.park_today, None))
            @if let Some(tomorrow) = tomorrow { (day_form(tomorrow, t.park_tomorrow, Some("secondary"))) }
        }
    }
}

/// Whether the card can take bookings (paid and not yet over).
pub fn bookable_card(p: &PermitRow) -> bool {
    p.state == State::Paid && p.end_date >= today(chrono::Utc::now())
}

/// The booking form around the calendar. Month navigation, "Avbryt" and "Ångra" submit the
/// booking form itself, so nothing ticked is lost without JavaScript.
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
            form #book-form method="post" action={ "/permits/" (p.id) "/sessions" } novalidate
                hx-post={ "/permits/" (p.id) "/sessions" } hx-target="#calendar" hx-swap="outerHTML" {
                input type="hidden" name="csrf" value=(me.csrf_token);
                (calendar(ctx, p, sessions, input, msg))
                // Sticky at the foot of the screen while the calendar is in view: booking
                // needs no scrolling (issue #35, 5).
                div.book-bar {
                    (summary(ctx, p, sessions, input, false))
                    @if open { button type="submit" { (t.create_session) } }
                }
            }
            p.hint { (t.book_intro) }
            // Outside the swapped calendar: it never changes, so no swap carries it again.
            ul.cal-legend aria-label=(t.legend_label) {
                @if open { li { span.key.free {} (t.legend_free) } }
                li { span.key.booked {} (t.legend_booked) }
                li { span.key.today {} (t.legend_today) }
                li { span.key.off {} (t.legend_off) }
            }
            @if open {
                p { a href={ "/permits/" (p.id) "/pattern" } { (t.pattern_heading) } " – " (t.pattern_link_hint) }
            }
            // More days for the same car park and car, the wizard filled in (issue #35, 5).
            p { a.button.secondary href=(buy_more_href(p)) { (t.buy_more_days) } }
        }
    }
}

pub(super) fn month_name(t: &Texts, m: &Month) -> String {
    let idx = m.first.month0() as usize;
    format!("{} {}", t.months[idx.min(11)], m.first.year())
}

pub(super) fn status_text(ctx: &Ctx, s: SessionStatus) -> &'static str {
    let shown = match s {
        SessionStatus::Issued => Status::Issued,
        SessionStatus::Active => Status::Active,
        SessionStatus::Used => return ctx.t().session_used,
    };
    crate::i18n::status(ctx.lang, shown)
}

/// The ticked days that can still be booked.
pub(super) fn ticked(card: &Card, input: &CalendarInput, today: NaiveDate) -> BTreeSet<NaiveDate> {
    input
        .days
        .iter()
        .copied()
        .filter(|d| card.bookable(*d, today))
        .collect()
}

/// The count of chosen days against the days left, and a warning when they are more; a live
/// region outside the swapped calendar, so a screen reader hears each change once.
pub(super) fn summary(
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
                @if chosen > left {
                    p.field-error #too-many { (t.too_many_days) " "
                        a href=(buy_more_href(p)) { (t.buy_more_days) } }
                }
            }
        }
    }
}

/// What the calendar shows, worked out once for its parts.
struct Shown<'a> {
    today: NaiveDate,
    card: Card,
    month: Month,
    booked: BTreeMap<NaiveDate, &'a SessionRow>,
    open: bool,
    ticked: BTreeSet<NaiveDate>,
    base: String,
}

impl<'a> Shown<'a> {
    fn of(p: &PermitRow, sessions: &'a [SessionRow], input: &CalendarInput) -> Shown<'a> {
        let today = today(chrono::Utc::now());
        let card = card_of(p, sessions);
        let initial = Month::initial(p.start_date, p.end_date, today);
        let month = input
            .month
            .clone()
            .filter(|m| m.overlaps(p.start_date.min(today), p.end_date))
            .unwrap_or(initial);
        let ticked = ticked(&card, input, today);
        Shown {
            today,
            month,
            booked: sessions.iter().map(|s| (s.day, s)).collect(),
            open: bookable_card(p),
            ticked,
            card,
            base: format!("/permits/{}", p.id),
        }
    }

    fn in_month(&self, d: &NaiveDate) -> bool {
        d.year() == self.month.first.year() && d.month() == self.month.first.month()
    }
}

/// The calendar: the messages, the number, the legend and the month. Booking, "Avbryt" and
/// "Ångra" swap all of it; month navigation and ticking only the month ([`month_part`]).
pub fn calendar(
    ctx: &Ctx,
    p: &PermitRow,
    sessions: &[SessionRow],
    input: &CalendarInput,
    msg: &CalMsg,
) -> Markup {
    let t = ctx.t();
    let shown = Shown::of(p, sessions, input);
    let (default_number, default_foreign) = default_regnr(p, sessions);
    let (number, foreign) = match &input.regnr {
        Some(typed) => (typed.clone(), input.foreign),
        None => (default_number, default_foreign),
    };
    let (open, base) = (shown.open, &shown.base);
    html! {
        div #calendar {
            // Enter in the number field means "Skapa session", not the first month button.
            @if open {
                button.sr-only type="submit" tabindex="-1" aria-hidden="true" {}
            }
            (messages(ctx, msg, open, base, false))
            // The days first, then the car (filled in with the last one used).
            (month_part(ctx, sessions, &shown))
            @if open {
                (forms::input(Field::new("regnr", t.regnr_label, "text").value(&number).error(msg.regnr_error).plate(t)))
                div.check {
                    input #day-foreign type="checkbox" name="foreign" value="yes" checked[foreign];
                    label for="day-foreign" { (t.foreign_label) }
                }
            }
        }
    }
}

/// The month: its buttons, the days and the days booked in it. What month navigation and
/// ticking swap (`#cal-month`): the number, the legend and the messages stay as they are.
fn month_part(ctx: &Ctx, sessions: &[SessionRow], shown: &Shown) -> Markup {
    let t = ctx.t();
    let Shown {
        today,
        card,
        month,
        booked,
        open,
        ticked,
        base,
    } = shown;
    let (today, open) = (*today, *open);
    // (Not `td.today[…]`, which writes `class=""` on every other day.)
    let today_class = |d: NaiveDate| (d == today).then_some("today");
    // A month button of the booking form: without JavaScript it posts the form to
    // `/calendar` (then a GET of the page), with HTMX it swaps the month (the GET carries
    // the calendar's fields, not the token; what and where it swaps it inherits).
    let nav = |m: Option<Month>, label: &str, class: &str| match m {
        Some(m) => html! {
            button type="submit" class={ "secondary small " (class) } name="go" value=(m.key())
                formaction={ (base) "/calendar" } formnovalidate
                hx-get={ (base) "/calendar?go=" (m.key()) } { (label) }
        },
        None => html! { span {} },
    };
    let start = card.first_day.min(today);
    let prev = month.previous().filter(|m| m.last() >= start);
    let next = month.next().filter(|m| m.first <= card.last_day);
    let month_sessions: Vec<&SessionRow> =
        sessions.iter().filter(|s| shown.in_month(&s.day)).collect();
    html! {
        // The month's htmx requests (its buttons, the table) send the calendar's fields and
        // swap the month: said once here, inherited below.
        div #cal-month hx-include="#calendar" hx-target="#cal-month" hx-swap="outerHTML" {
            input type="hidden" name="month" value=(month.key());
            div.cal-nav {
                (nav(prev, t.prev_month, "prev"))
                h3 #cal-caption aria-live="polite" { (month_name(t, month)) }
                (nav(next, t.next_month, "next"))
            }
            // A ticked or unticked day (the change bubbles up to the table) asks for the
            // month again with the days chosen: one set of htmx attributes, not one per day.
            // Cells: a day that cannot be booked is a plain cell with its number; a free
            // day's label holds its box (so needs no `for`) and names the day in words and as
            // YYYY-MM-DD (CONTRACT.md); the box's id (`d` and the day of the month, unique on
            // the page) is for htmx, which gives focus back to the element of the same id
            // after a swap.
            table.cal aria-labelledby="cal-caption"
                hx-get={ (base) "/calendar" } hx-trigger="change" hx-sync="#book-form:replace" {
                // (A `th` of the `thead` is a column's header without `scope`.)
                thead { tr { @for (short, long) in t.weekdays.iter().zip(t.weekdays_long.iter()) { th abbr=(long) { (short) } } } }
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
                                                (day.day())
                                                span.sr-only { " " (day_in_words(t, *day)) ", " (day) ": " (status_text(ctx, status)) ", " (s.regnr) }
                                            }
                                        } @else if open && card.bookable(*day, today) {
                                            td class=[today_class(*day)] {
                                                label {
                                                    input id={ "d" (day.day()) } type="checkbox" name="day" value=(day) checked[ticked.contains(day)];
                                                    (day.day())
                                                    span.sr-only { " " (day_in_words(t, *day)) ", " (day) }
                                                }
                                            }
                                        } @else {
                                            td class=[today_class(*day)] { (day.day()) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @for d in ticked.iter().filter(|d| !shown.in_month(d)) {
                input type="hidden" name="day" value=(d);
            }
            h3 #booked-h { (t.booked_days) " – " (month_name(t, month)) }
            @if month_sessions.is_empty() {
                p.muted { (t.no_booked_in_month) }
            } @else {
                ul.booked-list aria-labelledby="booked-h" {
                    @for s in &month_sessions {
                        @let status = SessionStatus::of(s.day, today);
                        li {
                            span.when { (day_in_words(t, s.day)) span.sr-only { ", " (s.day) } }
                            span.plate { (s.regnr) }
                            span.tag.used[status == SessionStatus::Used] { (status_text(ctx, status)) }
                            @if status == SessionStatus::Issued && open {
                                // Named with its day ("Avbryt tisdag 8 december"), so a screen
                                // reader's list of buttons tells them apart; the visible word
                                // begins the name (WCAG 2.5.3, label in name).
                                button.danger-outline.small type="submit" aria-label={ (t.cancel_session) " " (day_in_words(t, s.day)) } formaction={ (base) "/sessions/" (s.day) "/cancel" } formnovalidate
                                    hx-post={ (base) "/sessions/" (s.day) "/cancel" }
                                    hx-target="#calendar" hx-swap="outerHTML" { (t.cancel_session) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The outcome of the last booking, cancellation or "Ångra" (`oob`: swapped in by id, beside
/// the month).
fn messages(ctx: &Ctx, msg: &CalMsg, open: bool, base: &str, oob: bool) -> Markup {
    let t = ctx.t();
    html! {
        div #cal-msgs hx-swap-oob=[oob.then_some("true")] {
            @if let Some(n) = &msg.notice { (forms::outcome(n, false)) }
            // Right after "Avbryt": the day back, or one press books it again (the same
            // rules as any booking). Its fields go with this form only while it is shown.
            @if let Some(u) = msg.undo.as_ref().filter(|_| open) {
                div.undo {
                    input type="hidden" name="undo_day" value=(u.day);
                    input type="hidden" name="undo_regnr" value=(u.regnr);
                    @if u.foreign { input type="hidden" name="undo_foreign" value="yes"; }
                    button.secondary.small type="submit" formaction={ (base) "/sessions/" (u.day) "/restore" } formnovalidate
                        hx-post={ (base) "/sessions/" (u.day) "/restore" }
                        hx-target="#calendar" hx-swap="outerHTML" { (t.undo_cancel) }
                }
            }
            @if let Some(e) = &msg.error { (forms::outcome(e, true)) }
        }
    }
}

/// A booking, cancellation or "Ångra" that went through, as HTMX wants it: only the month
/// (the number field and the rest of the form stay as they are), its outcome, the summary and
/// the counter out of band. The swap's target is moved to the month (`HX-Retarget`): the whole
/// calendar again would carry the form's fields for nothing, and grows past the 2 KB budget of
/// a swap early in a month, when every day is still bookable.
pub(super) fn done_fragment(
    ctx: &Ctx,
    p: &PermitRow,
    sessions: &[SessionRow],
    input: &CalendarInput,
    msg: &CalMsg,
) -> HttpResponse {
    let shown = Shown::of(p, sessions, input);
    let body = html! {
        (month_part(ctx, sessions, &shown))
        (messages(ctx, msg, shown.open, &shown.base, true))
        (summary(ctx, p, sessions, input, true))
        (days_left(p, true))
    };
    let mut resp = crate::web::respond::html(StatusCode::OK, body);
    resp.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static("hx-retarget"),
        actix_web::http::header::HeaderValue::from_static("#cal-month"),
    );
    resp.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static("hx-reswap"),
        actix_web::http::header::HeaderValue::from_static("outerHTML"),
    );
    resp
}

/// Month navigation and ticking as HTMX wants them: the month, the summary and the counter
/// out of band, and the messages of the last booking cleared (they spoke of then).
pub(super) fn month_fragment(
    ctx: &Ctx,
    p: &PermitRow,
    sessions: &[SessionRow],
    input: &CalendarInput,
) -> HttpResponse {
    let body = html! {
        (month_part(ctx, sessions, &Shown::of(p, sessions, input)))
        (summary(ctx, p, sessions, input, true))
        (days_left(p, true))
        div #cal-msgs hx-swap-oob="true" {}
    };
    crate::web::respond::html(StatusCode::OK, body)
}

/// The calendar as HTMX wants it: the fragment plus the counter and the summary out of band.
pub(super) fn fragment(
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
