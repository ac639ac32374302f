//! Route handlers by area.

pub mod daycards;
pub mod dev;
pub mod home;
pub mod messages;
pub mod notifications;
pub mod payments;
pub mod permits;
pub mod public;
pub mod settings;
