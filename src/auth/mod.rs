//! Who is asking: password hashing, login sessions, the session's CSRF token and
//! brute-force limits. (The check that a request comes from this site is web middleware:
//! `web::csrf`.)

pub mod password;
pub mod session;

pub use session::{SessionUser, User};

/// What can go wrong when asking who is asking.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// A form's CSRF token is not its session's.
    #[error("CSRF token mismatch")]
    Csrf,
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Failed logins allowed per address, and per IP address, within [`LOGIN_WINDOW_MINUTES`].
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 10;
pub const MAX_FAILURES_PER_IP: i64 = 50;
pub const LOGIN_WINDOW_MINUTES: i64 = 15;
/// Sessions kept per account; a new login ends the oldest beyond this.
pub const MAX_SESSIONS_PER_ACCOUNT: i64 = 10;
