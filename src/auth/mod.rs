//! Who is asking: password hashing, login sessions, CSRF and brute-force limits.

pub mod csrf;
pub mod password;
pub mod session;

pub use session::{SessionUser, User};

/// Failed logins allowed per address, and per IP address, within [`LOGIN_WINDOW_MINUTES`].
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 10;
pub const MAX_FAILURES_PER_IP: i64 = 50;
pub const LOGIN_WINDOW_MINUTES: i64 = 15;
/// Sessions kept per account; a new login ends the oldest beyond this.
pub const MAX_SESSIONS_PER_ACCOUNT: i64 = 10;
