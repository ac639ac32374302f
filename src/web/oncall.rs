//! "Jag är inkallad" (issue #39): an employee called in at night starts on-call parking
//! ("Parkeringsområde", "Registreringsnummer", "Starta jourparkering"); the pass is valid at
//! once at the check, Hem shows it with its end and "Avsluta". The rules are
//! `services::oncall` (one pass at a time, a number a month, one transaction each).

use crate::web::ctx::UserCtx;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use crate::auth::SessionUser;
use crate::clock;
use crate::db;
use crate::domain::RegNumber;
use crate::domain::permit::today;
use crate::services::oncall::{self, OnCallError, Standing};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, Reply};
use crate::web::forms::{CsrfForm, CsrfOnly, Field, csrf, error_summary, input, notice};
use crate::web::layout::page;
use crate::web::respond::{html as respond, see_other};
use crate::web::settings::frame;

type Data = web::Data<AppState>;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct OnCallForm {
    car_park: String,
    regnr: String,
    foreign: Option<String>,
}

/// The employee's standing, or 404 for anyone else (on-call parking is for employees).
async fn standing_of(state: &AppState, me: &SessionUser) -> Result<Standing, AppError> {
    if !me.user.is_employee {
        return Err(AppError::NotFound);
    }
    let uid = me.user.id;
    db::query(&state.pool, move |c| {
        oncall::standing(c, uid, clock::now(), today(chrono::Utc::now()))
    })
    .await?
    .ok_or(AppError::NotFound)
}

/// The running pass, for Hem and this page: the number, the car park, its end, "Avsluta".
pub fn running_card(ctx: &Ctx, me: &SessionUser, s: &Standing, car_park: &str) -> Markup {
    let w = ctx.lang.pause();
    html! {
        @if let Some(p) = &s.running {
            section.home-group aria-labelledby="oncall-h" {
                h2 #oncall-h { (w.oncall_running) }
                div.card.permit-card {
                    p.regnr-big { (p.regnr) }
                    p.card-meta { span.tag.ok { (s.kind.name(ctx.lang)) } " " (car_park) }
                    p { (w.oncall_until) " " strong.nowrap { (clock::local_display(p.ends_at)) } }
                    form method="post" action={ "/oncall/" (p.id) "/end" } {
                        (csrf(&me.csrf_token))
                        button.secondary type="submit" { (w.oncall_end) }
                    }
                }
            }
        }
    }
}

fn oncall_page(
    ctx: &Ctx,
    me: &SessionUser,
    s: &Standing,
    parks: &[db::catalogue::CarParkRow],
    typed: &OnCallForm,
    error: Option<&str>,
) -> Markup {
    let w = ctx.lang.pause();
    let t = ctx.t();
    let running_park = s
        .running
        .as_ref()
        .and_then(|r| parks.iter().find(|p| p.id == r.car_park_id))
        .map_or("", |p| p.name.as_str());
    let body = html! {
        (error_summary(t, &[("regnr", error)]))
        (running_card(ctx, me, s, running_park))
        @if s.running.is_none() {
            p { (w.oncall_intro) }
            @if s.left() == 0 {
                (notice(w.oncall_used_up))
            } @else {
                form method="post" action="/oncall" novalidate {
                    (csrf(&me.csrf_token))
                    label for="car_park" { (t.car_park_label) }
                    select #car_park name="car_park" {
                        @for p in parks {
                            option value=(p.id) selected[typed.car_park == p.id.to_string()] { (p.name) }
                        }
                    }
                    (input(Field::new("regnr", t.regnr_label, "text").value(&typed.regnr).error(error).plate(t)))
                    div.check {
                        input #foreign type="checkbox" name="foreign" value="yes" checked[typed.foreign.is_some()];
                        label for="foreign" { (t.foreign_label) }
                    }
                    button type="submit" { (w.oncall_start) }
                }
            }
        }
        p.hint { ((w.oncall_left)(s.left(), i64::from(s.kind.passes_per_month))) }
        p { a href="/" { (t.home_title) } }
    };
    page(ctx, Some(&frame(me)), w.oncall_title, body)
}

/// `GET /oncall`: the page, the number filled in with the one last used.
pub async fn oncall_form(UserCtx { ctx, ref me }: UserCtx, state: Data) -> Reply {
    let s = standing_of(&state, me).await?;
    let parks = db::query(&state.pool, db::catalogue::active_car_parks).await?;
    let typed = OnCallForm {
        regnr: s.last_regnr.clone().unwrap_or_default(),
        ..OnCallForm::default()
    };
    Ok(respond(
        StatusCode::OK,
        oncall_page(&ctx, me, &s, &parks, &typed, None),
    ))
}

/// "Starta jourparkering": the pass (or the one running, for a second tap), then Hem.
pub async fn start(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    form: CsrfForm<OnCallForm>,
) -> Reply {
    let s = standing_of(&state, me).await?;
    let mut typed = form.into_inner();
    typed.regnr = typed.regnr.chars().take(40).collect();
    let t = ctx.t();
    let w = ctx.lang.pause();
    let error = match (
        RegNumber::parse(&typed.regnr, typed.foreign.is_some()),
        typed.car_park.parse::<crate::domain::CarParkId>(),
    ) {
        (Err(e), _) => crate::i18n::regnr_error(t, e, typed.foreign.is_some()),
        (Ok(regnr), park) => {
            let (uid, employee) = (me.user.id, me.user.is_employee);
            let park = park.unwrap_or(crate::domain::CarParkId::from(-1));
            let started = db::run(&state.pool, move |c| {
                Ok::<_, AppError>(oncall::start(
                    c,
                    uid,
                    employee,
                    park,
                    &regnr,
                    clock::now(),
                    today(chrono::Utc::now()),
                ))
            })
            .await?;
            match started {
                Ok(_) => return Ok(see_other("/?m=oncall_started")),
                Err(OnCallError::MonthUsed) => w.oncall_used_up,
                Err(OnCallError::CarPark) => t.err_car_park,
                Err(OnCallError::Db(e)) => return Err(AppError::Db(e.into())),
                Err(_) => w.oncall_err,
            }
        }
    };
    let parks = db::query(&state.pool, db::catalogue::active_car_parks).await?;
    Ok(respond(
        StatusCode::UNPROCESSABLE_ENTITY,
        oncall_page(&ctx, me, &s, &parks, &typed, Some(error)),
    ))
}

/// "Avsluta": the user's own running pass ends now.
pub async fn end(
    UserCtx { ref me, .. }: UserCtx,
    state: Data,
    id: web::Path<crate::domain::ids::PassId>,
    _csrf: CsrfForm<CsrfOnly>,
) -> Reply {
    let (uid, id) = (me.user.id, id.into_inner());
    db::query(&state.pool, move |c| {
        crate::db::oncall::end(c, uid, id, clock::now())
    })
    .await?;
    Ok(see_other("/?m=oncall_ended"))
}

/// A POST address opened again (Back, a new tab): the page.
pub async fn to_page() -> HttpResponse {
    see_other("/oncall")
}
