//! "Notifikationer": every notification sent to the user, newest first, one row per channel,
//! with its time (Swedish time), channel, recipient, subject and delivery status; 20 a page.

use actix_web::web;
use maud::html;
use serde::Deserialize;

use crate::clock;
use crate::db::{self, notifications};
use crate::i18n::labels;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::Reply;
use crate::web::layout::page;
use crate::web::respond::html;
use crate::web::settings::frame;
use actix_web::http::StatusCode;

const PAGE_SIZE: i64 = 20;

#[derive(Deserialize)]
pub struct PageQuery {
    sida: Option<i64>,
}

pub async fn list(ctx: Ctx, state: web::Data<AppState>, query: web::Query<PageQuery>) -> Reply {
    let me = ctx.require_user()?;
    let t = ctx.t();
    let page_no = query.sida.unwrap_or(1).clamp(1, 10_000);
    let id = me.user.id;
    let rows = db::query(&state.pool, move |c| {
        notifications::for_user(c, id, PAGE_SIZE + 1, (page_no - 1) * PAGE_SIZE)
    })
    .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    let status = |s| labels::notification(t, s);
    let channel = |c: &str| labels::channel(t, c);
    let body = html! {
        @if rows.is_empty() && page_no == 1 {
            p { (t.notif_empty) }
        } @else {
            table.notifications {
                thead { tr {
                    th scope="col" { (t.notif_time) }
                    th scope="col" { (t.notif_channel) }
                    th scope="col" { (t.notif_recipient) }
                    th scope="col" { (t.notif_subject) }
                    th scope="col" { (t.notif_status) }
                } }
                tbody {
                    @for n in rows.iter().take(PAGE_SIZE as usize) {
                        tr data-status=(n.status) {
                            td data-label=(t.notif_time) { time datetime={ (n.created_at.and_utc().to_rfc3339()) } { (clock::local_display(n.created_at)) } }
                            td data-label=(t.notif_channel) { (channel(&n.channel)) }
                            td data-label=(t.notif_recipient) { (n.recipient) }
                            td data-label=(t.notif_subject) { (n.subject) }
                            td data-label=(t.notif_status) { (status(n.status)) }
                        }
                    }
                }
            }
            @if page_no > 1 || more {
                nav.pages aria-label=(t.pages_label) {
                    @if page_no > 1 {
                        a rel="prev" href={ "/notifications?sida=" (page_no - 1) } { (t.page_previous) }
                        " "
                    }
                    span aria-current="page" { (t.page_number) " " (page_no) }
                    @if more {
                        " "
                        a rel="next" href={ "/notifications?sida=" (page_no + 1) } { (t.page_next) }
                    }
                }
            }
        }
    };
    Ok(html(
        StatusCode::OK,
        page(&ctx, Some(&frame(me)), t.nav_notifications, body),
    ))
}
