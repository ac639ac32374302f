//! The integration suite: the real server on port 0 with its own fresh database per test.
//! SQLite by default; PostgreSQL when `TEST_DATABASE_URL` is set.

mod a11y;
mod accounts;
mod browser;
mod browser_accounts;
mod browser_daycards;
mod browser_desk;
mod browser_messages;
mod browser_operator;
mod browser_pause;
mod browser_permits;
mod browser_queue;
mod browser_today;
mod daycards;
mod desk;
mod faults;
mod foundation;
mod hostile;
mod html_reader;
#[path = "../kit/mod.rs"]
mod kit;
mod messages;
mod office;
mod oncall;
mod operator;
mod pause;
mod pay_journey;
mod payments;
mod permits;
mod queue;
mod schema_guard;
mod sms;
mod steps;
mod swish;
mod today;
mod trust_account;
mod trust_body;
mod trust_gdpr;
mod trust_infra;
mod trust_login;
mod trust_mfa;
mod trust_payments;
mod trust_permits;
mod trust_session;
mod trust_signup;
mod weight;
