//! "Hem": the logged-in start page; the login page for everyone else.

use actix_web::{HttpResponse, web};
use maud::html;

use super::account::{LoginQuery, login_page};
use super::settings::frame;
use crate::web::ctx::Ctx;
use crate::web::error::AppError;
use crate::web::layout::page;
use crate::web::respond::html;
use actix_web::http::StatusCode;

pub async fn home(ctx: Ctx, query: web::Query<LoginQuery>) -> Result<HttpResponse, AppError> {
    let Some(me) = &ctx.user else {
        return Ok(login_page(ctx, query).await);
    };
    let t = ctx.t();
    let body = html! {
        p { (t.home_empty) }
        p { a.button href="/permits/new" { (t.nav_buy) } }
    };
    Ok(html(
        StatusCode::OK,
        page(&ctx, Some(&frame(me)), t.home_title, body),
    ))
}
