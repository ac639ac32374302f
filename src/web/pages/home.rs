//! "Hem": the user's permits, one card each, grouped by what they need; the login page for
//! everyone else. A day card says whether today is booked and offers "Parkera i dag".

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use chrono::NaiveDate;
use maud::{Markup, html};

use crate::auth::SessionUser;
use crate::db::payments::PaymentRow;
use crate::db::permits;
use crate::db::permits::{PermitRow, TemporaryRow};
use crate::domain::PermitId;
use crate::domain::payment::PaymentStatus;
use crate::domain::permit::{State, Status, today};
use crate::domain::permit_actions::Kind;
use crate::domain::queue::Wait;
use crate::services::queue::InLine;
use crate::state::AppState;
use crate::web::account::{LoginQuery, login_page};
use crate::web::ctx::Ctx;
use crate::web::error::Reply;
use crate::web::layout::page;
use crate::web::permits::permit_type_name;
use crate::web::respond::html;
use crate::web::settings::frame;

/// What Hem reads in its one trip to the database.
struct HomeData {
    permits: Vec<PermitRow>,
    /// Each permit's car park (read with the permits, so one no longer offered is still
    /// named).
    parks: HashMap<PermitId, String>,
    /// Today's sessions on the user's paid day cards: (card, number).
    sessions: Vec<(PermitId, String)>,
    temporaries: Vec<TemporaryRow>,
    /// The latest attempt of each permit that waits for payment (read only when one does).
    payments: Vec<PaymentRow>,
    /// The user's places in queues.
    queues: Vec<InLine>,
    /// An employee's on-call parking (issue #39), and the running pass's car park.
    oncall: Option<(crate::services::oncall::Standing, String)>,
    /// The user's permits paused today, each with its pause's last day (issue #39).
    paused: Vec<(PermitId, chrono::NaiveDate)>,
}

impl HomeData {
    /// Whether the check accepts this running permit today: a day card with a day booked
    /// today, a period permit not paused today.
    fn valid_today(&self, p: &PermitRow) -> bool {
        match p.kind {
            Kind::Day => self.sessions.iter().any(|(id, _)| *id == p.id),
            Kind::Period => self.paused_until(p).is_none(),
        }
    }

    fn paused_until(&self, p: &PermitRow) -> Option<chrono::NaiveDate> {
        self.paused
            .iter()
            .find(|(id, _)| *id == p.id)
            .map(|(_, to)| *to)
    }
}

/// The groups of Hem, in the order shown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Group {
    NeedsYou,
    /// Only what the check accepts today (issue #35, 1).
    ValidToday,
    /// Paid and running, but not valid today: a day card with no day booked today.
    NotToday,
    Coming,
    Earlier,
}

/// A permit's group: a running permit is valid today only where the check says so
/// (`db::check`): a day card with a day booked today, a period permit not paused today.
fn group_of_permit(status: Status, valid_today: bool) -> Group {
    match group_of(status) {
        Group::ValidToday if !valid_today => Group::NotToday,
        g => g,
    }
}

fn group_of(status: Status) -> Group {
    match status {
        Status::AwaitingPayment | Status::AwaitingApproval => Group::NeedsYou,
        Status::Active => Group::ValidToday,
        Status::Issued => Group::Coming,
        Status::Expired | Status::Cancelled | Status::Rejected => Group::Earlier,
    }
}

/// The tag's colour class; the tag always carries the status in words too.
fn tag_class(status: Status) -> &'static str {
    match status {
        Status::Active | Status::Issued => "tag ok",
        Status::AwaitingPayment | Status::AwaitingApproval => "tag wait",
        Status::Expired | Status::Cancelled | Status::Rejected => "tag ended",
    }
}

pub async fn home(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> Reply {
    let today = today(chrono::Utc::now());
    let (ctx, data) = crate::web::ctx::load(&req, &state, move |c, me| {
        let uid = me.user.id;
        let mut parks = HashMap::new();
        let permits: Vec<PermitRow> = permits::for_user_with_car_park(c, uid)?
            .into_iter()
            .map(|(p, park)| {
                parks.insert(p.id, park);
                p
            })
            .collect();
        // Only what Hem can show is read: today's days only with a paid day card, temporary
        // numbers only with a paid permit, payments only while one waits for payment.
        let awaiting = permits.iter().any(|p| p.state == State::AwaitingPayment);
        let paid = permits.iter().any(|p| p.state == State::Paid);
        let paid_day_card = permits
            .iter()
            .any(|p| p.state == State::Paid && p.kind == Kind::Day);
        Ok(HomeData {
            parks,
            sessions: if paid_day_card {
                crate::db::daycards::today_for_user(c, uid, today)?
            } else {
                Vec::new()
            },
            temporaries: if paid {
                permits::temporaries_today_for_user(c, uid, today)?
            } else {
                Vec::new()
            },
            payments: if awaiting {
                crate::db::payments::latest_for_user(c, uid)?
            } else {
                Vec::new()
            },
            queues: crate::services::queue::lines_of(c, uid, crate::clock::now(), today)?,
            paused: if paid {
                crate::db::pauses::paused_on_for_user(c, uid, today)?
            } else {
                Vec::new()
            },
            oncall: if me.user.is_employee {
                oncall_of(c, uid, today)?
            } else {
                None
            },
            permits,
        })
    })
    .await?;
    let (Some(me), Some(data)) = (&ctx.user, data) else {
        return Ok(login_page(ctx, query).await);
    };
    let t = ctx.t();
    let groups = [
        (Group::NeedsYou, t.home_needs_you),
        (Group::ValidToday, t.home_valid_today),
        (Group::NotToday, t.home_not_today),
        (Group::Coming, t.home_coming),
    ];
    let status = |p: &PermitRow| Status::of(p.state, p.start_date, p.end_date, today);
    let group = |p: &PermitRow| group_of_permit(status(p), data.valid_today(p));
    let earlier: Vec<&PermitRow> = data
        .permits
        .iter()
        .filter(|p| group(p) == Group::Earlier)
        .collect();
    let q = ctx.lang.queue();
    let flash = match query.flash() {
        Some("queued") => Some(q.joined),
        Some("left_queue") => Some(q.left),
        Some("declined") => Some(q.declined),
        Some("withdrawn") => Some(t.withdrawn),
        Some("oncall_started") => Some(ctx.lang.pause().oncall_started),
        Some("oncall_ended") => Some(ctx.lang.pause().oncall_ended),
        _ => None,
    };
    let body = html! {
        @if let Some(text) = flash { (crate::web::forms::outcome(text, false)) }
        // A running on-call pass first: it is what lets the car park now (issue #39).
        @if let Some((standing, park)) = &data.oncall {
            (crate::web::oncall::running_card(&ctx, me, standing, park))
        }
        @if data.permits.is_empty() && data.queues.is_empty() {
            p { (t.home_empty) }
        }
        @if !data.queues.is_empty() {
            section.home-group aria-labelledby="queues-h" {
                h2 #queues-h { (q.home_heading) }
                ul.permit-cards {
                    @for line in &data.queues { (queue_card(&ctx, line)) }
                }
            }
        }
        @for (group_name, heading) in groups {
            @let list: Vec<&PermitRow> = data.permits.iter().filter(|p| group(p) == group_name).collect();
            @if !list.is_empty() {
                section.home-group aria-label=(heading) {
                    h2 { (heading) }
                    ul.permit-cards {
                        @for p in list { (permit_card(&ctx, me, &data, p, today)) }
                    }
                }
            }
        }
        @if !earlier.is_empty() {
            details.home-group {
                summary { h2 { (t.home_earlier) " (" (earlier.len()) ")" } }
                ul.permit-cards {
                    @for p in earlier { (permit_card(&ctx, me, &data, p, today)) }
                }
            }
        }
        p { a.button href="/permits/new" { (t.nav_buy) } }
        // Employees only, secondary and below their own permits.
        @if data.oncall.as_ref().is_some_and(|(s, _)| s.running.is_none()) {
            p { a.button.secondary href="/oncall" { (ctx.lang.pause().oncall_link) } }
        }
    };
    Ok(html(
        StatusCode::OK,
        page(&ctx, Some(&frame(me)), t.home_title, body),
    ))
}

/// An employee's on-call standing and the running pass's car park, if on-call parking is
/// offered.
fn oncall_of(
    c: &mut crate::db::DbConnection,
    uid: crate::domain::UserId,
    today: chrono::NaiveDate,
) -> diesel::QueryResult<Option<(crate::services::oncall::Standing, String)>> {
    let Some(s) = crate::services::oncall::standing(c, uid, crate::clock::now(), today)? else {
        return Ok(None);
    };
    let park = match &s.running {
        Some(p) => crate::db::catalogue::car_park_name(c, p.car_park_id)?,
        None => String::new(),
    };
    Ok(Some((s, park)))
}

/// One place in a queue: the car park and type, "Plats N i kön", how many wait and the
/// expected wait (and what it is estimated from); an offer to answer, or "Lämna kön".
fn queue_card(ctx: &Ctx, line: &InLine) -> Markup {
    let q = ctx.lang.queue();
    let type_name = line.names.type_name(ctx.lang);
    html! {
        li.card.permit-card {
            p.queue-park { (line.names.car_park) }
            p.card-meta {
                @if let Some(o) = &line.offer {
                    span.tag.ok { (q.offer_title) } " " (type_name)
                    br;
                    @if o.status == crate::domain::queue::OfferStatus::Accepted { (ctx.lang.flow().offer_answered) " " }
                    ((q.offer_until)(&crate::clock::local_display(o.expires_at)))
                } @else {
                    span.tag.wait { ((q.place)(line.place)) } " " (type_name)
                }
            }
            @if line.offer.is_none() {
                p { ((q.length)(line.length)) ". "
                    @match line.wait {
                        Wait::Months(m) => ((q.wait)(m, line.freed)),
                        Wait::Unknown => (q.wait_unknown),
                    }
                }
            }
            div.card-actions {
                @if let Some(o) = &line.offer {
                    // Answered already ("Tacka ja"): on to the order, not the question again.
                    @if o.status == crate::domain::queue::OfferStatus::Accepted {
                        a.button href={ "/permits/new?offer=" (o.id) } { (ctx.lang.flow().offer_finish) }
                    } @else {
                        a.button href={ "/queue/offers/" (o.id) } { (q.answer_offer) }
                    }
                }
                a.button.secondary href={ "/queue/" (line.entry.id) "/leave" } { (q.leave) }
            }
        }
    }
}

/// One permit: its number large, a status tag in words, the car park and the period; the
/// whole card opens the permit, and the one thing to do now is a button on it.
fn permit_card(
    ctx: &Ctx,
    me: &SessionUser,
    data: &HomeData,
    p: &PermitRow,
    today: NaiveDate,
) -> Markup {
    let t = ctx.t();
    let status = Status::of(p.state, p.start_date, p.end_date, today);
    let park = data.parks.get(&p.id).map_or("", String::as_str);
    let name = permit_type_name(p, ctx.lang);
    let failed = data
        .payments
        .iter()
        .find(|pay| pay.permit_id == p.id)
        .is_some_and(|pay| !matches!(pay.status, PaymentStatus::Pending | PaymentStatus::Paid));
    let temporary = data.temporaries.iter().find(|tmp| tmp.permit_id == p.id);
    let today_session = data.sessions.iter().find(|(id, _)| *id == p.id);
    let days_left = p.days_bought.map(|bought| (bought - p.days_used).max(0));
    // Today's answer in words, as the check gives it: a running day card with no day booked
    // today is not valid today (issue #35, 1).
    let not_booked_today =
        status == Status::Active && p.kind == Kind::Day && today_session.is_none();
    let paused = data.paused_until(p).filter(|_| status == Status::Active);
    html! {
        li.card.permit-card {
            p.regnr-big #{ "reg-" (p.id) } {
                a.card-link href={ "/permits/" (p.id) } { (p.regnr) }
            }
            p.card-meta #{ "meta-" (p.id) } {
                @if not_booked_today {
                    span.tag.wait { (t.home_no_day_today) }
                } @else if let Some(to) = paused {
                    span.tag.wait { (ctx.lang.flow().paused_until) " " (to) }
                } @else {
                    span class=(tag_class(status)) { (crate::i18n::status(ctx.lang, status)) }
                }
                " " (name)
            }
            dl {
                div { dt { (t.col_car_park) } dd { (park) } }
                div { dt { (t.col_period) } dd { (p.start_date) " – " (p.end_date) } }
                @if let Some(tmp) = temporary {
                    div { dt { (t.home_temporary) } dd { (tmp.regnr) " " (tmp.from_date) " – " (tmp.to_date) } }
                }
                @if let Some(left) = days_left {
                    div { dt { (t.days_left_label) } dd { (left) } }
                }
                @if let Some((_, regnr)) = today_session {
                    div { dt { (t.today_session) } dd { (regnr) } }
                }
            }
            @if failed {
                p.field-error { (t.home_payment_failed) }
            }
            div.card-actions {
                @if p.state == State::AwaitingPayment {
                    a.button href={ "/permits/" (p.id) "#pay-h" } { (t.home_pay) }
                }
                (crate::web::permits::daycards::park_buttons(ctx, me, p, today_session.is_some()))
                // A monthly or yearly card near or past its end: the same order again, straight
                // to its review (issue #35, 8).
                @if p.kind == Kind::Period && p.state == State::Paid && p.end_date - today <= chrono::Duration::days(30) {
                    a.button href={ "/permits/" (p.id) "/again" } aria-describedby={ "reg-" (p.id) } { (ctx.lang.flow().buy_again) }
                }
                // Named by its words alone ("Visa/ändra", as the guide and the contract say it);
                // which permit it opens is its description: the number, status and type.
                a href={ "/permits/" (p.id) } aria-describedby={ "reg-" (p.id) " meta-" (p.id) } { (t.view_edit) }
            }
        }
    }
}
