//! "Notifikationer": every notification sent to the user, newest first, one row per channel,
//! with its time (Swedish time), channel, recipient, subject and delivery status; 20 a page.
//! A table on a wide screen; on a phone each row is a compact card, the subject first, and
//! the whole card opens what the notification is about (issue #35, 7).

use crate::web::ctx::UserCtx;
use actix_web::web;
use maud::html;
use serde::Deserialize;

use crate::clock;
use crate::db::{self, notifications};
use crate::i18n::labels;
use crate::state::AppState;
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

pub async fn list(
    UserCtx { ctx, ref me }: UserCtx,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Reply {
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
                            td.n-time data-label=(t.notif_time) { time datetime={ (n.created_at.and_utc().to_rfc3339()) } { (clock::local_display(n.created_at)) } }
                            td.n-channel data-label=(t.notif_channel) { (channel(&n.channel)) }
                            td.n-recipient data-label=(t.notif_recipient) { (n.recipient) }
                            td.n-subject data-label=(t.notif_subject) {
                                @match destination(&n.body_text) {
                                    Some(path) => a href=(path) { (n.subject) },
                                    None => (n.subject),
                                }
                            }
                            td.n-status data-label=(t.notif_status) { (status(n.status)) }
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

/// The page a notification is about, from the first link in its text: a permit (its
/// receipt or renewal), a case or a queue offer, as a path on this site. Links that carry a
/// token (confirming an account or an address, a password reset) are never shown again
/// here: they prove that the mailbox was read, so they stay in the mailbox.
fn destination(body: &str) -> Option<String> {
    body.split_whitespace()
        .filter_map(|word| word.split_once("://").map(|(_, rest)| rest))
        .filter_map(|rest| rest.find('/').map(|i| &rest[i..]))
        .map(|path| path.trim_end_matches(['.', ',', ')']))
        .find(|path| {
            let parts: Vec<&str> = path.split('/').skip(1).collect();
            let id = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            match parts.as_slice() {
                ["permits", n] | ["messages", n] | ["queue", "offers", n] => id(n),
                ["permits", n, "receipt" | "renew"] => id(n),
                _ => false,
            }
        })
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::destination;

    #[test]
    fn a_card_opens_a_permit_case_or_offer_never_a_token_link() {
        let at = |s: &str| destination(s);
        assert_eq!(
            at("Se kvitto: https://p.example.se/permits/12/receipt").as_deref(),
            Some("/permits/12/receipt")
        );
        assert_eq!(
            at("Svar: http://x:8080/messages/3.").as_deref(),
            Some("/messages/3")
        );
        assert_eq!(
            at("https://p.se/queue/offers/7 gäller").as_deref(),
            Some("/queue/offers/7")
        );
        for body in [
            "Bekräfta: https://p.se/confirm?token=abc",
            "https://p.se/reset-password?token=abc",
            "https://p.se/permits/12?token=abc",
            "https://p.se/permits/x1",
            "https://p.se/operator/cases/2",
            "/permits/12 utan adress",
            "",
        ] {
            assert_eq!(destination(body), None, "{body}");
        }
    }
}
