//! The one poll loop of the background actors (the payment poller, the mailbox): a job runs
//! in rounds, on a timer and whenever it is woken. A wake during a round asks for one more
//! round right after it; two rounds never run at once. Which rows a round takes, and that
//! only one instance works on a row, is the job's own lease in the database.

use std::future::Future;
use std::time::{Duration, Instant};

use actix::prelude::*;

/// Whether a round runs, whether another was asked for meanwhile, and how rounds that
/// failed in a row hold the timer back.
#[derive(Debug, Default)]
pub struct Rounds {
    running: bool,
    again: bool,
    /// Rounds failed in a row (the database away, say).
    failed: u32,
    /// The timer's rounds wait until then after a failure.
    resume_at: Option<Instant>,
}

/// The longest wait between the timer's rounds while they fail.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// An actor whose work is done in rounds.
pub trait RoundJob: Actor<Context = Context<Self>> {
    /// What the log calls its rounds.
    const NAME: &'static str;
    fn rounds(&mut self) -> &mut Rounds;
    /// One round's work. A failure is logged; the timer's next rounds wait twice as long each
    /// time (up to a minute) until one works again.
    fn round(&self) -> impl Future<Output = anyhow::Result<()>> + 'static;
}

/// Starts a round now, unless one runs: then one more follows it. A wake comes after a commit
/// (the database answers), so it runs whatever the back-off says.
pub fn kick<A: RoundJob>(act: &mut A, ctx: &mut Context<A>) {
    let r = act.rounds();
    if r.running {
        r.again = true;
        return;
    }
    r.running = true;
    ctx.spawn(act.round().into_actor(act).map(|outcome, act, ctx| {
        let r = act.rounds();
        r.running = false;
        match outcome {
            Ok(()) => {
                if r.failed > 0 {
                    tracing::info!(round = A::NAME, failed = r.failed, "rounds work again");
                }
                r.failed = 0;
                r.resume_at = None;
            }
            Err(e) => {
                r.failed = r.failed.saturating_add(1);
                let wait = backoff(r.failed);
                r.resume_at = Some(Instant::now() + wait);
                tracing::warn!(
                    round = A::NAME,
                    failed = r.failed,
                    next_in_ms = wait.as_millis() as u64,
                    error = %format!("{e:#}"),
                    "round failed"
                );
            }
        }
        if std::mem::take(&mut r.again) {
            kick(act, ctx);
        }
    }));
}

/// The wait after `failed` rounds failed in a row: 1, 2, 4 … s, at most [`MAX_BACKOFF`].
fn backoff(failed: u32) -> Duration {
    Duration::from_secs(1u64 << failed.saturating_sub(1).min(6)).min(MAX_BACKOFF)
}

/// A round at once (what waits from before a restart), then one every `every` — later while
/// rounds fail.
pub fn start<A: RoundJob>(act: &mut A, ctx: &mut Context<A>, every: Duration) {
    kick(act, ctx);
    ctx.run_interval(every, |act, ctx| {
        if act.rounds().resume_at.is_none_or(|at| Instant::now() >= at) {
            kick(act, ctx);
        }
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_wait_doubles_to_a_minute() {
        let secs: Vec<u64> = (1..=9).map(|n| super::backoff(n).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
