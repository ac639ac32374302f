//! The customer's side of waiting lists: joining the queue of a full car park and type
//! ("Ställ dig i kö"), leaving it, and answering an offer ("Tacka ja", "Tacka nej"). The
//! rules are in `services::queue`; Hem shows the places in line.

use crate::web::ctx::UserCtx;
use crate::web::error::Outcome;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::html;
use serde::Deserialize;

use chrono::NaiveDateTime;

use crate::auth::SessionUser;
use crate::clock;
use crate::db::DbConnection;
use crate::db::{self, queue::Spot};
use crate::domain::UserId;
use crate::domain::permit::today;
use crate::services::orders;
use crate::services::queue::{self, QueueError};
use crate::state::AppState;
use crate::web::error::{AppError, Reply};
use crate::web::forms::{CsrfForm, CsrfOnly, csrf, notice, notice_error};
use crate::web::layout::page;
use crate::web::respond::{html as respond, see_other};
use crate::web::settings::frame;

type Data = web::Data<AppState>;

/// The car park and type of the wizard's form (its other fields are ignored).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct JoinForm {
    #[serde(rename = "type")]
    type_id: String,
    car_park: String,
    /// "Registreringsnummer" as typed in the wizard, kept with the place if it is valid.
    regnr: String,
    foreign: Option<String>,
}

/// "Ställ dig i kö": last in line of a full car park and type the user may buy; then Hem,
/// which shows the place. A car park that is not full (any more) sends the buyer back to the
/// wizard to buy.
pub async fn join(UserCtx { ref me, .. }: UserCtx, state: Data, form: CsrfForm<JoinForm>) -> Reply {
    let (Ok(type_id), Ok(car_park)) = (
        form.type_id.parse::<crate::domain::PermitTypeId>(),
        form.car_park.parse::<crate::domain::CarParkId>(),
    ) else {
        return Err(AppError::NotFound);
    };
    let employee = me.user.is_employee;
    let cat = db::query(&state.pool, move |c| orders::catalogue_for(c, employee)).await?;
    if cat.type_by_id(type_id).is_none() || !cat.car_parks.iter().any(|p| p.id == car_park) {
        return Err(AppError::NotFound);
    }
    let s = Spot {
        car_park_id: car_park,
        permit_type_id: type_id,
    };
    let uid = me.user.id;
    let typed: String = form.regnr.chars().take(40).collect();
    let regnr = crate::domain::RegNumber::parse(&typed, form.foreign.is_some())
        .ok()
        .map(|r| r.as_str().to_string());
    let joined = db::run(&state.pool, move |c| {
        Ok::<_, AppError>(queue::join(
            c,
            uid,
            s,
            regnr.as_deref(),
            clock::now(),
            today(chrono::Utc::now()),
        ))
    })
    .await?;
    match joined {
        Ok(()) | Err(QueueError::AlreadyInLine) => Ok(see_other("/?m=queued")),
        Err(QueueError::NotFull) => Ok(see_other(&format!(
            "/permits/new?type={type_id}&car_park={car_park}"
        ))),
        Err(QueueError::Db(e)) => Err(AppError::Db(e)),
        Err(_) => Err(AppError::NotFound),
    }
}

/// A change the user makes to their own place in line or offer `id`, in its transaction: a
/// database error is the request's, a refusal the handler's to answer.
async fn change<I: Copy + Send + 'static, T: Send + 'static>(
    state: &AppState,
    me: &SessionUser,
    id: I,
    f: fn(&mut DbConnection, UserId, I, NaiveDateTime) -> Result<T, QueueError>,
) -> Result<Outcome<T, QueueError>, AppError> {
    let uid = me.user.id;
    let done = db::run(&state.pool, move |c| {
        Ok::<_, AppError>(f(c, uid, id, clock::now()))
    })
    .await?;
    match done {
        Err(QueueError::Db(e)) => Err(AppError::Db(e)),
        Err(refused) => Ok(Outcome::Refused(refused)),
        Ok(done) => Ok(Outcome::Done(done)),
    }
}

/// "Lämna kön".
/// "Lämna kön" gives up a place worth perhaps a year: its page asks once more, naming the
/// place, with "Ja, lämna kön" in the destructive style (issue #35, 4).
pub async fn leave_page(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    id: web::Path<crate::domain::EntryId>,
) -> Reply {
    let (uid, id) = (me.user.id, id.into_inner());
    let lines = db::query(&state.pool, move |c| {
        queue::lines_of(c, uid, clock::now(), today(chrono::Utc::now()))
    })
    .await?;
    let Some(line) = lines.into_iter().find(|l| l.entry.id == id) else {
        return Ok(see_other("/"));
    };
    let q = ctx.lang.queue();
    let body = html! {
        p { ((q.leave_what)(line.place, line.names.type_name(ctx.lang), &line.names.car_park)) }
        form method="post" action={ "/queue/" (id) "/leave" } {
            (csrf(&me.csrf_token))
            input type="hidden" name="confirm" value="yes";
            button.danger type="submit" { (q.leave_confirm) }
        }
        p { a href="/" { (q.leave_stay) } }
    };
    Ok(respond(
        StatusCode::OK,
        page(&ctx, Some(&frame(me)), q.leave_title, body),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LeaveForm {
    confirm: String,
}

pub async fn leave(
    UserCtx { ref me, .. }: UserCtx,
    state: Data,
    id: web::Path<crate::domain::EntryId>,
    form: CsrfForm<LeaveForm>,
) -> Reply {
    let id = id.into_inner();
    // Only "Ja, lämna kön" leaves: a post without it is asked once more.
    if form.into_inner().confirm != "yes" {
        return Ok(see_other(&format!("/queue/{id}/leave")));
    }
    match change(&state, me, id, queue::leave).await? {
        Outcome::Done(_) => {
            state.queue_now();
            Ok(see_other("/?m=left_queue"))
        }
        Outcome::Refused(_) => Ok(see_other("/")),
    }
}

/// The offer's page, reached from its link (through login): what is offered, until when, and
/// "Tacka ja" / "Tacka nej" while it is open.
pub async fn offer_page(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    id: web::Path<crate::domain::OfferId>,
) -> Reply {
    let (uid, id, lang) = (me.user.id, id.into_inner(), ctx.lang);
    let (offer, names) = db::query(&state.pool, move |c| {
        let Some(o) = queue::offer_of(c, uid, id)? else {
            return Ok((None, None));
        };
        let names = queue::names(c, o.spot(), lang)?;
        Ok((Some(o), Some(names)))
    })
    .await?;
    let (Some(o), Some((type_name, car_park))) = (offer, names) else {
        return Err(AppError::NotFound);
    };
    let q = ctx.lang.queue();
    let live = o.is_live(clock::now());
    let buy = format!("/permits/new?offer={}", o.id);
    let body = html! {
        @if !live { (notice_error(q.offer_gone)) }
        p { (q.offer_intro) }
        dl.card {
            dt { (ctx.t().type_label) } dd { (type_name) }
            dt { (ctx.t().car_park_label) } dd { (car_park) }
        }
        @if live {
            p { strong { ((q.offer_until)(&clock::local_display(o.expires_at))) } }
            p { (q.offer_rules) }
            @if o.status == crate::domain::queue::OfferStatus::Accepted {
                (notice(q.offer_accepted))
                p { a.button href=(buy) { (q.continue_buying) } }
            } @else {
                h2 { (q.offer_answer) }
                div.card-actions {
                    form method="post" action={ "/queue/offers/" (o.id) "/accept" } {
                        (csrf(&me.csrf_token))
                        button type="submit" { (q.accept) }
                    }
                    form method="post" action={ "/queue/offers/" (o.id) "/decline" } {
                        (csrf(&me.csrf_token))
                        button.danger-outline type="submit" { (q.decline) }
                    }
                }
            }
        }
        p { a href="/" { (ctx.t().home_title) } }
    };
    Ok(respond(
        StatusCode::OK,
        page(&ctx, Some(&frame(me)), q.offer_title, body),
    ))
}

/// "Tacka ja": into the buying flow for the offered car park and type, locked, with the place
/// held to the offer's deadline.
pub async fn accept(
    UserCtx { ref me, .. }: UserCtx,
    state: Data,
    id: web::Path<crate::domain::OfferId>,
    _form: CsrfForm<CsrfOnly>,
) -> Reply {
    let id = id.into_inner();
    match change(&state, me, id, queue::accept).await? {
        Outcome::Done(o) => Ok(see_other(&format!("/permits/new?offer={}", o.id))),
        Outcome::Refused(QueueError::NotFound) => Err(AppError::NotFound),
        Outcome::Refused(_) => Ok(see_other(&format!("/queue/offers/{id}"))),
    }
}

/// "Tacka nej": out of the queue; the place goes to the next in line at once.
pub async fn decline(
    UserCtx { ref me, .. }: UserCtx,
    state: Data,
    id: web::Path<crate::domain::OfferId>,
    _form: CsrfForm<CsrfOnly>,
) -> Reply {
    let id = id.into_inner();
    match change(&state, me, id, queue::decline).await? {
        Outcome::Done(_) => {
            state.queue_now();
            Ok(see_other("/?m=declined"))
        }
        Outcome::Refused(QueueError::NotFound) => Err(AppError::NotFound),
        Outcome::Refused(_) => Ok(see_other(&format!("/queue/offers/{id}"))),
    }
}

/// A POST address opened again (back button, a new tab): the offer's page.
pub async fn to_offer(id: web::Path<crate::domain::OfferId>) -> HttpResponse {
    see_other(&format!("/queue/offers/{}", id.into_inner()))
}

/// A POST address opened again: Hem, which shows the queues.
pub async fn to_home() -> HttpResponse {
    see_other("/")
}
