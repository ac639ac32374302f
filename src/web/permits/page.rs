//! The permit page ("Visa/ändra"): status, period, numbers, calendar for a day card, payment, history.

use super::*;
use crate::domain::PermitId;
use crate::domain::UserId;

pub(super) fn status_of(p: &PermitRow) -> Status {
    Status::of(p.state, p.start_date, p.end_date, today(chrono::Utc::now()))
}

pub fn status_label(p: &PermitRow, lang: Lang) -> &'static str {
    crate::i18n::status(lang, status_of(p))
}

pub fn permit_type_name(p: &PermitRow, lang: Lang) -> &str {
    match lang {
        Lang::Sv => &p.type_name_sv,
        Lang::En => &p.type_name_en,
    }
}

/// The inline registration-number form; HTMX swaps just this.
pub(super) fn regnr_form(
    ctx: &Ctx,
    me: &SessionUser,
    p: &PermitRow,
    value: &str,
    error: Option<&str>,
    done: bool,
) -> Markup {
    let t = ctx.t();
    let changeable = may(PermitAction::ChangeRegnr, p.kind, p.state);
    html! {
        form #regnr-form method="post" action={ "/permits/" (p.id) "/regnr" }
            hx-post={ "/permits/" (p.id) "/regnr" } hx-target="this" hx-swap="outerHTML" novalidate {
            (csrf(&me.csrf_token))
            (input(Field::new("regnr", t.regnr_label, "text").value(value).error(error).plate(t)))
            div.check {
                input #regnr-foreign type="checkbox" name="foreign" value="yes" checked[p.foreign_plate];
                label for="regnr-foreign" { (t.foreign_label) }
            }
            @if changeable { button.secondary type="submit" { (t.update_button) } }
            @if done { (crate::web::forms::outcome(t.regnr_updated, false)) }
        }
    }
}

/// How close to its end a permit's "Förnya" becomes the page's primary button.
const RENEW_SOON_DAYS: i64 = 30;

/// A cancelled permit: that the office cancelled it and when, what comes back and how far
/// that has come, and where to ask.
fn cancelled_panel(t: &Texts, v: &PermitView) -> Markup {
    let when = v
        .events
        .iter()
        .rev()
        .find(|e| e.kind == "state" && e.detail.contains("→ cancelled"))
        .map(|e| clock::local_display(e.at));
    html! {
        section.panel #cancelled aria-labelledby="cancelled-h" {
            h2 #cancelled-h { (t.cancelled_heading) }
            p { (t.cancelled_by_office) @if let Some(w) = when { " " (w) } "." }
            @if v.refunds.is_empty() {
                p { (t.no_refund) }
            }
            @for r in &v.refunds {
                p { (t.refund_label) " " strong { (Money::from_ore(r.amount_ore)) } ": "
                    (match r.status {
                        crate::domain::payment::RefundStatus::Pending => t.refund_pending,
                        crate::domain::payment::RefundStatus::Done => t.refund_done,
                        crate::domain::payment::RefundStatus::Failed => t.refund_failed,
                    }) }
            }
            p { (t.cancelled_questions) " " a href="/messages/new" { (t.nav_messages) } "." }
        }
    }
}

pub(super) struct PermitView {
    pub(super) permit: PermitRow,
    pub(super) car_park: String,
    /// For "Extern betalande": whether the application has a file, and its name.
    pub(super) application: Option<(bool, Option<String>)>,
    pub(super) latest_payment: Option<crate::db::payments::PaymentRow>,
    pub(super) temporaries: Vec<db_permits::TemporaryRow>,
    pub(super) events: Vec<db_permits::EventRow>,
    pub(super) sessions: Vec<crate::db::daycards::SessionRow>,
    /// Money sent back for this permit (by the office on "Makulera", or a late charge).
    pub(super) refunds: Vec<crate::db::refunds::RefundRow>,
    /// Its pauses (a paid period permit's only).
    pub(super) pauses: Vec<crate::db::pauses::PauseRow>,
    /// What the check (Kontroll, the check API) answers for the permit's number today, and
    /// why when it is not valid.
    pub(super) check: (
        Vec<crate::db::check::ValidPermit>,
        Option<crate::domain::check::NotValid>,
    ),
}

pub(super) async fn load_view(
    state: &AppState,
    id: PermitId,
    user_id: UserId,
) -> Result<PermitView, AppError> {
    db::query(&state.pool, move |c| read_view(c, id, user_id, false))
        .await?
        .ok_or(AppError::NotFound)
}

/// What the page shows of one of the user's permits, read on a connection the caller holds;
/// `None` when it is not the user's. `back_from_paying`: the latest payment is wanted even
/// when the permit no longer awaits payment (to say that it went through).
fn read_view(
    c: &mut crate::db::DbConnection,
    id: PermitId,
    user_id: UserId,
    back_from_paying: bool,
) -> diesel::QueryResult<Option<PermitView>> {
    let Some((permit, car_park)) = db_permits::owned_with_car_park(c, id, user_id)? else {
        return Ok(None);
    };
    // Only what the page can show for this permit is read: an application's file only while
    // it awaits approval, the latest payment only while it awaits payment (or just after
    // paying), the booked days only for a day card, refunds only once cancelled.
    let status = status_of(&permit);
    let temporaries = db_permits::temporaries(c, id)?;
    let events = db_permits::events(c, id)?;
    let application = if status == Status::AwaitingApproval {
        db_permits::application(c, id)?.map(|a| (a.attachment.is_some(), a.attachment_name))
    } else {
        None
    };
    let latest_payment = if status == Status::AwaitingPayment || back_from_paying {
        crate::db::payments::latest_for_permit(c, id)?
    } else {
        None
    };
    let sessions = if permit.kind == Kind::Day {
        crate::db::daycards::sessions(c, id)?
    } else {
        Vec::new()
    };
    let refunds = if status == Status::Cancelled {
        crate::db::refunds::for_permit(c, id)?
    } else {
        Vec::new()
    };
    let pauses = if may(PermitAction::Pause, permit.kind, permit.state) {
        crate::db::pauses::of_permit(c, id)?
    } else {
        Vec::new()
    };
    let day = today(chrono::Utc::now());
    // Only the viewer's own permits: what the check says of other people's is not theirs to
    // read (issue #34, 3).
    let mine = Some(user_id);
    let valid = crate::db::check::valid_on(c, &permit.regnr, day, mine)?;
    let why = if valid.is_empty() {
        Some(crate::db::check::why_not(c, &permit.regnr, day, mine)?)
    } else {
        None
    };
    Ok(Some(PermitView {
        check: (valid, why),
        pauses,
        sessions,
        refunds,
        permit,
        car_park,
        application,
        latest_payment,
        temporaries,
        events,
    }))
}

#[derive(Default)]
pub(super) struct PageMessages<'a> {
    pub(super) flash: Option<&'a str>,
    pub(super) regnr_error: Option<&'a str>,
    pub(super) regnr_value: Option<String>,
    pub(super) temp_error: Option<&'a str>,
    /// The temporary number's form as sent, when it was refused.
    pub(super) temp_typed: Option<&'a super::changes::TemporaryForm>,
    pub(super) attach_error: Option<&'a str>,
    pub(super) pay_error: Option<&'a str>,
    pub(super) pay_typed: Option<&'a str>,
    /// Just back from paying, and it went through: the confirmation at the top.
    pub(super) paid_now: bool,
    pub(super) pause_error: Option<&'a str>,
    pub(super) pause_typed: Option<&'a super::pause::PauseForm>,
    /// The day card's calendar: what was sent and what to say beside it.
    pub(super) calendar: Option<(daycards::CalendarInput, daycards::CalMsg)>,
}

/// Today's answer for the permit's car, at the top of its page: what the attendant's check
/// says (the same look-up, `db::check`), in words, with the one action that turns a "no" into
/// a "yes" (issue #35, 1). Waiting for payment is an expected state, said neutrally.
fn today_panel(ctx: &Ctx, me: &SessionUser, v: &PermitView, status: Status) -> Markup {
    let t = ctx.t();
    let p = &v.permit;
    let (valid, why) = &v.check;
    let booked_today = v
        .sessions
        .iter()
        .any(|s| s.day == today(chrono::Utc::now()));
    html! {
        section.today aria-labelledby="check-h" {
            h2 #check-h { (t.check_today_heading) }
            // This permit waits: said neutrally, whatever else covers the car today (its
            // other permit's answer follows, "Giltigt till …").
            @if status == Status::AwaitingPayment {
                div.verdict.small.wait {
                    p.word { (t.not_paid_yet) }
                    p.why { (t.not_paid_yet_why) }
                }
            } @else if status == Status::AwaitingApproval {
                div.verdict.small.wait {
                    p.word { (ctx.lang.flow().not_approved_yet) }
                    p.why { (ctx.lang.flow().not_approved_yet_why) }
                }
            } @else {
                div.verdict.small.ok[!valid.is_empty()].no[valid.is_empty()] {
                    p.word { @if valid.is_empty() { (t.check_not_valid) } @else { (t.check_valid) } }
                    @if let Some(why) = why { p.why { (crate::i18n::not_valid(t, why)) } }
                }
            }
            @for vp in valid {
                p { (t.check_until) " " strong { (vp.valid_to) } " · " (vp.car_park) " · "
                    @if vp.day_session { (t.check_day_session) }
                    @else if vp.temporary { (t.check_temporary) }
                    @else { (t.check_permanent) } }
            }
            div.card-actions { (daycards::park_buttons(ctx, me, p, booked_today)) }
            p.hint { (t.check_today_intro) " " (p.regnr) "." }
        }
    }
}

pub(super) fn permit_page(ctx: &Ctx, me: &SessionUser, v: &PermitView, m: PageMessages) -> Markup {
    let t = ctx.t();
    let p = &v.permit;
    let status = status_of(p);
    let today = today(chrono::Utc::now());
    let price = Money::from_ore(p.price_ore);
    let (cal_input, cal_msg) = m.calendar.clone().unwrap_or_default();
    let current_temp = v
        .temporaries
        .iter()
        .find(|tr| tr.ended_at.is_none() && tr.to_date >= today);
    // A refusal whose section this permit does not show (an attachment when no application
    // awaits approval, a temporary number when none can be added, days on a card that is
    // not a paid day card, a new number for a permit whose number cannot change) is said in
    // the error summary at the top, so no refusal goes unexplained.
    let shows_attach = status == Status::AwaitingApproval && v.application.is_some();
    let can = |a: PermitAction| may(a, p.kind, p.state);
    let temp_section = can(PermitAction::TemporaryRegnr);
    let shows_temp_form = temp_section && current_temp.is_none();
    let shows_calendar = can(PermitAction::BookDays);
    let renew_now =
        can(PermitAction::Renew) && p.end_date - today <= chrono::Duration::days(RENEW_SOON_DAYS);
    // Every refusal in the error summary, linked to its field, or to the permit's status when
    // its form is not on the page.
    let shows_regnr_form = p.kind != Kind::Day && can(PermitAction::ChangeRegnr);
    let at = |shown: bool, field: &'static str| if shown { field } else { "status" };
    let cal_error = cal_msg.error.as_deref().or(cal_msg.regnr_error);
    let summary = [
        (at(shows_regnr_form, "regnr"), m.regnr_error),
        (at(shows_calendar, "regnr"), cal_error),
        (at(shows_temp_form, "temp_regnr"), m.temp_error),
        (at(shows_attach, "file"), m.attach_error),
        (at(can(PermitAction::Pause), "pause_from"), m.pause_error),
        (
            match (status == Status::AwaitingPayment, m.pay_typed.is_some()) {
                (true, true) => "swish_number",
                (true, false) => "pay-h",
                _ => "status",
            },
            m.pay_error,
        ),
    ];
    let body = html! {
        @if m.paid_now { (super::payments::done(ctx, p)) }
        @if let Some(f) = m.flash { (notice(f)) }
        (error_summary(t, &summary))
        // An application just sent is a confirmation page: what happens next (issue #35, 2).
        @if status == Status::AwaitingApproval {
            section.panel #applied aria-labelledby="applied-h" {
                h2 #applied-h { (ctx.lang.flow().applied_heading) }
                p { (ctx.lang.flow().applied_next) " " (p.start_date) "." }
            }
        }
        (today_panel(ctx, me, v, status))
        // A day card's page is for booking: the calendar comes first, tomorrow within the
        // first screen of a phone; the days left are in its sticky bar, the counters after
        // it (#35, 5).
        @if shows_calendar {
            (daycards::section(ctx, me, p, &v.sessions, &cal_input, &cal_msg))
            (daycards::top(ctx, p, &v.sessions))
        }
        dl.card {
            dt { (t.type_label) } dd { (permit_type_name(p, ctx.lang)) }
            @if let Some(name) = match ctx.lang { Lang::Sv => &p.package_name_sv, Lang::En => &p.package_name_en } {
                dt { (t.package_label) } dd { (name) }
            }
            @if let Some(n) = p.days_bought { dt { (t.days_label) } dd { (n) } }
            dt { (t.period_label) } dd { (p.start_date) " – " (p.end_date) }
            @if !shows_regnr_form { dt { (t.regnr_label) } dd { (p.regnr) } }
            dt { (t.car_park_label) } dd { (v.car_park) }
            dt { (t.status_label) } dd { strong #status { (status_label(p, ctx.lang)) } }
            dt { (t.price_label) } dd { strong { (price) } " " (t.vat_included) }
        }
        // Then what matters most: paying (the order, then how to pay), or why it was cancelled.
        @if status == Status::Cancelled { (cancelled_panel(t, v)) }
        @if status == Status::AwaitingPayment && let Some(until) = p.hold_until {
            p.notice #hold { ((ctx.lang.queue().pay_by)(&clock::local_display(until))) }
        }
        @if status == Status::AwaitingPayment {
            (super::payments::section(ctx, me, p.id, price, v.latest_payment.as_ref(), m.pay_error, m.pay_typed))
            // The order can go, asked once more on a page of its own (issue #35, 2).
            p { a.button.danger-outline href={ "/permits/" (p.id) "/withdraw" } { (t.withdraw) } }
        }
        @match status {
            Status::AwaitingApproval => {
                @if let Some((has_file, name)) = &v.application {
                    section aria-labelledby="attach-h" {
                        h2 #attach-h { (t.attach_heading) }
                        p.hint { (ctx.lang.flow().attach_optional) }
                        @if let Some(err) = m.attach_error { (notice_error(err)) }
                        @if *has_file { (notice(&format!("{} {}", t.attach_done, display_safe(name.as_deref().unwrap_or(""))))) }
                        form method="post" action={ "/permits/" (p.id) "/attachment" } enctype="multipart/form-data" {
                            (csrf(&me.csrf_token))
                            label for="file" { (t.attach_label) }
                            input #file type="file" name="file" accept="application/pdf,.pdf" required;
                            button type="submit" { (t.attach_button) }
                        }
                    }
                }
            }
            Status::Rejected => { @if let Some(r) = &p.reject_reason { (notice_error(r)) } }
            _ => {}
        }
        @if shows_regnr_form {
            section aria-labelledby="regnr-h" {
                h2 #regnr-h { (t.regnr_label) }
                (regnr_form(ctx, me, p, m.regnr_value.as_deref().unwrap_or(&p.regnr), m.regnr_error, false))
            }
        }
        // Before the temporary number: "Från" and "Till" are the first labels of their words.
        @if can(PermitAction::Pause) {
            (super::pause::section(ctx, me, p, &v.pauses, m.pause_error, m.pause_typed))
        }
        @if temp_section {
            section aria-labelledby="temp-h" {
                h2 #temp-h { (t.temp_heading) }
                @if let Some(tr) = current_temp {
                    p { (t.temp_current) ": " strong { (tr.regnr) } " " (tr.from_date) " – " (tr.to_date) }
                    form method="post" action={ "/permits/" (p.id) "/temporary/" (tr.id) "/end" } {
                        (csrf(&me.csrf_token))
                        button.secondary type="submit" { (t.temp_end) }
                    }
                } @else {
                    p { (t.temp_intro) }
                    @if let Some(err) = m.temp_error { (notice_error(err)) }
                    form method="post" action={ "/permits/" (p.id) "/temporary" } novalidate {
                        (csrf(&me.csrf_token))
                        @let first = today.max(p.start_date).to_string();
                        @let typed = m.temp_typed;
                        (input(Field::new("temp_regnr", t.temp_regnr_label, "text").value(typed.map_or("", |f| f.temp_regnr.as_str())).plate(t)))
                        div.check {
                            input #temp-foreign type="checkbox" name="foreign" value="yes" checked[typed.is_some_and(|f| f.foreign.is_some())];
                            label for="temp-foreign" { (t.foreign_label) }
                        }
                        (input(Field::new("from", t.temp_from, "date").value(typed.map_or(first.as_str(), |f| f.from.as_str())).range(&first, p.end_date)))
                        (input(Field::new("to", t.temp_to, "date").value(typed.map_or(first.as_str(), |f| f.to.as_str())).range(&first, p.end_date)))
                        button.secondary type="submit" { (t.temp_button) }
                    }
                }
            }
        }
        // Only the actions the permit's kind and state allow; none, no section (issue #35, 2).
        @if can(PermitAction::Renew) || can(PermitAction::Receipt) {
            section aria-labelledby="actions-h" {
                h2 #actions-h { (t.actions) }
                ul.links {
                    @if can(PermitAction::Renew) {
                        // The next thing to do once the end is near (or past): the primary button.
                        li { a class=[renew_now.then_some("button")] href={ "/permits/" (p.id) "/renew" } { (t.renew) } }
                    }
                    @if can(PermitAction::Receipt) {
                        li { a href={ "/permits/" (p.id) "/receipt" } { (t.receipt_link) } }
                    }
                }
            }
        }
        @if !v.events.is_empty() {
            section aria-labelledby="history-h" {
                h2 #history-h { (t.history) }
                ul.history {
                    @for ev in &v.events {
                        li { (clock::local_display(ev.at)) ": " (display_safe(&super::history::line(t, p, &ev.kind, &ev.detail))) }
                    }
                }
            }
        }
    };
    // The type and the car: "Anställda dagkort – ABC123" (heading and title alike).
    let title = format!("{} – {}", permit_type_name(p, ctx.lang), p.regnr);
    page(ctx, Some(&frame(me)), &title, body)
}

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    pub(super) m: Option<String>,
    /// The payment attempt the buyer comes back from (the Swish app, the card page, the
    /// waiting panel); any text, as anyone can write the address.
    pub(super) payment: Option<String>,
}

pub(super) fn permit_flash(t: &Texts, key: &str) -> Option<&'static str> {
    match key {
        "regnr" => Some(t.regnr_updated),
        "temp_added" => Some(t.temp_added),
        "temp_ended" => Some(t.temp_ended),
        "attached" => Some(t.attach_done),
        "unpaid_exists" => Some(t.unpaid_exists),
        "withdraw_paying" => Some(t.withdraw_paying),
        "booked" => Some(t.sessions_booked),
        "day_cancelled" => Some(t.session_cancelled),
        "pay_not_cancelled" => Some(t.pay_not_cancelled),
        "paused" => Some(t.lang().pause().done),
        "pause_ended" => Some(t.lang().pause().ended),
        other => flash_text(t, other),
    }
}

pub async fn show(
    state: Data,
    id: web::Path<PermitId>,
    query: web::Query<FlashQuery>,
    req: actix_web::HttpRequest,
) -> Reply {
    // One trip: the session and the permit's rows.
    let id = id.into_inner();
    let back_from: Option<crate::domain::PaymentId> =
        query.payment.as_deref().and_then(|p| p.parse().ok());
    let (ctx, v) = crate::web::ctx::load(&req, &state, move |c, me| {
        Ok(read_view(c, id, me.user.id, back_from.is_some())?)
    })
    .await?;
    let me = ctx.require_user()?;
    let v = v.flatten().ok_or(AppError::NotFound)?;
    let mut flash = query.m.as_deref().and_then(|k| permit_flash(ctx.t(), k));
    // A day card's month and ticked days travel in the query (month navigation without JS);
    // after a booking, the days booked too, and the notice beside the calendar names them.
    let calendar = (v.permit.kind == Kind::Day).then(|| {
        let mut input = daycards::CalendarInput::parse(req.query_string().as_bytes());
        let mut msg = daycards::CalMsg::default();
        if query.m.as_deref() == Some("booked") && !input.booked.is_empty() {
            msg.notice = Some(daycards::booked_notice(ctx.t(), &input.booked));
            flash = None;
        }
        // After "Avbryt", the notice names the day and "Ångra" can book it again.
        if query.m.as_deref() == Some("day_cancelled")
            && let Some(u) = input.undo.take()
        {
            msg.notice = Some(daycards::cancelled_notice(ctx.t(), &u));
            msg.undo = Some(u);
            flash = None;
        }
        (input, msg)
    });
    let paid_now = v.latest_payment.as_ref().is_some_and(|p| {
        Some(p.id) == back_from && p.status == crate::domain::payment::PaymentStatus::Paid
    });
    Ok(respond(
        StatusCode::OK,
        permit_page(
            &ctx,
            me,
            &v,
            PageMessages {
                flash,
                calendar,
                paid_now,
                ..Default::default()
            },
        ),
    ))
}

/// The day card's page again with the calendar as sent and the reason it was refused.
pub async fn day_card_page(
    ctx: &Ctx,
    state: &AppState,
    me: &SessionUser,
    id: PermitId,
    input: daycards::CalendarInput,
    msg: daycards::CalMsg,
    status: StatusCode,
) -> Reply {
    let v = load_view(state, id, me.user.id).await?;
    let m = PageMessages {
        calendar: Some((input, msg)),
        ..Default::default()
    };
    Ok(crate::web::respond::html(
        status,
        permit_page(ctx, me, &v, m),
    ))
}
