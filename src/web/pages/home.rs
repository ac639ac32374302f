//! "Hem": the user's permits with their latest information; the login page for everyone else.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::html;

use crate::db::{self, catalogue, permits};
use crate::state::AppState;
use crate::web::account::{LoginQuery, login_page};
use crate::web::ctx::Ctx;
use crate::web::error::AppError;
use crate::web::layout::page;
use crate::web::permits::{permit_type_name, status_label};
use crate::web::respond::html;
use crate::web::settings::frame;

pub async fn home(
    ctx: Ctx,
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let Some(me) = &ctx.user else {
        return Ok(login_page(ctx, query).await);
    };
    let t = ctx.t();
    let uid = me.user.id;
    let today = crate::domain::permit::today(chrono::Utc::now());
    let (list, parks, sessions) = db::query(&state.pool, move |c| {
        Ok((
            permits::for_user(c, uid)?,
            catalogue::active_car_parks(c)?,
            crate::db::daycards::today_for_user(c, uid, today)?,
        ))
    })
    .await?;
    let park_name = |id: i64| {
        parks
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name.as_str())
            .unwrap_or("")
    };
    let body = html! {
        @if list.is_empty() {
            p { (t.home_empty) }
        } @else {
            ul.links {
                @for p in &list {
                    li.card {
                        strong { (permit_type_name(p, ctx.lang)) }
                        dl {
                            dt { (t.col_regnr) } dd { (p.regnr) }
                            dt { (t.col_period) } dd { (p.start_date) " – " (p.end_date) }
                            dt { (t.col_status) } dd { (status_label(p, ctx.lang)) }
                            @if let Some(bought) = p.days_bought {
                                dt { (t.days_left_label) } dd { ((bought - p.days_used).max(0)) }
                                @if let Some((_, regnr)) = sessions.iter().find(|(id, _)| *id == p.id) {
                                    dt { (t.today_session) } dd { (regnr) }
                                }
                            }
                            dt { (t.col_car_park) } dd { (park_name(p.car_park_id)) }
                        }
                        a href={ "/permits/" (p.id) } aria-label={ (t.view_edit) ", " (permit_type_name(p, ctx.lang)) " " (p.regnr) } { (t.view_edit) }
                    }
                }
            }
        }
        p { a.button href="/permits/new" { (t.nav_buy) } }
    };
    Ok(html(
        StatusCode::OK,
        page(&ctx, Some(&frame(me)), t.home_title, body),
    ))
}
