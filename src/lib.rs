//! Parkportal: parking permits for the hospital car parks of a Swedish region.

pub mod actors;
pub mod admin;
pub mod auth;
pub mod cases;
pub mod clock;
pub mod db;
pub mod domain;
pub mod i18n;
pub mod memory;
pub mod notify;
pub mod payments;
pub mod services;
pub mod settings;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod web;

pub use settings::Settings;
pub use startup::Application;
