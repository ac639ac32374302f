//! The views of the buying flow: the form, the details of the chosen type, the review.

use super::*;

/// The part of the form that depends on the type: packages, number of days, application.
pub(super) fn type_details(ctx: &Ctx, cat: &Catalogue, form: &BuyForm, e: &BuyErrors) -> Markup {
    let t = ctx.t();
    let chosen = form
        .type_id
        .parse::<crate::domain::PermitTypeId>()
        .ok()
        .and_then(|id| cat.type_by_id(id));
    html! {
        div #type-details {
            @match chosen {
                Some(pt) if pt.kind == Kind::Day => {
                    (input(Field::new("days", t.days_label, "number").value(&form.days).error(e.days.as_deref()).range(1, pt.max_days.unwrap_or(366))
                        .hint(&format!("{} {} {}. {} {}.",
                            Money::from_ore(pt.day_price_ore.unwrap_or(0)), t.price_per_day, t.vat_included,
                            t.days_label, pt.max_days.map(|m| format!("1–{m}")).unwrap_or_default()))))
                }
                Some(pt) => {
                    fieldset aria-describedby=[e.package.map(|_| "package-error")] {
                        legend { (t.package_label) }
                        @for p in cat.packages_of(pt.id) {
                            @let id = format!("package-{}", p.id);
                            div.check {
                                input id=(id) type="radio" name="package" value=(p.id) checked[form.package == p.id.to_string()];
                                label for=(id) { (package_name(p, ctx.lang)) }
                                span.hint { " " (Money::from_ore(p.price_ore)) }
                            }
                        }
                    }
                    @if let Some(err) = e.package { p.field-error #package-error { (err) } }
                }
                None => {}
            }
            @if let Some(pt) = chosen && pt.needs_approval {
                h2 { (t.app_heading) }
                p { (t.app_intro) }
                (input(Field::new("organisation", t.app_org, "text").value(&form.organisation).error(e.organisation)))
                (input(Field::new("role", t.app_role, "text").value(&form.role).error(e.role)))
                label for="reason" { (t.app_reason) }
                textarea #reason name="reason" rows="3" required aria-invalid=[e.reason.map(|_| "true")] { (form.reason) }
                @if let Some(err) = e.reason { p.field-error { (err) } }
            }
        }
    }
}

/// How "Fullt" is sent: beside the type's details after a choice (htmx swaps it by its id),
/// in the page, or in the page as the answer to "Fortsätt" (then it takes the focus).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Swap {
    Oob,
    InPage,
    Answer,
}

/// "Fullt" where the chosen car park is full for the chosen type, with "Ställ dig i kö" (a
/// button of the wizard's form, so it sends the type and car park) or the buyer's place in
/// line.
pub(super) fn availability(ctx: &Ctx, full: Option<Full>, swap: Swap) -> Markup {
    let q = ctx.lang.queue();
    let answer = swap == Swap::Answer;
    html! {
        div #availability hx-swap-oob=[(swap == Swap::Oob).then_some("true")] {
            @if let Some(Full { place, offer_days }) = full {
                section.card.full aria-labelledby="full-h" role=[answer.then_some("alert")]
                    tabindex=[answer.then_some("-1")] autofocus[answer] {
                    h2 #full-h { (q.full) }
                    p { (q.full_body) }
                    @match place {
                        Some(n) => p { strong { ((q.place)(n)) } ". " (q.in_line_already) " " a href="/" { (ctx.t().home_title) } },
                        None => button type="submit" formaction="/queue/join" { (q.join) },
                    }
                    p.hint { ((q.how_it_works)(offer_days)) }
                }
            }
        }
    }
}

/// The wizard's wrong fields in the form's order, for the error summary: a group of radio
/// buttons by its first button.
fn buy_errors<'a>(
    cat: &Catalogue,
    form: &BuyForm,
    e: &'a BuyErrors,
) -> Vec<(String, Option<&'a str>)> {
    let first_type = cat.types.first().map(|pt| format!("type-{}", pt.id));
    let first_package = form
        .type_id
        .parse::<crate::domain::PermitTypeId>()
        .ok()
        .and_then(|id| {
            cat.packages_of(id)
                .next()
                .map(|p| format!("package-{}", p.id))
        });
    vec![
        (first_type.unwrap_or_default(), e.type_id),
        (first_package.unwrap_or_default(), e.package),
        ("days".into(), e.days.as_deref()),
        ("organisation".into(), e.organisation),
        ("role".into(), e.role),
        ("reason".into(), e.reason),
        ("start".into(), e.start),
        ("regnr".into(), e.regnr),
        ("car_park".into(), e.car_park),
    ]
}

pub(super) fn buy_form(
    ctx: &Ctx,
    me: &SessionUser,
    cat: &Catalogue,
    form: &BuyForm,
    e: &BuyErrors,
) -> Markup {
    let t = ctx.t();
    html! {
        (error_summary(t, &buy_errors(cat, form, e)))
        form method="post" action="/permits/new" novalidate {
            (csrf(&me.csrf_token))
            input type="hidden" name="renews" value=(form.renews);
            fieldset aria-describedby=[e.type_id.map(|_| "type-error")] {
                legend { (t.type_label) }
                @for pt in &cat.types {
                    @let id = format!("type-{}", pt.id);
                    div.check {
                        input id=(id) type="radio" name="type" value=(pt.id) checked[form.type_id == pt.id.to_string()]
                            hx-get="/permits/new/details" hx-target="#type-details" hx-swap="outerHTML"
                            hx-include="closest form" hx-params="not csrf";
                        label for=(id) { (type_name(pt, ctx.lang)) }
                    }
                }
                // Without JavaScript: the packages of the chosen type. A POST (the token stays out of
                // the address) that comes back as the form's page with what was typed.
                noscript { button.secondary type="submit" formaction="/permits/new/details" { (t.show_packages) } }
            }
            @if let Some(err) = e.type_id { p.field-error #type-error { (err) } }
            (order_fields(ctx, cat, form, e))
            label for="car_park" { (t.car_park_label) }
            select #car_park name="car_park" aria-invalid=[e.car_park.map(|_| "true")]
                aria-describedby=[e.car_park.map(|_| "car_park-error")]
                hx-get="/permits/new/details" hx-target="#type-details" hx-swap="outerHTML"
                hx-include="closest form" hx-params="not csrf" {
                @for c in &cat.car_parks {
                    option value=(c.id) selected[form.car_park == c.id.to_string()] { (c.name) }
                }
            }
            @if let Some(err) = e.car_park { p.field-error #car_park-error { (err) } }
            (availability(ctx, e.full, if e.refused_full { Swap::Answer } else { Swap::InPage }))
            button type="submit" { (t.continue_button) }
        }
    }
}

/// The wizard; for a renewal ("Förnya") the renewal page instead, which asks only what may
/// change: the package and the car's number (the type, the car park and the start stay).
/// What of the order is settled before the wizard opens: nothing, the permit a renewal
/// renews, or the queue offer it answers (its car park and type).
#[derive(Clone, Copy)]
pub(super) enum Locked<'a> {
    Free,
    Renewal(&'a PermitRow),
    Offer(&'a crate::db::queue::OfferRow),
}

pub(super) fn buy_page(
    ctx: &Ctx,
    me: &SessionUser,
    cat: &Catalogue,
    form: &BuyForm,
    e: &BuyErrors,
    locked: Locked<'_>,
) -> Markup {
    let t = ctx.t();
    if let Locked::Offer(o) = locked
        && let Some(body) = offer_form(ctx, me, cat, form, e, o)
    {
        return page(ctx, Some(&frame(me)), ctx.lang.flow().offer_buy_title, body);
    }
    let renewing = match locked {
        Locked::Renewal(old) => Some(old),
        _ => None,
    };
    let same = renewing.and_then(|old| {
        let pt = cat.type_by_id(old.permit_type_id)?;
        let cp = cat.car_parks.iter().find(|c| c.id == old.car_park_id)?;
        Some((old, pt, cp))
    });
    let Some((old, pt, cp)) = same else {
        return page(
            ctx,
            Some(&frame(me)),
            t.buy_title,
            buy_form(ctx, me, cat, form, e),
        );
    };
    let title = format!(
        "{} {} – {} {}",
        t.renew, old.regnr, t.renew_from, form.start
    );
    let body = html! {
        (error_summary(t, &[("package", e.package), ("days", e.days.as_deref()), ("regnr", e.regnr)]))
        p { (t.renew_same) " " strong { (type_name(pt, ctx.lang)) } ", " strong { (cp.name) } "." }
        p { (t.renew_intro) }
        // A refusal of what this page does not ask (the start, the type) is said here.
        @for err in [e.start, e.type_id, e.car_park].into_iter().flatten() { (notice_error(err)) }
        form method="post" action="/permits/new" novalidate {
            (csrf(&me.csrf_token))
            input type="hidden" name="renews" value=(form.renews);
            input type="hidden" name="type" value=(form.type_id);
            input type="hidden" name="start" value=(form.start);
            input type="hidden" name="car_park" value=(form.car_park);
            (type_details(ctx, cat, form, e))
            (input(Field::new("regnr", t.regnr_label, "text").value(&form.regnr).error(e.regnr).plate(t)))
            div.check {
                input #foreign type="checkbox" name="foreign" value="yes" checked[form.foreign.is_some()];
                label for="foreign" { (t.foreign_label) }
            }
            button type="submit" { (t.continue_button) }
        }
        p { a href={ "/permits/" (old.id) } { (t.back_to_permit) } }
    };
    page(ctx, Some(&frame(me)), &title, body)
}

/// What every order asks: the type's package (or days, and an application's texts), the
/// start, and the number (the wizard and the offer's order alike).
fn order_fields(ctx: &Ctx, cat: &Catalogue, form: &BuyForm, e: &BuyErrors) -> Markup {
    let t = ctx.t();
    html! {
        (type_details(ctx, cat, form, e))
        (input(Field::new("start", t.start_label, "date").value(&form.start).error(e.start).min(today(chrono::Utc::now()))))
        (input(Field::new("regnr", t.regnr_label, "text").value(&form.regnr).error(e.regnr).plate(t)))
        div.check {
            input #foreign type="checkbox" name="foreign" value="yes" checked[form.foreign.is_some()];
            label for="foreign" { (t.foreign_label) }
        }
    }
}

/// The order of a queue offer ("Tacka ja"): the place is said to be held until the offer's
/// deadline, the car park and type are not asked again; only the package (or days), the start
/// and the number, filled in with the one typed when joining the queue (issue #35, 4).
fn offer_form(
    ctx: &Ctx,
    me: &SessionUser,
    cat: &Catalogue,
    form: &BuyForm,
    e: &BuyErrors,
    o: &crate::db::queue::OfferRow,
) -> Option<Markup> {
    let t = ctx.t();
    let pt = cat.type_by_id(o.permit_type_id)?;
    let cp = cat.car_parks.iter().find(|c| c.id == o.car_park_id)?;
    Some(html! {
        (error_summary(t, &[("package", e.package), ("days", e.days.as_deref()), ("start", e.start), ("regnr", e.regnr), ("organisation", e.organisation), ("role", e.role), ("reason", e.reason)]))
        (reserved_notice(ctx, &cp.name, o.expires_at))
        p { (t.type_label) ": " strong { (type_name(pt, ctx.lang)) } }
        @for err in [e.type_id, e.car_park].into_iter().flatten() { (notice_error(err)) }
        form method="post" action="/permits/new" novalidate {
            (csrf(&me.csrf_token))
            input type="hidden" name="offer" value=(o.id);
            input type="hidden" name="type" value=(o.permit_type_id);
            input type="hidden" name="car_park" value=(o.car_park_id);
            (order_fields(ctx, cat, form, e))
            button type="submit" { (t.continue_button) }
        }
    })
}

/// "Din plats i … är reserverad till …": on the offer's order and its review.
pub(super) fn reserved_notice(ctx: &Ctx, car_park: &str, until: chrono::NaiveDateTime) -> Markup {
    let f = ctx.lang.flow();
    html! {
        div.notice role="status" {
            (f.reserved_before) " " strong { (car_park) } " " (f.reserved_until) " " strong.nowrap { (clock::local_display(until)) } "."
        }
    }
}

pub(super) fn hidden_fields(form: &BuyForm) -> Markup {
    html! {
        input type="hidden" name="type" value=(form.type_id);
        input type="hidden" name="package" value=(form.package);
        input type="hidden" name="start" value=(form.start);
        input type="hidden" name="regnr" value=(form.regnr);
        @if form.foreign.is_some() { input type="hidden" name="foreign" value="yes"; }
        input type="hidden" name="days" value=(form.days);
        input type="hidden" name="car_park" value=(form.car_park);
        input type="hidden" name="organisation" value=(form.organisation);
        input type="hidden" name="role" value=(form.role);
        input type="hidden" name="reason" value=(form.reason);
        input type="hidden" name="renews" value=(form.renews);
        input type="hidden" name="offer" value=(form.offer);
    }
}

pub(super) fn review_page(
    ctx: &Ctx,
    me: &SessionUser,
    form: &BuyForm,
    o: &Order,
    already: Option<NaiveDate>,
    reserved: Option<chrono::NaiveDateTime>,
) -> Markup {
    let t = ctx.t();
    let body = html! {
        @if let Some(until) = reserved { (reserved_notice(ctx, &o.car_park.name, until)) }
        // The car has a permit there already for a day of this period (issue #35, 1).
        @if let Some(until) = already {
            div.notice.warning role="status" {
                strong { (o.regnr) } " " (t.review_already) " " (o.car_park.name) " " (t.review_already_until) " " (until) ". " (t.review_already_check)
            }
        }
        p { (t.review_intro) }
        dl.card {
            dt { (t.type_label) } dd { (type_name(&o.permit_type, ctx.lang)) }
            @if let Some(p) = &o.package { dt { (t.package_label) } dd { (package_name(p, ctx.lang)) } }
            @if let Some(n) = o.days { dt { (t.days_label) } dd { (n) } }
            dt { (t.period_label) } dd { (o.start) " – " (o.end) }
            dt { (t.regnr_label) } dd { (o.regnr) }
            dt { (t.car_park_label) } dd { (o.car_park.name) }
            @if let Some(a) = &o.application { dt { (t.app_org) } dd { (a.organisation) ", " (a.role) } }
            dt { (t.price_label) } dd { strong { (o.price) } " " (t.vat_included) }
        }
        form method="post" action="/permits/confirm" {
            (csrf(&me.csrf_token))
            (hidden_fields(form))
            input type="hidden" name="confirm_key" value=(form.confirm_key);
            button type="submit" { (t.confirm_button) }
        }
        form method="get" action="/permits/new" {
            (hidden_fields(form))
            button.secondary type="submit" { (t.change_button) }
        }
    };
    page(ctx, Some(&frame(me)), t.review_title, body)
}

/// The review reached again once confirmed ("Back" from the permit): the order is made; a link
/// to it instead of a second "Bekräfta".
pub(super) fn ordered_page(ctx: &Ctx, me: &SessionUser, id: PermitId) -> Markup {
    let f = ctx.lang.flow();
    let body = html! {
        div.notice role="status" { (f.already_ordered) }
        p { a.button href={ "/permits/" (id) } { (f.show_order) } }
    };
    page(ctx, Some(&frame(me)), ctx.t().review_title, body)
}
