//! The one poll loop of the background actors (the payment poller, the mailbox): a job runs
//! in rounds, on a timer and whenever it is woken. A wake during a round asks for one more
//! round right after it; two rounds never run at once. Which rows a round takes, and that
//! only one instance works on a row, is the job's own lease in the database.

use std::future::Future;
use std::time::Duration;

use actix::prelude::*;

/// Whether a round runs, and whether another was asked for meanwhile.
#[derive(Debug, Default)]
pub struct Rounds {
    running: bool,
    again: bool,
}

/// An actor whose work is done in rounds.
pub trait RoundJob: Actor<Context = Context<Self>> {
    fn rounds(&mut self) -> &mut Rounds;
    /// One round's work (it logs its own failures: the next round tries again).
    fn round(&self) -> impl Future<Output = ()> + 'static;
}

/// Starts a round now, unless one runs: then one more follows it.
pub fn kick<A: RoundJob>(act: &mut A, ctx: &mut Context<A>) {
    let r = act.rounds();
    if r.running {
        r.again = true;
        return;
    }
    r.running = true;
    ctx.spawn(act.round().into_actor(act).map(|_, act, ctx| {
        let r = act.rounds();
        r.running = false;
        if std::mem::take(&mut r.again) {
            kick(act, ctx);
        }
    }));
}

/// A round at once (what waits from before a restart), then one every `every`.
pub fn start<A: RoundJob>(act: &mut A, ctx: &mut Context<A>, every: Duration) {
    kick(act, ctx);
    ctx.run_interval(every, |act, ctx| kick(act, ctx));
}
