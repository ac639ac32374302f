//! The page frame: full pages for normal requests, the same fragments for HTMX swaps.

use maud::{DOCTYPE, Markup, Render, html};

use super::assets;
use super::ctx::Ctx;
use crate::domain::role::Role;
use crate::i18n::Texts;

/// What the logged-in frame shows on the right of the top bar.
pub struct Frame<'a> {
    pub unread_messages: i64,
    pub csrf_token: &'a str,
    /// An operator or admin also sees a link to the operator portal.
    pub operator: bool,
}

/// A full page. `frame` is `Some` for logged-in pages (the green top bar of the guide),
/// `None` for the plain header of logged-out pages.
pub fn page(ctx: &Ctx, frame: Option<&Frame>, title: &str, body: Markup) -> Markup {
    let header = match frame {
        Some(frame) => top_bar(ctx, frame),
        None => plain_header(ctx),
    };
    document(ctx, header, title, body, false)
}

/// A page of the operator portal (`/operator/…`): its own top bar.
pub fn operator_page(ctx: &Ctx, csrf_token: &str, title: &str, body: Markup) -> Markup {
    document(ctx, operator_bar(ctx, csrf_token), title, body, true)
}

/// `desk`: an operator page, which uses the width of the office's screen from 1024 px.
fn document(ctx: &Ctx, header: Markup, title: &str, body: Markup, desk: bool) -> Markup {
    let t = ctx.t();
    // A refused form (its error summary is on the page) says so first in the title.
    let refused = body
        .0
        .contains(&format!("id=\"{}\"", super::forms::ERROR_SUMMARY_ID));
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { @if refused { (t.err_title_prefix) } (title) " – " (t.app_name) }
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(assets::url("app.css"));
                // (Its configuration is part of the file: `assets::HTMX_CONFIG`.)
                script src=(assets::url("vendor/htmx.min.js")) defer {}
            }
            body class=[desk.then_some("desk")] {
                a.skip href="#main" { (t.skip_to_content) }
                (demo_banner(ctx))
                (header)
                main #main tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
                footer {
                    p { (t.footer_org) }
                    p { a href="/tillganglighet" { (t.a11y_link) } }
                }
            }
        }
    }
}

/// Demo mode: a banner on every page naming what is simulated (CONTRACT.md "Demo mode").
fn demo_banner(ctx: &Ctx) -> Markup {
    demo_banner_of(&ctx.services, ctx.t())
}

/// The demo banner for `s`, in the language of `t` (also on the simulators' pages).
pub(super) fn demo_banner_of(s: &crate::settings::Services, t: &Texts) -> Markup {
    if !s.demo() {
        return html! {};
    }
    let simulated: Vec<&str> = [
        (s.email.simulated(), t.demo_email),
        (s.sms.simulated(), t.demo_sms),
        (s.swish.simulated(), t.demo_swish),
        (s.card.simulated(), t.demo_card),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    html! {
        section.demo aria-label=(t.demo_banner) {
            strong { (t.demo_banner) } " " (t.demo_simulated) " " (simulated.join(", ")) "."
            @if s.mailbox_page() { " " a href="/dev/mailbox" { (t.demo_mailbox_link) } }
        }
    }
}

fn language_switch(ctx: &Ctx) -> Markup {
    let other = ctx.lang.other();
    let href = format!(
        "/lang/{}?next={}",
        other.code(),
        url::form_urlencoded::byte_serialize(ctx.here.as_bytes()).collect::<String>()
    );
    html! {
        a href=(href) lang=(other.code()) hreflang=(other.code()) { (ctx.t().switch_language) }
    }
}

fn brand(ctx: &Ctx) -> Markup {
    let t = ctx.t();
    html! {
        span.brand { (t.app_name) " " span.region { (t.brand_region) } }
    }
}

fn plain_header(ctx: &Ctx) -> Markup {
    html! {
        header.plainbar {
            div.wrap {
                a.brand-link href="/" { (brand(ctx)) }
                (language_switch(ctx))
            }
        }
    }
}

/// `aria-current="page"` on the link of the page the user is on.
fn current(ctx: &Ctx, href: &str) -> Option<&'static str> {
    let path = ctx.here.split(['?', '#']).next().unwrap_or("/");
    let here = match href {
        "/" | "/settings" => path == href,
        _ => path
            .strip_prefix(href)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/')),
    };
    here.then_some("page")
}

/// The count of unread replies beside "Meddelanden" (outside the link, so the link's text
/// stays the guide's word). It asks again now and then, so a reply shows up without a reload;
/// the question carries the count shown, and an unchanged count is answered with 204 (nothing
/// swapped), so the live region around it announces a new count once and nothing else.
pub fn unread_badge(t: &crate::i18n::Texts, unread: i64) -> Markup {
    html! {
        span #unread hx-get={ "/messages/unread?seen=" (unread) } hx-trigger="every 60s" hx-swap="outerHTML" {
            @if unread > 0 {
                " " span.badge aria-hidden="true" { (unread) }
                span.sr-only { (unread) " " (t.unread_label) }
            }
        }
    }
}

/// A link text that may break after a Swedish compound's joint on a narrow phone ("Köp nytt
/// parkerings|tillstånd", so the bar keeps one row at 320 px): a `<wbr>`, which adds no
/// character, so the text a screen reader or a test reads is the guide's word unchanged.
fn breakable(text: &str) -> Markup {
    match text.split_once("parkerings") {
        Some((head, tail)) => html! { (head) "parkerings" wbr; (tail) },
        None => html! { (text) },
    }
}

/// The logged-in bar. On a phone: the brand above one row of what is used most ("Hem", "Köp
/// nytt parkeringstillstånd", "Meddelanden") and "Meny", a `<details>` (no script needed) with
/// the rest; on a wide screen the stylesheet shows the rest in the row and hides "Meny".
fn top_bar(ctx: &Ctx, frame: &Frame) -> Markup {
    let t = ctx.t();
    let link = |href: &'static str, text: &dyn Render| {
        html! { a href=(href) aria-current=[current(ctx, href)] { (text) } }
    };
    html! {
        header.topbar.main-bar {
            div.wrap {
                (brand(ctx))
                nav aria-label=(t.main_navigation) {
                    ul.primary {
                        li { (link("/", &t.nav_home)) }
                        li { (link("/permits/new", &breakable(t.nav_buy))) }
                        li aria-live="polite" {
                            (link("/messages", &t.nav_messages))
                            (unread_badge(t, frame.unread_messages))
                        }
                    }
                    details.more {
                        summary { (t.nav_menu) }
                        ul {
                            li { (link("/notifications", &t.nav_notifications)) }
                            li { (link("/settings", &t.nav_settings)) }
                            li { (link("/settings/payment", &t.nav_payment_settings)) }
                            @if frame.operator {
                                li { (link("/operator", &t.nav_operator)) }
                            }
                            li { (language_switch(ctx)) }
                            li {
                                form method="post" action="/logout" {
                                    input type="hidden" name="csrf" value=(frame.csrf_token);
                                    button.linkbtn type="submit" { (t.nav_logout) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The operator portal's bar: its pages on the left; the customer portal, language and
/// "Logga ut" on the right. Only pages that exist are linked.
fn operator_bar(ctx: &Ctx, csrf_token: &str) -> Markup {
    let t = ctx.t();
    let link = |href: &'static str, text: &str| {
        html! { a href=(href) aria-current=[current(ctx, href)] { (text) } }
    };
    html! {
        header.topbar.operator {
            div.wrap {
                nav aria-label=(t.operator_navigation) {
                    // A "Kontrollant" has Kontroll alone: a small menu (issue #36, 6).
                    @if ctx.user.as_ref().is_some_and(|u| !u.user.is_office()) {
                        ul { li { (link("/operator/check", t.nav_check)) } }
                    } @else {
                    ul {
                        li { (link("/operator/dashboard", t.op_dashboard)) }
                        li { (link("/operator/applications", t.op_applications)) }
                        li { (link("/operator/cases", t.op_cases)) }
                        li { (link("/operator/search", t.op_search)) }
                        li { (link("/operator/check", t.nav_check)) }
                        li { (link("/operator/catalogue", t.op_catalogue)) }
                        li { (link("/operator/queues", ctx.lang.queue().op_queues)) }
                        li { (link("/operator/reports", t.op_reports)) }
                        @if ctx.user.as_ref().is_some_and(|u| u.user.role == Role::Admin) {
                            li { (link("/operator/staff", t.op_staff)) }
                        }
                    }
                    }
                    ul {
                        // Who is logged in (several people share the office's computers).
                        @if let Some(u) = &ctx.user {
                            li.who { @if u.user.name.is_empty() { (u.user.email) } @else { (u.user.name) } }
                        }
                        @if ctx.user.as_ref().is_some_and(|u| u.user.is_office()) {
                            li { a href="/" { (t.nav_customer_portal) } }
                        }
                        li { (language_switch(ctx)) }
                        li {
                            form method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(csrf_token);
                                button.linkbtn type="submit" { (t.nav_logout) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A short error page in the user's language.
pub fn message_page(ctx: &Ctx, title: &str, text: &str) -> Markup {
    page(
        ctx,
        None,
        title,
        html! {
            p { (text) }
            p { a href="/" { (ctx.t().back_home) } }
        },
    )
}

/// Marks up a paragraph list from static text.
pub fn paragraphs(items: &[&str]) -> Markup {
    html! { @for p in items { p { (p) } } }
}
