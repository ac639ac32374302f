//! Katalog's page: the capacity table, each type's terms and packages, the car parks; a
//! refused form's fields as typed, and the note of what was just saved, where it was saved.

use super::*;

pub(super) async fn catalogue_view(
    op: &OperatorCtx,
    state: &AppState,
    f: Markup,
    r: &Refused,
    status: StatusCode,
) -> Reply {
    let t = op.ctx.t();
    let (types, pkgs, parks, caps) = db::query(&state.pool, |c| {
        Ok((
            catalogue::all_permit_types(c)?,
            catalogue::all_packages(c)?,
            catalogue::all_car_parks(c)?,
            crate::db::queue::all_capacities(c)?,
        ))
    })
    .await?;
    let q = op.ctx.lang.queue();
    let places = |park: crate::domain::CarParkId, ty: crate::domain::PermitTypeId| {
        caps.iter()
            .find(|c| c.car_park_id == park && c.permit_type_id == ty)
            .and_then(|c| c.places)
            .map(|n| n.to_string())
            .unwrap_or_default()
    };
    let summary: Vec<(&str, Option<&str>)> = r
        .errors
        .iter()
        .map(|(id, e)| (id.as_str(), Some(*e)))
        .collect();
    let o = op.ctx.lang.office();
    // What was saved, where it was saved; the address after saving ends in `#saved`.
    let saved_note =
        |text: &str| html! { div.notice #saved role="status" tabindex="-1" { (text) } };
    let saved_here = |part: &Saved| (r.saved == *part).then(|| saved_note(t.op_saved));
    let active_parks: Vec<_> = parks.iter().filter(|p| p.active).collect();
    let body = html! {
        (f)
        (error_summary(t, &summary))
        p { (t.op_catalogue_note) }
        // Capacity as one table: car parks down, types across, one "Spara" (issue #36, 3).
        section.card #capacity aria-labelledby="capacity-h" {
            h2 #capacity-h { (q.op_capacity) }
            @if let Saved::Capacity(cells) = &r.saved {
                div.notice #saved role="status" tabindex="-1" {
                    p { (t.op_saved) }
                    @if cells.is_empty() {
                        p { (o.nothing_changed) }
                    } @else {
                        ul {
                            @for (tid, pid) in cells {
                                @if let (Some(pt), Some(park)) = (types.iter().find(|x| x.id == *tid), parks.iter().find(|x| x.id == *pid)) {
                                    @let now = places(*pid, *tid);
                                    li { (park.name) ", " (pt.name_sv) ": " strong { @if now.is_empty() { (o.no_limit) } @else { (now) } } }
                                }
                            }
                        }
                    }
                }
            }
            p.hint #cap-hint { (q.op_capacity_hint) }
            form method="post" action="/operator/catalogue/capacity" novalidate {
                (csrf(&op.me.csrf_token))
                div.table-wrap role="region" aria-labelledby="cap-caption" tabindex="0" {
                    table.capacity {
                        caption.sr-only #cap-caption { (o.capacity_table) }
                        thead { tr {
                            th scope="col" { (t.car_park_label) }
                            @for pt in &types { th scope="col" #{ "cap-col-" (pt.id) } { (pt.name_sv) } }
                        } }
                        tbody {
                            @for park in &active_parks {
                                tr {
                                    th scope="row" #{ "cap-row-" (park.id) } { (park.name) }
                                    @for pt in &types {
                                        @let id = format!("cap-{}-{}", pt.id, park.id);
                                        @let error = r.error(&id);
                                        td {
                                            label.sr-only for=(id) { (q.op_capacity) }
                                            input id=(id) type="text" name=(id) value=(r.typed(&id, &places(park.id, pt.id))) inputmode="numeric" size="5"
                                                aria-invalid=[error.map(|_| "true")]
                                                aria-describedby={ "cap-row-" (park.id) " cap-col-" (pt.id) " cap-hint" @if error.is_some() { " " (id) "-error" } };
                                            @if let Some(e) = error { p.field-error id={ (id) "-error" } { (e) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                button type="submit" { (t.op_save) }
            }
        }
        @for pt in &types {
            @let tid = pt.id;
            section.card.type-terms aria-labelledby={ "type-" (tid) } {
                h2 #{ "type-" (tid) } { (pt.name_sv) }
                p { (labels::kind(t, pt.kind)) @if pt.needs_approval { " · " (t.op_needs_approval) } }
                @if let Some(n) = saved_here(&Saved::Type(tid)) { (n) }
                @if let Some(pkg) = pkgs.iter().find(|p| p.permit_type_id == tid && r.saved == Saved::Package(p.id)) {
                    (saved_note(&format!("{} {}: {}{}", t.op_saved, pkg.name_sv, Money::from_ore(pkg.price_ore),
                        if pkg.active { String::new() } else { format!(" ({})", t.op_inactive) })))
                }
                form.terms method="post" action={ "/operator/catalogue/types/" (tid) } novalidate {
                    (csrf(&op.me.csrf_token))
                    div.check {
                        input id={ "sold-" (tid) } type="checkbox" name="active" value="yes" checked[pt.active];
                        label for={ "sold-" (tid) } { (t.op_type_sold) }
                    }
                    (term_field(r, &format!("vat-{tid}"), "vat", t.op_vat_label, &vat_percent(pt.vat_basis_points), "decimal"))
                    @if pt.kind == Kind::Day {
                        @let price = pt.day_price_ore.map(|o| Money::from_ore(o).sek_typed()).unwrap_or_default();
                        @let validity = pt.day_validity_months.map(|m| m.to_string()).unwrap_or_default();
                        @let most = pt.max_days.map(|m| m.to_string()).unwrap_or_default();
                        (term_field(r, &format!("dayprice-{tid}"), "day_price", t.op_day_price_label, &price, "decimal"))
                        (term_field(r, &format!("validity-{tid}"), "validity", t.op_validity_label, &validity, "numeric"))
                        (term_field(r, &format!("maxdays-{tid}"), "max_days", t.op_max_days_label, &most, "numeric"))
                    } @else {
                        (term_field(r, &format!("pauses-{tid}"), "max_pauses", op.ctx.lang.pause().pauses_label, &pt.max_pauses.to_string(), "numeric"))
                    }
                    button.small type="submit" { (t.op_save) }
                }
                @let own: Vec<_> = pkgs.iter().filter(|p| p.permit_type_id == tid).collect();
                @if !own.is_empty() {
                    // One row per package; its fields belong to the row's own form (`form=`).
                    div.table-wrap role="region" aria-labelledby={ "packages-" (tid) } tabindex="0" {
                    table.packages {
                        caption.sr-only #{ "packages-" (tid) } { (t.package_label) " – " (pt.name_sv) }
                        thead { tr {
                            th scope="col" { (t.package_label) }
                            th scope="col" { (t.op_package_months) }
                            th scope="col" { (t.op_price_label) }
                            th scope="col" { (t.op_active) }
                            th scope="col" { span.sr-only { (t.op_save) } }
                        } }
                        tbody {
                            @for pkg in own {
                                @let pid = pkg.id;
                                @let form_id = format!("package-form-{pid}");
                                @let price_id = format!("price-{pid}");
                                @let price = Money::from_ore(pkg.price_ore).sek_typed();
                                @let price_error = r.error(&price_id);
                                tr #{ "package-" (pid) } {
                                    th scope="row" #{ "package-name-" (pid) } { (pkg.name_sv) }
                                    td data-label=(t.op_package_months) { (pkg.months) }
                                    td data-label=(t.op_price_label) {
                                        label.sr-only for=(price_id) { (t.op_price_label) }
                                        input id=(price_id) form=(form_id) type="text" name="price" value=(r.typed(&price_id, &price)) inputmode="decimal" size="8"
                                            aria-invalid=[price_error.map(|_| "true")]
                                            aria-describedby={ "package-name-" (pid) @if price_error.is_some() { " " (price_id) "-error" } };
                                        @if let Some(e) = price_error { p.field-error id={ (price_id) "-error" } { (e) } }
                                    }
                                    td data-label=(t.op_active) {
                                        div.check {
                                            input id={ "active-" (pid) } form=(form_id) type="checkbox" name="active" value="yes" checked[pkg.active]
                                                aria-describedby={ "package-name-" (pid) };
                                            label for={ "active-" (pid) } { (t.op_active) }
                                        }
                                    }
                                    td {
                                        form #(form_id) method="post" action={ "/operator/catalogue/packages/" (pid) } novalidate {
                                            (csrf(&op.me.csrf_token))
                                            button.small type="submit" aria-describedby={ "package-name-" (pid) } { (t.op_save) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    }
                }
                @if pt.kind == Kind::Period {
                    form.terms method="post" action="/operator/catalogue/packages" novalidate {
                        (csrf(&op.me.csrf_token))
                        input type="hidden" name="type_id" value=(tid);
                        @let (name_id, months_id, price_id) = (format!("name-{tid}"), format!("months-{tid}"), format!("newprice-{tid}"));
                        div { (input(Field::new(&name_id, t.op_package_name, "text").value(r.typed(&name_id, "")).error(r.error(&name_id)).optional())) }
                        div { (input(Field::new(&months_id, t.op_package_months, "number").value(r.typed(&months_id, "")).error(r.error(&months_id)).range(1, 36).optional())) }
                        div { (input(Field::new(&price_id, t.op_price_label, "text").value(r.typed(&price_id, "")).error(r.error(&price_id)).optional().inputmode("decimal"))) }
                        button.secondary type="submit" { (t.op_add_package) }
                    }
                }
            }
        }
        section.card #parks aria-labelledby="parks-h" {
            h2 #parks-h { (t.op_car_parks) }
            @if let Some(n) = saved_here(&Saved::Parks) { (n) }
            ul { @for park in &parks { li { (park.name) " – " (park.site) @if !park.active { " (" (t.op_inactive) ")" } } } }
            form.terms method="post" action="/operator/catalogue/car-parks" novalidate {
                (csrf(&op.me.csrf_token))
                div { (input(Field::new("park_name", t.op_park_name, "text").value(r.typed("park_name", "")).error(r.error("park_name")).optional())) }
                div { (input(Field::new("park_site", t.op_park_site, "text").value(r.typed("park_site", "")).error(r.error("park_site")).optional())) }
                button.secondary type="submit" { (t.op_add_car_park) }
            }
        }
    };
    Ok(respond(
        status,
        operator_page(&op.ctx, &op.me.csrf_token, t.op_catalogue, body),
    ))
}

/// One field of a type's terms: its label, what it holds (or was typed) and its error.
fn term_field(r: &Refused, id: &str, name: &str, label: &str, current: &str, mode: &str) -> Markup {
    let error = r.error(id);
    html! {
        div {
            label for=(id) { (label) }
            input id=(id) type="text" name=(name) value=(r.typed(id, current)) inputmode=(mode)
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[error.map(|_| format!("{id}-error"))];
            @if let Some(e) = error { p.field-error id={ (id) "-error" } { (e) } }
        }
    }
}
