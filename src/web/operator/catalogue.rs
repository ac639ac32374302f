//! Katalog: permit types, packages and prices, car parks.

use super::*;
use crate::db::catalogue;
use crate::domain::permit_actions::Kind;
use crate::services;
use crate::web::forms::CsrfForm;

pub async fn catalogue(
    op: OperatorCtx,
    state: Data,
    q: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    let t = op.ctx.t();
    let (types, pkgs, parks) = db::query(&state.pool, |c| {
        Ok((
            catalogue::all_permit_types(c)?,
            catalogue::all_packages(c)?,
            catalogue::all_car_parks(c)?,
        ))
    })
    .await?;
    let body = html! {
        (flash(t, &q))
        p { (t.op_catalogue_note) }
        @for pt in &types {
            @let tid = pt.id;
            section.card aria-labelledby={ "type-" (tid) } {
                h2 #{ "type-" (tid) } { (pt.name_sv) }
                p { (labels::kind(t, pt.kind)) @if pt.needs_approval { " · " (t.op_needs_approval) } }
                ul {
                    @for pkg in pkgs.iter().filter(|p| p.permit_type_id == tid) {
                        @let pid = pkg.id;
                        li {
                            form.inline method="post" action={ "/operator/catalogue/packages/" (pid) } {
                                (csrf(&op.me.csrf_token))
                                strong { (pkg.name_sv) } " (" (pkg.months) ") "
                                label for={ "price-" (pid) } { (t.op_price_label) }
                                input id={ "price-" (pid) } type="text" name="price" value=(Money::from_ore(pkg.price_ore).sek().replace(" kr", "")) inputmode="decimal";
                                div.check {
                                    input id={ "active-" (pid) } type="checkbox" name="active" value="yes" checked[pkg.active];
                                    label for={ "active-" (pid) } { (t.op_active) }
                                }
                                button.small type="submit" { (t.op_save) }
                            }
                        }
                    }
                }
                @if pt.kind == Kind::Period {
                    form method="post" action="/operator/catalogue/packages" novalidate {
                        (csrf(&op.me.csrf_token))
                        input type="hidden" name="type_id" value=(tid);
                        (input(Field::new(&format!("name-{tid}"), t.op_package_name, "text").optional()))
                        (input(Field::new(&format!("months-{tid}"), t.op_package_months, "number").optional()))
                        (input(Field::new(&format!("newprice-{tid}"), t.op_price_label, "text").optional()))
                        button.secondary type="submit" { (t.op_add_package) }
                    }
                }
            }
        }
        section.card aria-labelledby="parks-h" {
            h2 #parks-h { (t.op_car_parks) }
            ul { @for park in &parks { li { (park.name) " – " (park.site) @if !park.active { " (" (t.op_inactive) ")" } } } }
            form method="post" action="/operator/catalogue/car-parks" novalidate {
                (csrf(&op.me.csrf_token))
                (input(Field::new("park_name", t.op_park_name, "text").optional()))
                (input(Field::new("park_site", t.op_park_site, "text").optional()))
                button.secondary type="submit" { (t.op_add_car_park) }
            }
        }
    };
    Ok(page(&op, t.op_catalogue, body))
}

/// The add-package form names its fields per type (`name-3`, …) so each type's form has
/// its own labels; read them from the raw pairs.
pub async fn add_package(
    op: OperatorCtx,
    state: Data,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    op.me.check_csrf(&get("csrf"))?;
    let t = op.ctx.t();
    let tid: i64 = get("type_id").parse().map_err(|_| AppError::NotFound)?;
    let name = crate::domain::text::Text::parse(&get(&format!("name-{tid}")), 60);
    let months: Option<i32> = get(&format!("months-{tid}"))
        .trim()
        .parse()
        .ok()
        .filter(|m| (1..=36).contains(m));
    let price = Money::parse_sek(&get(&format!("newprice-{tid}")));
    let (Ok(name), Some(months), Some(price)) = (name, months, price) else {
        return Ok(error_page(&op, t.op_package_invalid));
    };
    let input = services::catalogue::PackageInput {
        permit_type_id: tid,
        name,
        months,
        price,
    };
    let opid = op.me.user.id;
    let added = db::query(&state.pool, move |c| {
        services::catalogue::add_package(c, opid, &input, clock::now())
    })
    .await?;
    if !added {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/operator/catalogue?m=saved"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PackageForm {
    price: String,
    active: Option<String>,
}

/// A new price or (in)activation applies to later purchases only: a sold permit keeps its
/// own copy of name and price.
pub async fn update_package(
    op: OperatorCtx,
    state: Data,
    id: web::Path<i64>,
    form: CsrfForm<PackageForm>,
) -> Result<HttpResponse, AppError> {
    let t = op.ctx.t();
    let Some(price) = Money::parse_sek(&form.price) else {
        return Ok(error_page(&op, t.op_package_invalid));
    };
    let (id, active, opid) = (id.into_inner(), form.active.is_some(), op.me.user.id);
    let found = db::query(&state.pool, move |c| {
        services::catalogue::update_package(c, opid, id, price, active, clock::now())
    })
    .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/operator/catalogue?m=saved"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CarParkForm {
    park_name: String,
    park_site: String,
}

pub async fn add_car_park(
    op: OperatorCtx,
    state: Data,
    form: CsrfForm<CarParkForm>,
) -> Result<HttpResponse, AppError> {
    let t = op.ctx.t();
    let (Ok(name), Ok(site)) = (
        crate::domain::text::Text::parse(&form.park_name, 100),
        crate::domain::text::Text::parse(&form.park_site, 100),
    ) else {
        return Ok(error_page(&op, t.op_park_invalid));
    };
    let opid = op.me.user.id;
    db::query(&state.pool, move |c| {
        services::catalogue::add_car_park(c, opid, &name, &site, clock::now())
    })
    .await?;
    Ok(see_other("/operator/catalogue?m=saved"))
}
