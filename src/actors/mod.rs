//! Long-lived state: one actor per permit (changes to a permit are applied one at a time),
//! reached through a registry; the expiry reminder. The database stays the source of truth.

pub mod payments;
pub mod permits;
pub mod queue;
pub mod reminders;
pub mod rounds;

pub use permits::{ChangePermit, PermitChange, PermitError, PermitRegistry, RuleError};
