//! "Notifikationer": every notification sent to the user, newest first.

use actix_web::{HttpResponse, web};
use maud::html;
use serde::Deserialize;

use super::settings::frame;
use crate::clock;
use crate::db::{self, notifications};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::AppError;
use crate::web::layout::page;
use crate::web::respond::html;
use actix_web::http::StatusCode;

const PAGE_SIZE: i64 = 20;

#[derive(Deserialize)]
pub struct PageQuery {
    sida: Option<i64>,
}

pub async fn list(
    ctx: Ctx,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    let t = ctx.t();
    let page_no = query.sida.unwrap_or(1).clamp(1, 10_000);
    let id = me.user.id;
    let rows = db::run(&state.pool, move |c| {
        Ok(notifications::for_user(
            c,
            id,
            PAGE_SIZE + 1,
            (page_no - 1) * PAGE_SIZE,
        )?)
    })
    .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    let sv = ctx.lang == crate::web::i18n::Lang::Sv;
    let status = |s: &str| match (s, sv) {
        ("sent", true) => "Skickad",
        ("sent", false) => "Sent",
        ("failed", true) => "Kunde inte skickas",
        ("failed", false) => "Could not be sent",
        (_, true) => "Väntar på att skickas",
        (_, false) => "Waiting to be sent",
    };
    let channel = |c: &str| match (c, sv) {
        ("sms", _) => "SMS",
        (_, true) => "E-post",
        (_, false) => "E-mail",
    };
    let body = html! {
        @if rows.is_empty() {
            p { (if sv { "Inga notifikationer ännu." } else { "No notifications yet." }) }
        } @else {
            table {
                thead { tr {
                    th scope="col" { (if sv { "Tid" } else { "Time" }) }
                    th scope="col" { (if sv { "Kanal" } else { "Channel" }) }
                    th scope="col" { (if sv { "Ämne" } else { "Subject" }) }
                    th scope="col" { "Status" }
                } }
                tbody {
                    @for n in rows.iter().take(PAGE_SIZE as usize) {
                        tr {
                            td { (clock::local_display(n.created_at)) }
                            td { (channel(&n.channel)) }
                            td { (n.subject) }
                            td { (status(&n.status)) }
                        }
                    }
                }
            }
            nav aria-label=(if sv { "Sidor" } else { "Pages" }) {
                @if page_no > 1 { a href={ "/notifications?sida=" (page_no - 1) } { (if sv { "Nyare" } else { "Newer" }) } " " }
                @if more { a href={ "/notifications?sida=" (page_no + 1) } { (if sv { "Äldre" } else { "Older" }) } }
            }
        }
    };
    Ok(html(
        StatusCode::OK,
        page(&ctx, Some(&frame(me)), t.nav_notifications, body),
    ))
}
