//! Payment providers: the real clients (Swish Commerce API, …) and the built-in simulators
//! that speak the same protocols, so the real client code runs against them by default.

pub mod card_sim;
pub mod nexi;
pub mod refund;
pub mod sim;
pub mod swish;
pub mod swish_sim;

/// What the simulators (demo mode only) ask of whoever calls their API: the random key made at
/// start ([`crate::state::AppState::sim_secret`]), which only the portal's own clients send —
/// the Swish simulator in this header, the card simulator as Nexi's `Authorization`.
pub const SIM_KEY_HEADER: &str = "x-parkportal-sim-key";
