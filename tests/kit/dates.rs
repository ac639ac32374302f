//! Dates as the portal counts them.

/// Today in Sweden (the portal's local date), as the portal itself computes it.
pub fn today() -> chrono::NaiveDate {
    parkportal::domain::permit::today(chrono::Utc::now())
}
