//! The catalogue as read: permit types, their packages and the car parks. Plain data (the
//! rows of their tables, `db::catalogue` reads and writes them); an order is checked against
//! it (`order`).

use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::permit_types)]
pub struct PermitTypeRow {
    pub id: crate::domain::PermitTypeId,
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
    #[diesel(deserialize_as = String)]
    pub kind: crate::domain::permit_actions::Kind,
    pub audience: String,
    pub needs_approval: bool,
    pub day_price_ore: Option<i64>,
    pub day_validity_months: Option<i32>,
    pub max_days: Option<i32>,
    pub vat_basis_points: i32,
    pub active: bool,
    pub sort_order: i32,
    /// Pauses a permit of the type may have in 12 months (0: none; issue #39).
    pub max_pauses: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::packages)]
pub struct PackageRow {
    pub id: crate::domain::PackageId,
    pub permit_type_id: crate::domain::PermitTypeId,
    pub name_sv: String,
    pub name_en: String,
    pub months: i32,
    pub price_ore: i64,
    pub vat_basis_points: i32,
    pub active: bool,
    pub sort_order: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::car_parks)]
pub struct CarParkRow {
    pub id: crate::domain::CarParkId,
    pub code: String,
    pub name: String,
    pub site: String,
    pub active: bool,
}
