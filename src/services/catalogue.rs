//! The operator's changes to the catalogue ("Katalog"): a permit type's terms (sold or not,
//! VAT, a day card's price per day, validity and most days), a new package of a period type,
//! a package's price and whether it is sold, a new car park. Each is one transaction with its
//! audit record; a sold permit keeps its own copy of name and price.

use crate::domain::UserId;
use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::catalogue::{self, NewCarPark, NewPackage, TypeTerms};
use crate::db::{DbConnection, audit, write_tx};
use crate::domain::Money;
use crate::domain::permit_actions::Kind;
use crate::domain::text::Text;
use crate::domain::token::new_token;

/// A new package for a period type.
pub struct PackageInput {
    pub permit_type_id: crate::domain::PermitTypeId,
    pub name: Text,
    pub months: i32,
    pub price: Money,
}

/// Adds the package, with its type's VAT; `false` when there is no such period type.
pub fn add_package(
    c: &mut DbConnection,
    by: UserId,
    p: &PackageInput,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    write_tx(c, |c| {
        let Some(pt) =
            catalogue::permit_type(c, p.permit_type_id)?.filter(|t| t.kind == Kind::Period)
        else {
            return Ok(false);
        };
        catalogue::insert_package(
            c,
            &NewPackage {
                permit_type_id: pt.id,
                name_sv: p.name.as_str(),
                name_en: p.name.as_str(),
                months: p.months,
                price_ore: p.price.ore(),
                vat_basis_points: pt.vat_basis_points,
                sort_order: p.months,
            },
        )?;
        let after = format!("{} {} {}", p.name.as_str(), p.months, p.price.ore());
        audit::record(
            c,
            Some(by),
            "package.add",
            &format!("permit_type:{}", pt.id),
            None,
            Some(&after),
            now,
        )?;
        Ok(true)
    })
}

/// Sets a permit type's terms; the day-card terms only for a day card (a period type keeps
/// its own, unused). `false` when there is no such type.
pub fn update_type(
    c: &mut DbConnection,
    by: UserId,
    id: crate::domain::PermitTypeId,
    terms: TypeTerms,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    write_tx(c, |c| {
        let Some(old) = catalogue::permit_type(c, id)? else {
            return Ok(false);
        };
        let before = old.terms();
        let terms = match old.kind {
            // A day card is never paused.
            Kind::Day => TypeTerms {
                max_pauses: before.max_pauses,
                ..terms
            },
            Kind::Period => TypeTerms {
                active: terms.active,
                vat_basis_points: terms.vat_basis_points,
                max_pauses: terms.max_pauses,
                ..before
            },
        };
        catalogue::set_type_terms(c, id, &terms)?;
        let said = |t: &TypeTerms| {
            format!(
                "active={} vat={} day_price={:?} validity={:?} max_days={:?} max_pauses={}",
                t.active,
                t.vat_basis_points,
                t.day_price_ore,
                t.day_validity_months,
                t.max_days,
                t.max_pauses
            )
        };
        audit::record(
            c,
            Some(by),
            "permit_type.update",
            &format!("permit_type:{id}"),
            Some(&said(&before)),
            Some(&said(&terms)),
            now,
        )?;
        Ok(true)
    })
}

/// Sets a package's price and whether it is sold; `false` when there is no such package.
pub fn update_package(
    c: &mut DbConnection,
    by: UserId,
    id: crate::domain::PackageId,
    price: Money,
    active: bool,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    write_tx(c, |c| {
        let Some(old) = catalogue::package(c, id)? else {
            return Ok(false);
        };
        catalogue::set_package_terms(c, id, price.ore(), active)?;
        audit::record(
            c,
            Some(by),
            "package.update",
            &format!("package:{id}"),
            Some(&format!("price={} active={}", old.price_ore, old.active)),
            Some(&format!("price={} active={active}", price.ore())),
            now,
        )?;
        Ok(true)
    })
}

/// Adds a car park under a new code.
pub fn add_car_park(
    c: &mut DbConnection,
    by: UserId,
    name: &Text,
    site: &Text,
    now: NaiveDateTime,
) -> QueryResult<()> {
    write_tx(c, |c| {
        let code = format!("park-{}", new_token().get(..12).unwrap_or("x"));
        catalogue::insert_car_park(
            c,
            &NewCarPark {
                code: &code,
                name: name.as_str(),
                site: site.as_str(),
            },
        )?;
        audit::record(
            c,
            Some(by),
            "car_park.add",
            &format!("car_park:{code}"),
            None,
            Some(name.as_str()),
            now,
        )?;
        Ok(())
    })
}
