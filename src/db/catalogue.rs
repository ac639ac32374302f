//! The catalogue: permit types, their packages and the car parks.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{car_parks, packages, permit_types};
pub use crate::domain::catalogue::{CarParkRow, PackageRow, PermitTypeRow};
use crate::domain::{CarParkId, PackageId, PermitTypeId};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = permit_types)]
pub struct NewPermitType<'a> {
    pub code: &'a str,
    pub name_sv: &'a str,
    pub name_en: &'a str,
    pub kind: &'a str,
    pub audience: &'a str,
    pub needs_approval: bool,
    pub day_price_ore: Option<i64>,
    pub day_validity_months: Option<i32>,
    pub max_days: Option<i32>,
    pub vat_basis_points: i32,
    pub sort_order: i32,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = packages)]
pub struct NewPackage<'a> {
    pub permit_type_id: crate::domain::PermitTypeId,
    pub name_sv: &'a str,
    pub name_en: &'a str,
    pub months: i32,
    pub price_ore: i64,
    pub vat_basis_points: i32,
    pub sort_order: i32,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = car_parks)]
pub struct NewCarPark<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub site: &'a str,
}

pub fn active_permit_types(conn: &mut DbConnection) -> QueryResult<Vec<PermitTypeRow>> {
    permit_types::table
        .filter(permit_types::active.eq(true))
        .order((permit_types::sort_order, permit_types::id))
        .select(PermitTypeRow::as_select())
        .load(conn)
}

pub fn permit_type_by_code(
    conn: &mut DbConnection,
    code: &str,
) -> QueryResult<Option<PermitTypeRow>> {
    permit_types::table
        .filter(permit_types::code.eq(code))
        .select(PermitTypeRow::as_select())
        .first(conn)
        .optional()
}

pub fn active_packages(
    conn: &mut DbConnection,
    type_id: PermitTypeId,
) -> QueryResult<Vec<PackageRow>> {
    packages::table
        .filter(packages::permit_type_id.eq(type_id))
        .filter(packages::active.eq(true))
        .order((packages::sort_order, packages::id))
        .select(PackageRow::as_select())
        .load(conn)
}

pub fn active_car_parks(conn: &mut DbConnection) -> QueryResult<Vec<CarParkRow>> {
    crate::db::on_backend!(conn, |conn| {
        car_parks::table
            .filter(car_parks::active.eq(true))
            .order(car_parks::id)
            .select(CarParkRow::as_select())
            .load(conn)
    })
}

/// How many pauses a permit of this type may have in 12 months (0: none).
pub fn max_pauses(conn: &mut DbConnection, type_id: PermitTypeId) -> QueryResult<i32> {
    Ok(permit_types::table
        .find(type_id)
        .select(permit_types::max_pauses)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// A car park's name ("" when there is none of this id).
pub fn car_park_name(conn: &mut DbConnection, id: CarParkId) -> QueryResult<String> {
    Ok(car_parks::table
        .find(id)
        .select(car_parks::name)
        .first(conn)
        .optional()?
        .unwrap_or_default())
}

/// Whether a car park of this id exists (in use or not).
pub fn car_park_exists(conn: &mut DbConnection, id: CarParkId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(car_parks::table.find(id))).get_result(conn)
}

/// Every permit type, active or not, in the catalogue's order (the operator's "Katalog").
pub fn all_permit_types(conn: &mut DbConnection) -> QueryResult<Vec<PermitTypeRow>> {
    permit_types::table
        .order((permit_types::sort_order, permit_types::id))
        .select(PermitTypeRow::as_select())
        .load(conn)
}

/// Every package of every type, active or not.
pub fn all_packages(conn: &mut DbConnection) -> QueryResult<Vec<PackageRow>> {
    packages::table
        .order((packages::permit_type_id, packages::sort_order, packages::id))
        .select(PackageRow::as_select())
        .load(conn)
}

/// Every car park, active or not.
pub fn all_car_parks(conn: &mut DbConnection) -> QueryResult<Vec<CarParkRow>> {
    car_parks::table
        .order(car_parks::id)
        .select(CarParkRow::as_select())
        .load(conn)
}

pub fn car_park(conn: &mut DbConnection, id: CarParkId) -> QueryResult<Option<CarParkRow>> {
    crate::db::on_backend!(conn, |conn| {
        car_parks::table
            .find(id)
            .select(CarParkRow::as_select())
            .first(conn)
            .optional()
    })
}

pub fn permit_type(
    conn: &mut DbConnection,
    id: PermitTypeId,
) -> QueryResult<Option<PermitTypeRow>> {
    permit_types::table
        .find(id)
        .select(PermitTypeRow::as_select())
        .first(conn)
        .optional()
}

pub fn package(conn: &mut DbConnection, id: PackageId) -> QueryResult<Option<PackageRow>> {
    packages::table
        .find(id)
        .select(PackageRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_package(conn: &mut DbConnection, new: &NewPackage) -> QueryResult<()> {
    diesel::insert_into(packages::table)
        .values(new)
        .execute(conn)
        .map(drop)
}

/// A package's price and whether it is sold; later purchases only (a sold permit keeps its
/// own copy of name and price).
pub fn set_package_terms(
    conn: &mut DbConnection,
    id: PackageId,
    price_ore: i64,
    active: bool,
) -> QueryResult<()> {
    diesel::update(packages::table.find(id))
        .set((
            packages::price_ore.eq(price_ore),
            packages::active.eq(active),
        ))
        .execute(conn)
        .map(drop)
}

/// What the office may change of a permit type: whether it is sold, its VAT (its packages'
/// too), and for a day card the price per day, how many months it is valid and the most days
/// in one order. Later purchases only (a sold permit keeps its own copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeTerms {
    pub active: bool,
    pub vat_basis_points: i32,
    pub day_price_ore: Option<i64>,
    pub day_validity_months: Option<i32>,
    pub max_days: Option<i32>,
    /// Pauses a permit of a period type may have in 12 months (0: none).
    pub max_pauses: i32,
}

impl PermitTypeRow {
    /// The terms the office may change, as they are.
    pub fn terms(&self) -> TypeTerms {
        TypeTerms {
            active: self.active,
            vat_basis_points: self.vat_basis_points,
            day_price_ore: self.day_price_ore,
            day_validity_months: self.day_validity_months,
            max_days: self.max_days,
            max_pauses: self.max_pauses,
        }
    }
}

pub fn set_type_terms(conn: &mut DbConnection, id: PermitTypeId, t: &TypeTerms) -> QueryResult<()> {
    diesel::update(permit_types::table.find(id))
        .set((
            permit_types::active.eq(t.active),
            permit_types::vat_basis_points.eq(t.vat_basis_points),
            permit_types::day_price_ore.eq(t.day_price_ore),
            permit_types::day_validity_months.eq(t.day_validity_months),
            permit_types::max_days.eq(t.max_days),
            permit_types::max_pauses.eq(t.max_pauses),
        ))
        .execute(conn)?;
    diesel::update(packages::table.filter(packages::permit_type_id.eq(id)))
        .set(packages::vat_basis_points.eq(t.vat_basis_points))
        .execute(conn)
        .map(drop)
}

pub fn insert_car_park(conn: &mut DbConnection, new: &NewCarPark) -> QueryResult<()> {
    diesel::insert_into(car_parks::table)
        .values(new)
        .execute(conn)
        .map(drop)
}
