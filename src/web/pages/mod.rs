//! Route handlers by area.

pub mod public;
