//! Route handlers by area.

pub mod account;
pub mod daycards;
pub mod dev;
pub mod home;
pub mod messages;
pub mod notifications;
pub mod office;
pub mod operator;
pub mod payments;
pub mod permits;
pub mod public;
pub mod settings;
