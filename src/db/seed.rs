//! Demo data for Region Västmanland, put in on first start.

use diesel::prelude::*;

use super::DbConnection;
use super::catalogue::{NewCarPark, NewPackage, NewPermitType, permit_type_by_code};
use super::schema::{car_parks, packages, permit_types};

/// Names and codes the rest of the program (and CONTRACT.md) relies on.
pub const EMPLOYEE_PERIOD: &str = "employee_period";
pub const EMPLOYEE_DAY: &str = "employee_day";
pub const EXTERNAL: &str = "external";

/// Inserts the demo catalogue when the database has no permit types yet, in one transaction.
/// Returns whether anything was inserted. A catalogue an operator has changed is left alone.
pub fn insert_demo_data(conn: &mut DbConnection) -> anyhow::Result<bool> {
    crate::db::write_tx(conn, |conn| {
        let existing: i64 = permit_types::table.count().get_result(conn)?;
        if existing > 0 {
            return Ok(false);
        }
        let types = [
            NewPermitType {
                code: EMPLOYEE_PERIOD,
                name_sv: "Anställda månads/årskort",
                name_en: "Employee monthly/yearly permit",
                kind: "period",
                audience: "employee",
                needs_approval: false,
                day_price_ore: None,
                day_validity_months: None,
                max_days: None,
                vat_basis_points: 2500,
                sort_order: 1,
            },
            NewPermitType {
                code: EMPLOYEE_DAY,
                name_sv: "Anställda dagkort",
                name_en: "Employee day card",
                kind: "day",
                audience: "employee",
                needs_approval: false,
                day_price_ore: Some(4_000),
                day_validity_months: Some(12),
                max_days: Some(60),
                vat_basis_points: 2500,
                sort_order: 2,
            },
            NewPermitType {
                code: EXTERNAL,
                name_sv: "Extern betalande",
                name_en: "External (paying)",
                kind: "period",
                audience: "external",
                needs_approval: true,
                day_price_ore: None,
                day_validity_months: None,
                max_days: None,
                vat_basis_points: 2500,
                sort_order: 3,
            },
        ];
        // One row at a time: batch inserts with NULL/DEFAULT differ between the backends.
        for t in &types {
            diesel::insert_into(permit_types::table)
                .values(t)
                .execute(conn)?;
        }

        let mut new_packages = Vec::new();
        for (code, one_month, twelve_months) in [
            (EMPLOYEE_PERIOD, 35_000, 385_000),
            (EXTERNAL, 45_000, 495_000),
        ] {
            let type_id = permit_type_by_code(conn, code)?
                .ok_or_else(|| anyhow::anyhow!("permit type {code} missing after insert"))?
                .id;
            new_packages.push(NewPackage {
                permit_type_id: type_id,
                name_sv: "1 månad",
                name_en: "1 month",
                months: 1,
                price_ore: one_month,
                vat_basis_points: 2500,
                sort_order: 1,
            });
            new_packages.push(NewPackage {
                permit_type_id: type_id,
                name_sv: "12 månader",
                name_en: "12 months",
                months: 12,
                price_ore: twelve_months,
                vat_basis_points: 2500,
                sort_order: 2,
            });
        }
        for p in &new_packages {
            diesel::insert_into(packages::table)
                .values(p)
                .execute(conn)?;
        }

        let parks = [
            NewCarPark {
                code: "VAS",
                name: "Västmanlands sjukhus Västerås",
                site: "Västerås",
            },
            NewCarPark {
                code: "KOP",
                name: "Lasarettet i Köping",
                site: "Köping",
            },
            NewCarPark {
                code: "SAL",
                name: "Lasarettet i Sala",
                site: "Sala",
            },
            NewCarPark {
                code: "FAG",
                name: "Lasarettet i Fagersta",
                site: "Fagersta",
            },
        ];
        for p in &parks {
            diesel::insert_into(car_parks::table)
                .values(p)
                .execute(conn)?;
        }
        Ok(true)
    })
}
