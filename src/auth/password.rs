//! argon2id password hashing, off the async workers and with a cap on concurrent hashes.
//!
//! Hashes run on threads of their own ([`HASHING_THREADS`]) at a lower CPU priority (nice
//! [`HASHING_NICE`]) than the workers and the blocking pool that serve pages: a hash holds a
//! core for about 25 ms, and on two cores a storm of logins on the blocking pool took the CPU
//! the pages needed (their p99 rose to 28–38 ms). At a lower priority a hash takes what the
//! pages leave; logins still go on, as fast as the CPU allows.

use std::sync::mpsc::{Sender, channel};
use std::sync::{Mutex, OnceLock};

use anyhow::Context;
use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

use tokio::sync::Semaphore;

/// Logins and password changes hashing at once (argon2, 19 MiB each); registrations and
/// resets have one permit of their own so that a sign-up flood cannot hold up logins.
const LOGIN_PERMITS: usize = 4;
const SIGNUP_PERMITS: usize = 1;
const _: () = assert!(
    LOGIN_PERMITS + SIGNUP_PERMITS == HASHING_THREADS,
    "one hashing thread per hash that may run at once"
);

/// What password hashing may use at once (each hash holds ~19 MiB and a CPU for ~25 ms): the
/// logins' permits, and a smaller budget for new passwords at registration and reset, so a
/// flood of those never takes the logins' capacity. One per server (`AppState::hashing`).
pub struct Budget {
    pub login: Semaphore,
    pub signup: Semaphore,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            login: Semaphore::new(LOGIN_PERMITS),
            signup: Semaphore::new(SIGNUP_PERMITS),
        }
    }
}

/// Hashes on the calling thread (the command line; handlers use [`hash`]).
pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    hash_now(password)
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?
        .to_string())
}

fn verify_now(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to check against when the address has no account, so the answer takes as long.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_now("no such account: Dummy1!").expect("hashing a constant"))
}

/// The hashing threads: as many as hashes may run at once (the login and the signup budgets).
pub const HASHING_THREADS: usize = 5;
/// Their nice value (Linux: per thread); the page threads keep 0.
pub const HASHING_NICE: i32 = 10;

type Job = Box<dyn FnOnce() + Send>;

/// The queue of the hashing threads, started on first use.
fn hashing_threads() -> &'static Mutex<Sender<Job>> {
    static QUEUE: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        let rx = std::sync::Arc::new(Mutex::new(rx));
        for i in 0..HASHING_THREADS {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("hashing-{i}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                })
                .expect("a hashing thread starts");
        }
        Mutex::new(tx)
    })
}

/// Lowers this thread's CPU priority (on Linux, nice is per thread).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority with `who` 0 changes only the calling thread's nice value.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, HASHING_NICE);
    }
}

/// Runs `f` on a hashing thread and waits for it without holding a worker.
async fn on_hashing_thread<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = tx.send(f());
    });
    hashing_threads()
        .lock()
        .map_err(|_| anyhow::anyhow!("hashing queue poisoned"))?
        .send(job)
        .map_err(|_| anyhow::anyhow!("hashing threads stopped"))?;
    rx.await.context("hashing task stopped")
}

pub async fn hash(budget: &Budget, password: SecretString) -> anyhow::Result<String> {
    let _permit = budget.login.acquire().await.context("hashing closed")?;
    on_hashing_thread(move || hash_now(password.expose_secret())).await?
}

/// How long a registration or a reset waits for the signup budget before it is asked to try
/// again (so a flood cannot build an endless queue).
pub const SIGNUP_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Hashes a new password for a registration or a reset, on their own budget (one at a time),
/// so that many of them cannot hold up logins. `None` when the budget stayed busy for
/// [`SIGNUP_WAIT`].
pub async fn hash_signup(
    budget: &Budget,
    password: SecretString,
) -> anyhow::Result<Option<String>> {
    // Its own permit, or one of the logins' that is idle (issue #34, 11: a burst of sign-ups
    // from many addresses uses the whole machine while nobody logs in). Never by queueing
    // behind the logins' permits: a login waiting there gets the next one freed (tokio's
    // semaphores hand a freed permit to the first waiter), so logins are not held up.
    let deadline = tokio::time::Instant::now() + SIGNUP_WAIT;
    let _permit = loop {
        if let Ok(p) = budget.login.try_acquire() {
            break p;
        }
        match actix_web::rt::time::timeout(SIGNUP_POLL, budget.signup.acquire()).await {
            Ok(p) => break p.context("hashing closed")?,
            Err(_) if tokio::time::Instant::now() >= deadline => return Ok(None),
            Err(_) => {}
        }
    };
    on_hashing_thread(move || hash_now(password.expose_secret()))
        .await?
        .map(Some)
}

/// How often a waiting sign-up looks for an idle login permit.
const SIGNUP_POLL: std::time::Duration = std::time::Duration::from_millis(40);

/// How long a login waits for a hashing permit before it is asked to try again in a moment
/// (issue #34, 10: the logins' queue is bounded in time, as the sign-ups' is).
pub const LOGIN_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Checks a password against a stored hash, or against a dummy hash when there is no account.
/// `None` when no hashing permit came within [`LOGIN_WAIT`] (the caller answers 503).
pub async fn verify_login(
    budget: &Budget,
    password: SecretString,
    hash: Option<String>,
) -> anyhow::Result<Option<bool>> {
    let Ok(permit) = actix_web::rt::time::timeout(LOGIN_WAIT, budget.login.acquire()).await else {
        return Ok(None);
    };
    let _permit = permit.context("hashing closed")?;
    check_on_thread(password, hash).await.map(Some)
}

/// [`verify_login`] without a bound on the wait (a logged-in user's current password).
pub async fn verify(
    budget: &Budget,
    password: SecretString,
    hash: Option<String>,
) -> anyhow::Result<bool> {
    let _permit = budget.login.acquire().await.context("hashing closed")?;
    check_on_thread(password, hash).await
}

async fn check_on_thread(password: SecretString, hash: Option<String>) -> anyhow::Result<bool> {
    on_hashing_thread(move || match hash {
        Some(h) => verify_now(password.expose_secret(), &h),
        None => {
            verify_now(password.expose_secret(), dummy_hash());
            false
        }
    })
    .await
}

/// Warms the dummy hash at start so the first unknown-address login is not slower, and
/// starts the hashing threads.
pub fn init() {
    dummy_hash();
    hashing_threads();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify_round_trip() {
        let h = hash_now("Hund7!katt").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_now("Hund7!katt", &h));
        assert!(!verify_now("Hund7!kat", &h));
        assert!(!verify_now("Hund7!katt", "not a hash"));
    }
}

/// What checking a logged-in user's current password (to change the e-mail address or the
/// password, or to delete the account) found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Current {
    Right,
    Wrong,
    /// Too many wrong guesses for this account lately (logins count too): not checked.
    Locked,
}

/// Checks the current password of a logged-in user under the account's login limit: the
/// guess is reserved before it is checked (so a stolen session cannot guess without end,
/// in parallel or on other instances either), and a right password gives it back.
pub async fn verify_current(
    pool: &crate::db::Pool,
    budget: &Budget,
    user: crate::domain::UserId,
    email: &str,
    password: SecretString,
) -> anyhow::Result<Current> {
    let key = format!("login:account:{email}");
    let window = chrono::Duration::minutes(super::LOGIN_WINDOW_MINUTES);
    let k = key.clone();
    let (allowed, hash) = crate::db::query(pool, move |c| {
        let hit = crate::db::limits::hit(
            c,
            &k,
            window,
            super::MAX_FAILURES_PER_ACCOUNT,
            crate::clock::now(),
        )?;
        Ok((
            hit.is_allowed(),
            crate::db::accounts::password_hash_of(c, user)?,
        ))
    })
    .await?;
    if !allowed {
        return Ok(Current::Locked);
    }
    // (An account deleted meanwhile has no password: any guess is wrong.)
    if !verify(budget, password, hash).await? {
        return Ok(Current::Wrong);
    }
    crate::db::query(pool, move |c| {
        crate::db::limits::undo(c, &key, window, crate::clock::now())
    })
    .await?;
    Ok(Current::Right)
}
