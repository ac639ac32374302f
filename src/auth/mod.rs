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

/// Guesses of a second factor, or of the current password from a session, per account within
/// [`LOGIN_WINDOW_MINUTES`] (only someone past the password, or with a session, can spend them).
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 10;
pub const LOGIN_WINDOW_MINUTES: i64 = 15;

/// One limit on password guesses at login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginLimit {
    pub key: String,
    pub window: chrono::Duration,
    pub max: i64,
}

/// How long a login from an address keeps it "known" for the account (see [`login_limits`]).
pub const KNOWN_ADDRESS_DAYS: i64 = 90;

/// The limits a password guess for `email` from the client `addr` (an IPv4 address or an IPv6
/// /64) counts against (issue #34, 9). Nobody can lock another person out, and guessing stays
/// slow:
/// - per account and address, with growing waits: 5 a minute, 10 in 15 minutes, 30 a day — an
///   attacker waits on their own pair only;
/// - per address, `per_address` in 15 minutes (300 by default,
///   `LOGIN_FAILURES_PER_CLIENT_PER_15_MIN`: a hospital's Wi-Fi is one address for thousands), and per
///   account, 100 an hour from all addresses together (a botnet) — both unless the account has
///   logged in from this address in the last [`KNOWN_ADDRESS_DAYS`] days, so the person at
///   their usual place always gets in, while guessing from elsewhere stays bounded.
pub fn login_limits(email: &str, addr: &str, known: bool, per_address: i64) -> Vec<LoginLimit> {
    use chrono::Duration;
    let pair = format!("login:pair:{email}:{addr}");
    let mut limits = vec![
        LoginLimit {
            key: pair.clone(),
            window: Duration::minutes(1),
            max: 5,
        },
        LoginLimit {
            key: format!("{pair}:15m"),
            window: Duration::minutes(15),
            max: 10,
        },
        LoginLimit {
            key: format!("{pair}:1d"),
            window: Duration::days(1),
            max: 30,
        },
    ];
    if !known {
        limits.push(LoginLimit {
            key: format!("login:addr:{addr}"),
            window: Duration::minutes(15),
            max: per_address,
        });
        limits.push(LoginLimit {
            key: format!("login:acct:{email}"),
            window: Duration::hours(1),
            max: 100,
        });
    }
    limits
}
/// Sessions kept per account; a new login ends the oldest beyond this.
pub const MAX_SESSIONS_PER_ACCOUNT: i64 = 10;
