//! The test kit: one copy of what the integration tests (`tests/it`), the benches and the load
//! test (`examples/load.rs`) need to start the portal and talk to it. Each includes it with
//! `#[path = "…/tests/kit/mod.rs"] mod kit;`.
//!
//! - [`db`]: a fresh database per test (SQLite, or PostgreSQL), a connection of one's own;
//! - [`spawn`]: the real server on port 0 (`TestApp`), test settings;
//! - [`smtp`]: a real SMTP server that keeps what it receives;
//! - [`client`]: the browser-like reqwest client;
//! - [`html`]: reading pages with CSS selectors (`scraper`);
//! - [`flows`]: register/confirm/login, buying a permit, paying it;
//! - [`dates`]: the portal's today;
//! - [`weight`]: the page-weight walk and budgets (its test and its bench);
//! - [`measure`]: the benches' knobs and percentiles.

// Shared test support: every includer uses a different part of the kit (a bench needs no SMTP
// server, the load test no page-weight walk), so what one of them leaves unused is not dead.
#![allow(dead_code)]

pub mod client;
pub mod dates;
pub mod db;
pub mod flows;
pub mod html;
pub mod measure;
pub mod mfa;
pub mod smtp;
pub mod spawn;
pub mod weight;
