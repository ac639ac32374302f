//! Katalog: permit types, packages and prices, car parks.

use super::*;
use crate::web::forms::CsrfForm;

pub async fn catalogue(
    op: OperatorCtx,
    state: Data,
    q: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    let t = op.ctx.t();
    type Pkg = (i64, i64, String, i32, i64, bool);
    let (types, pkgs, parks) = db::run(&state.pool, |c| {
        let types: Vec<(i64, String, String, bool)> = permit_types::table
            .order(permit_types::sort_order.asc())
            .select((
                permit_types::id,
                permit_types::name_sv,
                permit_types::kind,
                permit_types::needs_approval,
            ))
            .load(c)?;
        let pkgs: Vec<Pkg> = packages::table
            .order((packages::permit_type_id.asc(), packages::sort_order.asc()))
            .select((
                packages::id,
                packages::permit_type_id,
                packages::name_sv,
                packages::months,
                packages::price_ore,
                packages::active,
            ))
            .load(c)?;
        let parks: Vec<(i64, String, String, bool)> = car_parks::table
            .order(car_parks::id.asc())
            .select((
                car_parks::id,
                car_parks::name,
                car_parks::site,
                car_parks::active,
            ))
            .load(c)?;
        Ok((types, pkgs, parks))
    })
    .await?;
    let body = html! {
        (flash(t, &q))
        p { (t.op_catalogue_note) }
        @for (tid, name, kind, approval) in &types {
            section.card aria-labelledby={ "type-" (tid) } {
                h2 #{ "type-" (tid) } { (name) }
                p { (kind) @if *approval { " · " (t.op_needs_approval) } }
                ul {
                    @for (pid, _, pname, months, price, active) in pkgs.iter().filter(|p| p.1 == *tid) {
                        li {
                            form.inline method="post" action={ "/operator/catalogue/packages/" (pid) } {
                                (csrf(&op.me.csrf_token))
                                strong { (pname) } " (" (months) ") "
                                label for={ "price-" (pid) } { (t.op_price_label) }
                                input id={ "price-" (pid) } type="text" name="price" value=(Money::from_ore(*price).sek().replace(" kr", "")) inputmode="decimal";
                                div.check {
                                    input id={ "active-" (pid) } type="checkbox" name="active" value="yes" checked[*active];
                                    label for={ "active-" (pid) } { (t.op_active) }
                                }
                                button.small type="submit" { (t.op_save) }
                            }
                        }
                    }
                }
                @if kind == "period" {
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
            ul { @for (_, name, site, active) in &parks { li { (name) " – " (site) @if !*active { " (" (t.op_inactive) ")" } } } }
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
    let opid = op.me.user.id;
    db::run_query(&state.pool, move |c| {
        db::write_tx(c, |c| {
            let vat: i32 = permit_types::table
                .find(tid)
                .filter(permit_types::kind.eq("period"))
                .select(permit_types::vat_basis_points)
                .first(c)
                .optional()?
                .ok_or(diesel::result::Error::NotFound)?;
            diesel::insert_into(packages::table)
                .values((
                    packages::permit_type_id.eq(tid),
                    packages::name_sv.eq(name.as_str()),
                    packages::name_en.eq(name.as_str()),
                    packages::months.eq(months),
                    packages::price_ore.eq(price.ore()),
                    packages::vat_basis_points.eq(vat),
                    packages::active.eq(true),
                    packages::sort_order.eq(months),
                ))
                .execute(c)?;
            let after = format!("{} {months} {}", name.as_str(), price.ore());
            audit::record(
                c,
                Some(opid),
                "package.add",
                &format!("permit_type:{tid}"),
                None,
                Some(&after),
                clock::now(),
            )?;
            Ok(())
        })
    })
    .await
    .map_err(|e| match e {
        db::DbError::Query(diesel::result::Error::NotFound) => AppError::NotFound,
        e => AppError::from(e),
    })?;
    Ok(see_other("/operator/catalogue?m=saved"))
}

#[derive(Deserialize)]
pub struct PackageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
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
    let found = db::run(&state.pool, move |c| {
        db::write_tx(c, |c| {
            let before: Option<(i64, bool)> = packages::table
                .find(id)
                .select((packages::price_ore, packages::active))
                .first(c)
                .optional()?;
            let Some((old_price, old_active)) = before else {
                return Ok(false);
            };
            diesel::update(packages::table.find(id))
                .set((
                    packages::price_ore.eq(price.ore()),
                    packages::active.eq(active),
                ))
                .execute(c)?;
            audit::record(
                c,
                Some(opid),
                "package.update",
                &format!("package:{id}"),
                Some(&format!("price={old_price} active={old_active}")),
                Some(&format!("price={} active={active}", price.ore())),
                clock::now(),
            )?;
            Ok(true)
        })
    })
    .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/operator/catalogue?m=saved"))
}

#[derive(Deserialize)]
pub struct CarParkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    park_name: String,
    #[serde(default)]
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
    db::run(&state.pool, move |c| {
        db::write_tx(c, |c| {
            let code = format!(
                "park-{}",
                crate::domain::token::new_token().get(..12).unwrap_or("x")
            );
            diesel::insert_into(car_parks::table)
                .values((
                    car_parks::code.eq(&code),
                    car_parks::name.eq(name.as_str()),
                    car_parks::site.eq(site.as_str()),
                    car_parks::active.eq(true),
                ))
                .execute(c)?;
            audit::record(
                c,
                Some(opid),
                "car_park.add",
                &format!("car_park:{code}"),
                None,
                Some(name.as_str()),
                clock::now(),
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(see_other("/operator/catalogue?m=saved"))
}

crate::csrf_forms!(CarParkForm, PackageForm);
