//! Payment providers: the real clients (Swish Commerce API, …) and the built-in simulators
//! that speak the same protocols, so the real client code runs against them by default.

pub mod card_sim;
pub mod nexi;
pub mod refund;
pub mod swish;
pub mod swish_sim;
