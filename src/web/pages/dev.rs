//! The local mailbox page: what Parkportal would have sent over a channel that is not set up
//! (no SMTP server, no SMS gateway).

use actix_web::web;
use maud::{Markup, html};

use crate::clock;
use crate::db::{self, notifications};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::Reply;
use crate::web::layout::page;

/// Plain text with its links made clickable.
fn linkify(text: &str) -> Markup {
    html! {
        @for (i, line) in text.lines().enumerate() {
            @if i > 0 { br; }
            @for (j, word) in line.split(' ').enumerate() {
                @if j > 0 { " " }
                @if word.starts_with("http://") || word.starts_with("https://") {
                    a href=(word) { (word) }
                } @else { (word) }
            }
        }
    }
}

pub async fn mailbox(ctx: Ctx, state: web::Data<AppState>) -> Reply {
    let t = ctx.t();
    let rows = db::query(&state.pool, |c| notifications::local_mailbox(c, 200)).await?;
    let body = html! {
        p { (t.mailbox_intro) }
        @if rows.is_empty() { p { (t.mailbox_empty) } }
        @for n in &rows {
            article.card {
                h2 { (n.subject) }
                p.hint { (clock::local_display(n.created_at)) " · " (if n.channel == crate::notify::SMS { t.channel_sms } else { t.channel_email }) " · " (n.recipient) }
                p { (linkify(&n.body_text)) }
            }
        }
    };
    Ok(crate::web::respond::html(
        actix_web::http::StatusCode::OK,
        page(&ctx, None, t.mailbox_title, body),
    ))
}
