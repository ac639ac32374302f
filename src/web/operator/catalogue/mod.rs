//! Katalog: permit types, packages and prices, car parks, capacity. The handlers and what
//! they read from a request are here; the page is in [`view`].

use super::*;
use crate::db::catalogue;
use crate::domain::money::{parse_vat_percent, vat_percent};
use crate::domain::permit_actions::Kind;
use crate::domain::{CarParkId, PackageId, PermitTypeId};
use crate::services;
use crate::web::forms::CsrfForm;

mod view;
use view::catalogue_view;

/// Katalog's address after a save: `m=saved`, the part saved (`capacity`, `type-3`,
/// `package-5`, `parks`) and, for the capacity table, the cells that changed (`c=3.1,4.1`:
/// type and car park). The page comes back at that part and says there what changed, from
/// what is stored now (a made-up address can only make it repeat the truth).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CatalogueQuery {
    m: Option<String>,
    part: String,
    c: String,
}

pub async fn catalogue(op: OperatorCtx, state: Data, q: web::Query<CatalogueQuery>) -> Reply {
    let saved = Saved::of(&q);
    let f = match saved {
        Saved::Nothing => flash(op.ctx.t(), &Flash { m: q.m.clone() }),
        _ => html! {},
    };
    let r = Refused {
        saved,
        ..Refused::default()
    };
    catalogue_view(&op, &state, f, &r, StatusCode::OK).await
}

/// Which part of Katalog was just saved.
#[derive(Default, Clone, PartialEq, Eq)]
enum Saved {
    #[default]
    Nothing,
    /// The capacity table, with the cells that changed.
    Capacity(Vec<(PermitTypeId, CarParkId)>),
    Type(PermitTypeId),
    Package(PackageId),
    Parks,
}

impl Saved {
    fn of(q: &CatalogueQuery) -> Self {
        if q.m.as_deref() != Some("saved") {
            return Saved::Nothing;
        }
        match q.part.as_str() {
            "capacity" => Saved::Capacity(
                q.c.split(',')
                    .take(500)
                    .filter_map(|cell| cell.split_once('.'))
                    .filter_map(|(t, p)| Some((t.parse().ok()?, p.parse().ok()?)))
                    .collect(),
            ),
            "parks" => Saved::Parks,
            part => match (part.strip_prefix("type-"), part.strip_prefix("package-")) {
                (Some(t), _) => t.parse().map_or(Saved::Nothing, Saved::Type),
                (_, Some(p)) => p.parse().map_or(Saved::Nothing, Saved::Package),
                _ => Saved::Nothing,
            },
        }
    }
}

/// A refused catalogue form: each wrong field's id and error, and every field of that form as
/// typed (by id), so the page comes back with them.
#[derive(Default)]
struct Refused {
    errors: Vec<(String, &'static str)>,
    typed: Vec<(String, String)>,
    /// Not refused: the part just saved, said where it is.
    saved: Saved,
}

impl Refused {
    fn error(&self, id: &str) -> Option<&'static str> {
        self.errors.iter().find(|(f, _)| f == id).map(|(_, e)| *e)
    }
    fn typed<'a>(&'a self, id: &str, otherwise: &'a str) -> &'a str {
        self.typed
            .iter()
            .find(|(f, _)| f == id)
            .map_or(otherwise, |(_, v)| v.as_str())
    }
    /// The errors, and each field of the form by id with what was typed (kept to 100
    /// characters).
    fn of<'a>(
        errors: Vec<(String, &'static str)>,
        typed: impl IntoIterator<Item = (String, &'a str)>,
    ) -> Self {
        let typed = typed
            .into_iter()
            .map(|(id, v)| (id, v.chars().take(100).collect()))
            .collect();
        Refused {
            errors,
            typed,
            saved: Saved::Nothing,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TypeForm {
    active: Option<String>,
    vat: String,
    day_price: String,
    validity: String,
    max_days: String,
    max_pauses: String,
}

/// A permit type's terms ("Säljs", VAT, and a day card's price per day, validity and most
/// days); later purchases only. Every wrong field is said at once, with what was typed.
pub async fn update_type(
    op: OperatorCtx,
    state: Data,
    id: web::Path<PermitTypeId>,
    form: CsrfForm<TypeForm>,
) -> Reply {
    let t = op.ctx.t();
    let id = id.into_inner();
    let current = db::query(&state.pool, move |c| catalogue::permit_type(c, id))
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = current.kind;
    let in_range = |raw: &str, max: i32| {
        raw.trim()
            .parse::<i32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
    };
    let vat = parse_vat_percent(&form.vat);
    // (Nothing is free: a payment of 0 kr cannot be made.)
    let price = Money::parse_sek(&form.day_price).filter(|p| p.ore() > 0);
    let validity = in_range(&form.validity, 36);
    let max_days = in_range(&form.max_days, 366);
    // Not sent (an older form): as it is.
    let max_pauses = match form.max_pauses.trim() {
        "" => Some(current.max_pauses),
        n => n.parse::<i32>().ok().filter(|n| (0..=12).contains(n)),
    };
    let day = kind == Kind::Day;
    let ids = [
        format!("vat-{id}"),
        format!("dayprice-{id}"),
        format!("validity-{id}"),
        format!("maxdays-{id}"),
        format!("pauses-{id}"),
    ];
    let wrong = [
        vat.is_none(),
        day && price.is_none(),
        day && validity.is_none(),
        day && max_days.is_none(),
        !day && max_pauses.is_none(),
    ];
    let texts = [
        t.op_err_vat,
        t.op_err_price,
        t.op_err_months,
        t.op_err_max_days,
        op.ctx.lang.pause().err_pauses,
    ];
    let Some(vat) = vat.filter(|_| !wrong.contains(&true)) else {
        let errors = (0..5)
            .filter(|i| wrong[*i])
            .map(|i| (ids[i].clone(), texts[i]))
            .collect();
        let typed = [
            &form.vat,
            &form.day_price,
            &form.validity,
            &form.max_days,
            &form.max_pauses,
        ];
        let r = Refused::of(
            errors,
            ids.iter().cloned().zip(typed.iter().map(|s| s.as_str())),
        );
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return catalogue_view(&op, &state, html! {}, &r, status).await;
    };
    let terms = catalogue::TypeTerms {
        active: form.active.is_some(),
        vat_basis_points: vat,
        day_price_ore: price.map(|p| p.ore()),
        day_validity_months: validity,
        max_days,
        max_pauses: max_pauses.unwrap_or(0),
    };
    let opid = op.me.user.id;
    let found = db::query(&state.pool, move |c| {
        services::catalogue::update_type(c, opid, id, terms, clock::now())
    })
    .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    Ok(see_other(&format!(
        "/operator/catalogue?m=saved&part=type-{id}#saved"
    )))
}

/// The add-package form names its fields per type (`name-3`, …) so each type's form has
/// its own labels; read them from the raw pairs.
pub async fn add_package(
    op: OperatorCtx,
    state: Data,
    form: CsrfForm<Vec<(String, String)>>,
) -> Reply {
    let get = |k: &str| crate::web::forms::field(&form, k);
    let t = op.ctx.t();
    let tid: PermitTypeId = get("type_id").parse().map_err(|_| AppError::NotFound)?;
    let name = crate::domain::text::Text::parse(&get(&format!("name-{tid}")), 60);
    let months: Option<i32> = get(&format!("months-{tid}"))
        .trim()
        .parse()
        .ok()
        .filter(|m| (1..=36).contains(m));
    let price = Money::parse_sek(&get(&format!("newprice-{tid}")));
    let (Ok(name), Some(months), Some(price)) = (&name, months, price) else {
        let ids = [
            format!("name-{tid}"),
            format!("months-{tid}"),
            format!("newprice-{tid}"),
        ];
        let wrong = [name.is_err(), months.is_none(), price.is_none()];
        let texts = [t.op_err_package_name, t.op_err_months, t.op_err_price];
        let errors = (0..3)
            .filter(|i| wrong[*i])
            .map(|i| (ids[i].clone(), texts[i]))
            .collect();
        let values: Vec<String> = ids.iter().map(|id| get(id)).collect();
        let r = Refused::of(
            errors,
            ids.iter().cloned().zip(values.iter().map(String::as_str)),
        );
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return catalogue_view(&op, &state, html! {}, &r, status).await;
    };
    let name = name.clone();
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
    Ok(see_other(&format!(
        "/operator/catalogue?m=saved&part=type-{tid}#saved"
    )))
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
    id: web::Path<PackageId>,
    form: CsrfForm<PackageForm>,
) -> Reply {
    let t = op.ctx.t();
    let id = id.into_inner();
    let Some(price) = Money::parse_sek(&form.price) else {
        let field = format!("price-{id}");
        let r = Refused::of(
            vec![(field.clone(), t.op_err_price)],
            [(field, form.price.as_str())],
        );
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return catalogue_view(&op, &state, html! {}, &r, status).await;
    };
    let (active, opid) = (form.active.is_some(), op.me.user.id);
    let found = db::query(&state.pool, move |c| {
        services::catalogue::update_package(c, opid, id, price, active, clock::now())
    })
    .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    Ok(see_other(&format!(
        "/operator/catalogue?m=saved&part=package-{id}#saved"
    )))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CarParkForm {
    park_name: String,
    park_site: String,
}

pub async fn add_car_park(op: OperatorCtx, state: Data, form: CsrfForm<CarParkForm>) -> Reply {
    let t = op.ctx.t();
    let (name, site) = (
        crate::domain::text::Text::parse(&form.park_name, 100),
        crate::domain::text::Text::parse(&form.park_site, 100),
    );
    let (Ok(name), Ok(site)) = (&name, &site) else {
        let mut errors = Vec::new();
        if name.is_err() {
            errors.push(("park_name".to_string(), t.op_err_park_name));
        }
        if site.is_err() {
            errors.push(("park_site".to_string(), t.op_err_park_site));
        }
        let typed = [
            ("park_name".to_string(), form.park_name.as_str()),
            ("park_site".to_string(), form.park_site.as_str()),
        ];
        let r = Refused::of(errors, typed);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return catalogue_view(&op, &state, html! {}, &r, status).await;
    };
    let (name, site) = (name.clone(), site.clone());
    let opid = op.me.user.id;
    db::query(&state.pool, move |c| {
        services::catalogue::add_car_park(c, opid, &name, &site, clock::now())
    })
    .await?;
    Ok(see_other("/operator/catalogue?m=saved&part=parks#saved"))
}

/// Katalog's capacity table ("Kapacitet" per car park and type, one "Spara"): each cell a
/// whole number of places, or empty for no limit. Every wrong cell is said at once, with
/// what was typed; otherwise all cells are saved in one transaction. Lowering a capacity
/// below what is sold takes nothing away; raising it offers the new places to the queue at
/// once.
pub async fn set_capacity(
    op: OperatorCtx,
    state: Data,
    form: CsrfForm<Vec<(String, String)>>,
) -> Reply {
    let error = op.ctx.lang.queue().op_err_capacity;
    let mut cells = Vec::new();
    let mut errors = Vec::new();
    for (name, value) in form.iter().take(1000) {
        let Some((tid, pid)) = name
            .strip_prefix("cap-")
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(t, p)| {
                Some((
                    t.parse::<PermitTypeId>().ok()?,
                    p.parse::<CarParkId>().ok()?,
                ))
            })
        else {
            continue;
        };
        let raw = value.trim();
        let places = if raw.is_empty() {
            Some(None)
        } else {
            raw.parse::<i32>()
                .ok()
                .filter(|n| (0..=100_000).contains(n))
                .map(Some)
        };
        match places {
            Some(places) => cells.push((
                crate::db::queue::Spot {
                    car_park_id: pid,
                    permit_type_id: tid,
                },
                places,
            )),
            None => errors.push((name.clone(), error)),
        }
    }
    if !errors.is_empty() {
        let typed = form
            .iter()
            .filter(|(k, _)| k.starts_with("cap-"))
            .take(1000)
            .map(|(k, v)| (k.clone(), v.as_str()));
        let r = Refused::of(errors, typed);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return catalogue_view(&op, &state, html! {}, &r, status).await;
    }
    let opid = op.me.user.id;
    let changed = db::query(&state.pool, move |c| {
        services::queue::set_capacities(c, opid, &cells, clock::now())
    })
    .await?
    .ok_or(AppError::NotFound)?;
    if !changed.is_empty() {
        state.queue_now();
    }
    let list: Vec<String> = changed
        .iter()
        .map(|s| format!("{}.{}", s.permit_type_id, s.car_park_id))
        .collect();
    Ok(see_other(&format!(
        "/operator/catalogue?m=saved&part=capacity&c={}#saved",
        list.join(",")
    )))
}
