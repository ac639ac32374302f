//! The rules of the business by area, below the web layer: each function takes a database
//! connection (or runs in one transaction) and typed inputs and returns a typed result. The
//! web handlers and the actors call them; nothing here knows about HTTP.

pub mod accounts;
pub mod catalogue;
pub mod oncall;
pub mod orders;
pub mod payments;
pub mod permits;
pub mod profile;
pub mod queue;
pub mod staff;
