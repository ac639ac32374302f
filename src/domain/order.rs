//! An order for a permit ("Köp nytt parkeringstillstånd"), checked: what the buyer typed against
//! what the catalogue offers them today. Pure: the catalogue comes in as data, the answer is an
//! [`Order`] or every field's [`OrderError`] at once, so the form can show them all.

use chrono::NaiveDate;

use super::catalogue::{CarParkRow, PackageRow, PermitTypeRow};
use super::permit::period_end;
use super::permit_actions::Kind;
use super::regnr::{RegNumber, RegNumberError};
use super::{Money, PermitId};

/// The longest free text of an application (organisation, role, reason).
pub const TEXT_MAX: usize = 500;
/// How many days a day card may hold when its type names no maximum.
const DEFAULT_MAX_DAYS: i32 = 60;
/// How long a day card's days may be used when its type names no validity.
const DEFAULT_DAY_VALIDITY_MONTHS: i32 = 12;

/// What the buyer may choose from (the rows are plain data read by the service).
pub struct Catalogue {
    pub types: Vec<PermitTypeRow>,
    pub packages: Vec<PackageRow>,
    pub car_parks: Vec<CarParkRow>,
}

impl Catalogue {
    pub fn type_by_id(&self, id: super::PermitTypeId) -> Option<&PermitTypeRow> {
        self.types.iter().find(|t| t.id == id)
    }
    pub fn packages_of(&self, type_id: super::PermitTypeId) -> impl Iterator<Item = &PackageRow> {
        self.packages
            .iter()
            .filter(move |p| p.permit_type_id == type_id)
    }
}

/// The order's fields as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fields<'a> {
    pub type_id: &'a str,
    pub package: &'a str,
    pub start: &'a str,
    pub regnr: &'a str,
    pub foreign: bool,
    pub days: &'a str,
    pub car_park: &'a str,
    pub organisation: &'a str,
    pub role: &'a str,
    pub reason: &'a str,
    pub renews: &'a str,
}

/// Why one field was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderError {
    TypeUnknown,
    StartInvalid,
    StartPast,
    StartTooFar,
    RegNr {
        error: RegNumberError,
        foreign: bool,
    },
    CarParkUnknown,
    /// Not a whole number of days from 1 to the type's `max`.
    DaysOutOfRange {
        max: i32,
    },
    PackageUnknown,
    TextRequired,
    TextTooLong,
}

/// Every refused field of an order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OrderErrors {
    pub type_id: Option<OrderError>,
    pub package: Option<OrderError>,
    pub start: Option<OrderError>,
    pub regnr: Option<OrderError>,
    pub days: Option<OrderError>,
    pub car_park: Option<OrderError>,
    pub organisation: Option<OrderError>,
    pub role: Option<OrderError>,
    pub reason: Option<OrderError>,
}

impl OrderErrors {
    pub fn any(&self) -> bool {
        [
            self.type_id,
            self.package,
            self.start,
            self.regnr,
            self.days,
            self.car_park,
            self.organisation,
            self.role,
            self.reason,
        ]
        .iter()
        .any(Option::is_some)
    }
}

/// What an application for a type that needs approval says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub organisation: String,
    pub role: String,
    pub reason: String,
}

/// A checked order: everything needed to create the permit.
#[derive(Debug, Clone)]
pub struct Order {
    pub permit_type: PermitTypeRow,
    pub package: Option<PackageRow>,
    pub days: Option<i32>,
    pub car_park: CarParkRow,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub regnr: RegNumber,
    pub price: Money,
    pub application: Option<Application>,
    /// The permit this one renews, as asked (the service checks that it may be renewed).
    pub renews: Option<PermitId>,
}

/// The last day of a permit of this type and package that starts on `start`: the package's
/// months, or a day card's months of validity.
fn end_of(t: &PermitTypeRow, package: Option<&PackageRow>, start: NaiveDate) -> Option<NaiveDate> {
    let months = match package {
        Some(p) => p.months,
        None => t.day_validity_months.unwrap_or(DEFAULT_DAY_VALIDITY_MONTHS),
    };
    period_end(start, months.max(1) as u32)
}

impl Order {
    /// The same order starting on `start` (a renewal: the day after the renewed permit ends,
    /// decided by the server, whatever the form said); its end moves with it.
    pub fn starting(mut self, start: NaiveDate) -> Option<Self> {
        self.end = end_of(&self.permit_type, self.package.as_ref(), start)?;
        self.start = start;
        Some(self)
    }
}

/// The confirm key of a review page: 64 hex digits, or nothing.
pub fn confirm_key(raw: &str) -> Option<String> {
    let key: String = raw
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(64)
        .collect();
    (key.len() == 64).then_some(key)
}

/// A free text that must be there and not be too long.
pub fn required_text(raw: &str) -> Result<String, OrderError> {
    let v = raw.trim();
    if v.is_empty() {
        Err(OrderError::TextRequired)
    } else if v.chars().count() > TEXT_MAX {
        Err(OrderError::TextTooLong)
    } else {
        Ok(v.to_string())
    }
}

fn start_date(raw: &str, today: NaiveDate, horizon_days: i64) -> Result<NaiveDate, OrderError> {
    match NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
        Err(_) => Err(OrderError::StartInvalid),
        Ok(d) if d < today => Err(OrderError::StartPast),
        Ok(d) if d > today + chrono::Duration::days(horizon_days) => Err(OrderError::StartTooFar),
        Ok(d) => Ok(d),
    }
}

/// Checks an order: a start from today up to `horizon_days` ahead, a type, package and car park
/// the catalogue offers, a plate, a number of days within the type's limit, and the application's
/// texts where the type needs approval. The end and price follow from the package or the days.
pub fn check(
    f: &Fields<'_>,
    cat: &Catalogue,
    today: NaiveDate,
    horizon_days: i64,
) -> Result<Order, OrderErrors> {
    let mut e = OrderErrors::default();
    let permit_type = f
        .type_id
        .parse()
        .ok()
        .and_then(|id| cat.type_by_id(id))
        .cloned();
    if permit_type.is_none() {
        e.type_id = Some(OrderError::TypeUnknown);
    }
    let start = start_date(f.start, today, horizon_days)
        .map_err(|err| e.start = Some(err))
        .ok();
    let regnr = RegNumber::parse(f.regnr, f.foreign)
        .map_err(|error| {
            e.regnr = Some(OrderError::RegNr {
                error,
                foreign: f.foreign,
            })
        })
        .ok();
    let car_park = f
        .car_park
        .parse()
        .ok()
        .and_then(|id| cat.car_parks.iter().find(|c| c.id == id))
        .cloned();
    if car_park.is_none() {
        e.car_park = Some(OrderError::CarParkUnknown);
    }
    let mut package = None;
    let mut days = None;
    let mut application = None;
    if let Some(pt) = &permit_type {
        if pt.kind == Kind::Day {
            let max = pt.max_days.unwrap_or(DEFAULT_MAX_DAYS);
            match f.days.trim().parse::<i32>() {
                Ok(n) if (1..=max).contains(&n) => days = Some(n),
                _ => e.days = Some(OrderError::DaysOutOfRange { max }),
            }
        } else {
            package = f
                .package
                .parse()
                .ok()
                .and_then(|id| cat.packages_of(pt.id).find(|p| p.id == id))
                .cloned();
            if package.is_none() {
                e.package = Some(OrderError::PackageUnknown);
            }
        }
        if pt.needs_approval {
            let org = required_text(f.organisation).map_err(|m| e.organisation = Some(m));
            let role = required_text(f.role).map_err(|m| e.role = Some(m));
            let reason = required_text(f.reason).map_err(|m| e.reason = Some(m));
            if let (Ok(organisation), Ok(role), Ok(reason)) = (org, role, reason) {
                application = Some(Application {
                    organisation,
                    role,
                    reason,
                });
            }
        }
    }
    let (Some(permit_type), Some(start), Some(regnr), Some(car_park), false) =
        (permit_type, start, regnr, car_park, e.any())
    else {
        return Err(e);
    };
    let price = match (&package, days) {
        (Some(p), _) => Money::from_ore(p.price_ore),
        (None, Some(n)) => Money::from_ore(permit_type.day_price_ore.unwrap_or(0))
            .times(i64::from(n))
            .unwrap_or_default(),
        (None, None) => return Err(e),
    };
    let Some(end) = end_of(&permit_type, package.as_ref(), start) else {
        e.start = Some(OrderError::StartInvalid);
        return Err(e);
    };
    Ok(Order {
        permit_type,
        package,
        days,
        car_park,
        start,
        end,
        regnr,
        price,
        application,
        renews: f.renews.parse::<i64>().ok().map(PermitId::from),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day_type(max_days: Option<i32>, needs_approval: bool) -> PermitTypeRow {
        PermitTypeRow {
            id: crate::domain::PermitTypeId::from(1),
            code: "DAG".into(),
            name_sv: "Dagkort".into(),
            name_en: "Day card".into(),
            kind: Kind::Day,
            audience: "external".into(),
            needs_approval,
            day_price_ore: Some(5_000),
            day_validity_months: Some(12),
            max_days,
            vat_basis_points: 2500,
            active: true,
            sort_order: 1,
            max_pauses: 0,
        }
    }

    fn catalogue(t: PermitTypeRow) -> Catalogue {
        Catalogue {
            types: vec![t],
            packages: vec![],
            car_parks: vec![CarParkRow {
                id: crate::domain::CarParkId::from(7),
                code: "P1".into(),
                name: "P-hus".into(),
                site: "Västerås".into(),
                active: true,
            }],
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn fields<'a>(days: &'a str, start: &'a str) -> Fields<'a> {
        Fields {
            type_id: "1",
            start,
            regnr: "ABC123",
            days,
            car_park: "7",
            ..Fields::default()
        }
    }

    #[test]
    fn a_day_card_costs_its_days_and_lasts_its_validity() {
        let cat = catalogue(day_type(Some(10), false));
        let o = check(&fields("3", "2026-12-02"), &cat, day(2), 90).unwrap();
        assert_eq!(o.price, Money::from_ore(15_000));
        assert_eq!(o.days, Some(3));
        assert_eq!(o.end, NaiveDate::from_ymd_opt(2027, 12, 1).unwrap());
        assert_eq!(o.car_park.id.get(), 7);
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let cat = catalogue(day_type(Some(10), true));
        let f = Fields {
            regnr: "",
            car_park: "8",
            ..fields("11", "2026-12-01")
        };
        let e = check(&f, &cat, day(2), 90).unwrap_err();
        assert_eq!(e.start, Some(OrderError::StartPast));
        assert_eq!(e.days, Some(OrderError::DaysOutOfRange { max: 10 }));
        assert_eq!(e.car_park, Some(OrderError::CarParkUnknown));
        assert!(matches!(e.regnr, Some(OrderError::RegNr { .. })));
        assert_eq!(e.organisation, Some(OrderError::TextRequired));
        assert_eq!(e.type_id, None);
    }

    #[test]
    fn a_start_beyond_the_horizon_and_an_unknown_type_are_refused() {
        let cat = catalogue(day_type(None, false));
        let f = Fields {
            type_id: "2",
            ..fields("1", "2027-06-01")
        };
        let e = check(&f, &cat, day(2), 90).unwrap_err();
        assert_eq!(e.start, Some(OrderError::StartTooFar));
        assert_eq!(e.type_id, Some(OrderError::TypeUnknown));
    }

    #[test]
    fn texts_must_be_there_and_short() {
        assert_eq!(required_text("  "), Err(OrderError::TextRequired));
        assert_eq!(
            required_text(&"x".repeat(TEXT_MAX + 1)),
            Err(OrderError::TextTooLong)
        );
        assert_eq!(required_text(" Region "), Ok("Region".into()));
    }
}
