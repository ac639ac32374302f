//! The words of the office's desk and the attendant's car park (issue #36): Kontroll per car
//! park ("Parkeringsområde", "Giltigt här", "… – gäller i …"). Reached as `ctx.lang.office()`.

use super::Lang;

pub struct OfficeTexts {
    pub all_car_parks: &'static str,
    pub valid_here: &'static str,
    pub not_valid_here: &'static str,
    pub valid_in: &'static str,
    pub car_park_hint: &'static str,
    pub failed_refunds: &'static str,
    pub offers_lapsing: &'static str,
    /// The operator's permit page: what the check answers for its car today.
    pub check_today: &'static str,
    pub nothing_changed: &'static str,
    pub no_limit: &'static str,
    pub capacity_table: &'static str,
    pub role_attendant: &'static str,
    pub role_attendant_hint: &'static str,
}

impl Lang {
    pub fn office(self) -> &'static OfficeTexts {
        match self {
            Lang::Sv => &SV,
            Lang::En => &EN,
        }
    }
}

pub const SV: OfficeTexts = OfficeTexts {
    all_car_parks: "Alla parkeringsområden",
    valid_here: "Giltigt här",
    not_valid_here: "Inget giltigt tillstånd här",
    valid_in: "gäller i",
    car_park_hint: "Där du står. Valet sparas på den här enheten.",
    failed_refunds: "Återbetalningar som misslyckats",
    offers_lapsing: "Erbjudanden som går ut inom ett dygn",
    check_today: "Kontrollens svar i dag",
    nothing_changed: "Inget ändrades.",
    no_limit: "ingen gräns",
    capacity_table: "Kapacitet per parkeringsområde och typ",
    role_attendant: "Kontrollant",
    role_attendant_hint: "Ser bara Kontroll: parkeringsvakter i parkeringen.",
};

pub const EN: OfficeTexts = OfficeTexts {
    all_car_parks: "All car parks",
    valid_here: "Valid here",
    not_valid_here: "No valid permit here",
    valid_in: "valid in",
    car_park_hint: "Where you are. The choice is kept on this device.",
    failed_refunds: "Refunds that failed",
    offers_lapsing: "Offers lapsing within a day",
    check_today: "The check's answer today",
    nothing_changed: "Nothing changed.",
    no_limit: "no limit",
    capacity_table: "Capacity per car park and type",
    role_attendant: "Attendant",
    role_attendant_hint: "Sees Kontroll only: attendants in the car park.",
};
