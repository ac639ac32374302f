//! Route handlers by area.

pub mod dev;
pub mod home;
pub mod messages;
pub mod notifications;
pub mod public;
